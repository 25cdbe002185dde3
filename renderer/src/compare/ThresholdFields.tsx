/**
 * The thresholds a variant is judged by — and the mixed-precision search aims for — as fields in
 * Compare's form: cosine on every sample, SNR and top-1 agreement on by default, PSNR and
 * Polygraphy's elementwise atol/rtol when typed (empty: not judged), and the defaults one click away.
 */
import { DEFAULT_THRESHOLDS, describeThresholds } from '../../../electron/shared/compare/thresholds';
import { thresholdFields } from './choices';
import type { ThresholdFields as Fields } from './choices';
import { useCompare } from './store';

const FIELDS: { key: keyof Fields; label: string; title: string }[] = [
  {
    key: 'cosine',
    label: 'Cosine threshold',
    title: 'Cosine to FP32, pooled and on every sample (Kiln’s goal for a precision variant: 0.99)',
  },
  {
    key: 'snr',
    label: 'SNR threshold (dB)',
    title: 'Signal to error, in dB: 17 dB is the cosine goal’s bar, and catches an output scaled as a whole',
  },
  {
    key: 'top1',
    label: 'Top-1 agreement threshold (%)',
    title: 'Share of rows whose top class is FP32’s, on outputs that hold class scores (a Softmax’s, logits)',
  },
  { key: 'psnr', label: 'PSNR threshold (dB)', title: 'Peak signal to error, in dB (never below SNR)' },
  {
    key: 'atol',
    label: 'atol',
    title: 'Polygraphy’s elementwise check, |err| ≤ atol + rtol·|ref| (its 1e-5 default compares two FP32 runs)',
  },
  { key: 'rtol', label: 'rtol', title: 'Polygraphy’s elementwise check, |err| ≤ atol + rtol·|ref|' },
];

export function ThresholdFields() {
  const { thresholds, edit } = useCompare();
  return (
    <fieldset className="thresholds" data-testid="thresholds">
      <legend>Pass when (empty: not judged)</legend>
      {FIELDS.map(({ key, label, title }) => (
        <label key={key} title={title}>
          {label}
          <input
            value={thresholds[key]}
            placeholder={key === 'cosine' ? undefined : 'not judged'}
            onChange={(e) => edit({ thresholds: { ...thresholds, [key]: e.target.value } })}
            aria-label={label}
          />
        </label>
      ))}
      <button
        type="button"
        className="ghost"
        title={`Kiln's defaults: ${describeThresholds(DEFAULT_THRESHOLDS)}`}
        onClick={() => edit({ thresholds: thresholdFields(DEFAULT_THRESHOLDS) })}
      >
        Defaults
      </button>
    </fieldset>
  );
}
