/**
 * Precision variants made in Kiln (no Python): FP16 autocast with FP32 fallbacks, each variant
 * listed with what changed and why, ready to profile side by side with the original.
 */
import { useEffect, useState } from 'react';
import { CalibratorSchema, type Calibrator } from '../../../electron/shared/api/variants';
import { CHECK_FLOOR } from '../../../electron/shared/compare/thresholds';
import { fileSource } from '../frame/open';
import { JobProgress } from '../frame/Progress';
import { Toggle } from '../frame/Toggle';
import { ShapeFields, useShapeFields } from '../profile/ShapeFields';
import { useApp } from '../state/app';
import { useVariants } from './store';
import { VariantCard } from './VariantCard';

const list = (s: string) =>
  s
    .split(/[,\s]+/)
    .map((x) => x.trim())
    .filter(Boolean);

const NO_INPUTS: never[] = [];

export function PrecisionPanel() {
  const client = useApp((s) => s.client);
  const source = useApp((s) => s.source);
  const summary = useApp((s) => s.summary);
  const { variants, making, error, make, forModel } = useVariants();
  const [keepIO, setKeepIO] = useState(true);
  const [dataMax, setDataMax] = useState('512');
  const [excludeOps, setExcludeOps] = useState('');
  const [excludeNodes, setExcludeNodes] = useState('');
  const [formError, setFormError] = useState<string | null>(null);
  const shapeState = useShapeFields(summary?.inputs ?? NO_INPUTS);
  const [flavour, setFlavour] = useState<'tensorrt' | 'onnxruntime'>('tensorrt');
  // Channel equalization: helps TensorRT's symmetric INT8, not ONNX Runtime's UINT8 (measured), so it follows the flavour.
  const [equalize, setEqualize] = useState(true);
  // Follows the flavour too (MSE for TensorRT, max for ONNX Runtime: what measured best), until changed.
  const [calibrator, setCalibrator] = useState<Calibrator>('mse');
  // The checks against FP32 (accuracy on real calibration data; time too for ONNX Runtime): off makes every layer INT8.
  const [check, setCheck] = useState(true);
  // TensorRT: what is not INT8 runs in FP32 or FP16 (ModelOpt's high_precision_dtype).
  const [highPrecision, setHighPrecision] = useState<'fp32' | 'fp16'>('fp32');
  const [samples, setSamples] = useState('32');
  const [calibFiles, setCalibFiles] = useState<File[]>([]);
  const [resize, setResize] = useState<'stretch' | 'crop' | 'pad'>('stretch');
  const [mean, setMean] = useState('0, 0, 0');
  const [std, setStd] = useState('1, 1, 1');
  const [layout, setLayout] = useState<'NCHW' | 'NHWC'>('NCHW');
  const [bgr, setBgr] = useState(false);
  const hasImages = calibFiles.some((f) => !/\.(npy|npz)$/i.test(f.name));
  const [specialize, setSpecialize] = useState(false);
  const [frozen, setFrozen] = useState<Record<string, string>>({});

  useEffect(() => {
    if (summary) forModel(summary.sha256);
  }, [summary, forModel]);
  if (!client || !source || !summary) return null;

  // Scalar inputs (silero VAD's sample rate) can be frozen to the value the deployment feeds.
  const scalars = summary.inputs.filter((i) => i.dims !== null && i.dims.length === 0);
  /** The recipe's specialization fields, or what is wrong with the form. */
  const specialization = (): { specialize: boolean; fixedInputs: Record<string, number> } | string => {
    const fixedInputs: Record<string, number> = {};
    for (const i of scalars) {
      const text = (frozen[i.name] ?? '').trim();
      if (text === '') continue;
      const x = Number(text);
      if (!Number.isFinite(x)) return `the value to freeze ${i.name} to must be a number`;
      fixedInputs[i.name] = x;
    }
    return { specialize: specialize || Object.keys(fixedInputs).length > 0, fixedInputs };
  };

  const start = () => {
    const dims = shapeState.parse();
    const max = Number(dataMax);
    if (!Number.isFinite(max) || max <= 0 || max > 65504)
      return setFormError('the activation limit must be in (0, 65504]');
    const spec = specialization();
    if (typeof spec === 'string') return setFormError(spec);
    if (spec.specialize && typeof dims === 'string') return setFormError(dims);
    setFormError(null);
    void make(client, source, {
      ...spec,
      precision: 'fp16',
      dataMax: max,
      keepIOTypes: keepIO,
      excludeOps: list(excludeOps),
      excludeNodes: list(excludeNodes),
      // With concrete input shapes, activation ranges are measured on 8 seeded samples.
      ...(typeof dims === 'string' ? { calibrationSamples: 0 } : { calibrationSamples: 8, shapes: dims }),
    });
  };
  const numbers = (text: string, what: string): number[] | string => {
    const xs = list(text).map(Number);
    return xs.length >= 1 && xs.length <= 4 && xs.every(Number.isFinite)
      ? xs
      : `${what} must be 1 to 4 numbers, like 0.485, 0.456, 0.406`;
  };
  const startInt8 = async () => {
    const dims = shapeState.parse();
    if (typeof dims === 'string') return setFormError(dims);
    const n = Number(samples);
    if (!Number.isInteger(n) || n < 1) return setFormError('calibration samples must be a whole number ≥ 1');
    const m = numbers(mean, 'the mean');
    const sd = numbers(std, 'the std');
    if (typeof m === 'string') return setFormError(m);
    if (typeof sd === 'string') return setFormError(sd);
    if (sd.some((x) => x <= 0)) return setFormError('the std must be positive');
    const spec = specialization();
    if (typeof spec === 'string') return setFormError(spec);
    setFormError(null);
    let calibrationFiles;
    try {
      // Each file reaches the engine host as a path (Electron) or an upload (browser mode).
      calibrationFiles = await Promise.all(calibFiles.map((f) => fileSource(f)));
    } catch (err) {
      return setFormError(err instanceof Error ? err.message : String(err));
    }
    void make(client, source, {
      ...spec,
      precision: 'int8',
      flavour,
      equalize,
      calibrator,
      speedGuard: check,
      accuracyCheck: check,
      ...(flavour === 'tensorrt' ? { highPrecision } : {}),
      samples: n,
      shapes: dims,
      calibrationFiles,
      preprocess: { resize, scale: 1 / 255, mean: m, std: sd, layout, channels: bgr ? 'BGR' : 'RGB' },
      excludeOps: list(excludeOps),
      excludeNodes: list(excludeNodes),
    });
  };

  return (
    <section className="profile" data-testid="precision-panel" aria-label="Precision variants">
      <form
        className="profile-form"
        onSubmit={(e) => {
          e.preventDefault();
          start();
        }}
      >
        <h3>FP16 autocast</h3>
        <label className="inline">
          <input type="checkbox" checked={keepIO} onChange={(e) => setKeepIO(e.target.checked)} />
          Keep inputs and outputs FP32
        </label>
        <label>
          Activation limit (keep FP32 above)
          <input value={dataMax} onChange={(e) => setDataMax(e.target.value)} aria-label="Activation limit" />
        </label>
        <label>
          Keep these ops FP32
          <input
            value={excludeOps}
            placeholder="e.g. Softmax, ReduceMean"
            onChange={(e) => setExcludeOps(e.target.value)}
            aria-label="Exclude ops"
          />
        </label>
        <label>
          Keep these nodes FP32
          <input value={excludeNodes} onChange={(e) => setExcludeNodes(e.target.value)} aria-label="Exclude nodes" />
        </label>
        {/* Concrete shapes let Kiln run the model: FP16 measures activation ranges, INT8 calibrates. */}
        <ShapeFields state={shapeState} labelPrefix="Variant " />
        <fieldset className="specialize" data-testid="specialize">
          <legend>Specialize for deployment</legend>
          <label className="inline">
            <input
              type="checkbox"
              checked={specialize || scalars.some((i) => (frozen[i.name] ?? '').trim() !== '')}
              onChange={(e) => setSpecialize(e.target.checked)}
              aria-label="Specialize"
            />
            Fix these shapes and inline the If branches they decide
          </label>
          {scalars.map((i) => (
            <label key={i.name}>
              Freeze {i.name} to
              <input
                value={frozen[i.name] ?? ''}
                placeholder="fed as it comes"
                onChange={(e) => setFrozen({ ...frozen, [i.name]: e.target.value })}
                aria-label={`Freeze ${i.name}`}
              />
            </label>
          ))}
          <p className="muted">
            PyTorch exports such as silero VAD keep their network inside If branches (on the sample rate, the batch
            size), out of reach of FP16 and INT8 until the model is specialized.
          </p>
        </fieldset>
        {making ? (
          <JobProgress
            className="profile-running"
            testId="variant-progress"
            label={making.label}
            progress={making.progress}
            onCancel={making.cancel}
          />
        ) : (
          <>
            <button type="submit" className="primary">
              Make FP16 variant
            </button>
            <h3>INT8 (calibrated Q/DQ)</h3>
            <label>
              For
              <select
                value={flavour}
                onChange={(e) => {
                  const f = e.target.value as 'tensorrt' | 'onnxruntime';
                  setFlavour(f);
                  setEqualize(f === 'tensorrt');
                  setCalibrator(f === 'tensorrt' ? 'mse' : 'max');
                }}
                aria-label="INT8 flavour"
              >
                <option value="tensorrt">TensorRT (symmetric INT8)</option>
                <option value="onnxruntime">ONNX Runtime CPU (UINT8 activations)</option>
              </select>
            </label>
            <Toggle
              checked={equalize}
              onChange={setEqualize}
              label="Equalize channels"
              title="Scale each channel of a Conv's input to an even range, the scale moved into the op before (exact in float)"
            >
              Equalize Conv input channels
            </Toggle>
            {flavour === 'tensorrt' && (
              <label>
                Layers not in INT8
                <select
                  value={highPrecision}
                  onChange={(e) => setHighPrecision(e.target.value as 'fp32' | 'fp16')}
                  aria-label="Layers not in INT8"
                  title="FP16: the float layers compute in FP16 (with autocast's FP32 fallbacks); the Q/DQ and the ops reading them stay FP32, Casts between"
                >
                  <option value="fp32">FP32</option>
                  <option value="fp16">FP16 (as ModelOpt's default)</option>
                </select>
              </label>
            )}
            <Toggle
              checked={check}
              onChange={setCheck}
              label="Check against FP32"
              title={
                flavour === 'onnxruntime'
                  ? 'Time INT8 against FP32 here and, with real calibration data, check its agreement: layers that lose time or accuracy stay float'
                  : `With real calibration data, run the Q/DQ beside FP32 on up to 32 samples: layers that put the worst under cosine ${CHECK_FLOOR} stay float`
              }
            >
              {flavour === 'onnxruntime' ? 'Check speed and accuracy against FP32' : 'Check accuracy against FP32'}
            </Toggle>
            <label>
              Calibrator
              <select
                value={calibrator}
                onChange={(e) => setCalibrator(CalibratorSchema.parse(e.target.value))}
                aria-label="Calibrator"
              >
                <option value="max">max</option>
                <option value="percentile">percentile (99.99)</option>
                <option value="entropy">entropy (KL, as TensorRT)</option>
                <option value="mse">MSE</option>
              </select>
            </label>
            <label>
              Calibration data: images or .npy/.npz (optional)
              <input
                type="file"
                multiple
                accept="image/png,image/jpeg,image/webp,image/tiff,.npy,.npz"
                aria-label="Calibration files"
                onChange={(e) => setCalibFiles([...(e.target.files ?? [])])}
              />
            </label>
            {calibFiles.length === 0 ? (
              <label>
                Calibration samples (seeded random)
                <input value={samples} onChange={(e) => setSamples(e.target.value)} aria-label="Calibration samples" />
              </label>
            ) : (
              <p className="muted">{calibFiles.length} calibration file(s)</p>
            )}
            {hasImages && (
              <fieldset className="preprocess" aria-label="Image preprocessing">
                <legend>Images → tensors: (pixel/255 − mean) / std</legend>
                <label>
                  Resize
                  <select value={resize} onChange={(e) => setResize(e.target.value as 'crop')} aria-label="Resize">
                    <option value="stretch">stretch to the input size</option>
                    <option value="crop">cover, centre crop</option>
                    <option value="pad">fit, pad with black</option>
                  </select>
                </label>
                <label>
                  Mean
                  <input value={mean} onChange={(e) => setMean(e.target.value)} aria-label="Mean" />
                </label>
                <label>
                  Std
                  <input value={std} onChange={(e) => setStd(e.target.value)} aria-label="Std" />
                </label>
                <label>
                  Layout
                  <select value={layout} onChange={(e) => setLayout(e.target.value as 'NHWC')} aria-label="Layout">
                    <option>NCHW</option>
                    <option>NHWC</option>
                  </select>
                </label>
                <label className="inline">
                  <input type="checkbox" checked={bgr} onChange={(e) => setBgr(e.target.checked)} />
                  BGR channel order
                </label>
              </fieldset>
            )}
            <button type="button" className="primary" onClick={() => void startInt8()}>
              Make INT8 variant
            </button>
          </>
        )}
        {(formError ?? error) && (
          <p className="profile-error" role="alert">
            {formError ?? error}
          </p>
        )}
      </form>
      <div className="profile-results" data-testid="variants">
        {variants.length === 0 && (
          <p className="muted">
            A variant is an ONNX rewrite of this model, with its recipe in metadata_props. TensorRT 11 takes precision
            from the model itself; ONNX Runtime runs the same file. Profile variants in the Build &amp; profile tab.
          </p>
        )}
        {variants.map((v) => (
          <VariantCard key={v.id} v={v} />
        ))}
      </div>
    </section>
  );
}
