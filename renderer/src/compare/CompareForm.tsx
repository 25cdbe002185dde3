/**
 * Compare's form: the variants to compare, the inputs (real files or seeded random samples), the
 * thresholds (ThresholdFields), the outputs judged, stream mode for recurrent models and the input shapes —
 * then Compare (or Cancel comparison while it runs), the mixed-precision search, and what went wrong.
 */
import type { ModelSummary } from '../../../electron/shared/api/model-summary';
import { statePairs } from '../../../electron/shared/compare/state-pairs';
import { Toggle } from '../frame/Toggle';
import { useVariants } from '../precision/store';
import { ShapeFields, type useShapeFields } from '../profile/ShapeFields';
import { calibrationOf, chosenVariants, hasImages } from './choices';
import { SearchLauncher } from './SearchLauncher';
import { ThresholdFields } from './ThresholdFields';
import { useCompare } from './store';
import type { CompareSetup } from './store';

export function CompareForm({
  summary,
  shapeState,
  setup,
}: {
  summary: ModelSummary;
  shapeState: ReturnType<typeof useShapeFields>;
  setup: () => CompareSetup;
}) {
  const variants = useVariants((s) => s.variants);
  const { picked, samples, judge, streamed, inputFiles, comparing, error, edit, compare } = useCompare();
  const { calibrated, preprocess } = calibrationOf(chosenVariants(variants, picked));
  const pairs = statePairs(summary.inputs, summary.outputs);

  return (
    <form
      className="profile-form"
      onSubmit={(e) => {
        e.preventDefault();
        void compare(setup());
      }}
    >
      <h3>Against FP32 on ONNX Runtime</h3>
      {variants.length === 0 && <p className="muted">Make variants in the Precision tab first.</p>}
      {variants.map((v) => (
        <label key={v.id} className="inline">
          <input
            type="checkbox"
            checked={picked.size === 0 || picked.has(v.id)}
            onChange={(e) => {
              const next = new Set(picked.size === 0 ? variants.map((x) => x.id) : picked);
              if (e.target.checked) next.add(v.id);
              else next.delete(v.id);
              edit({ picked: next });
            }}
          />
          {v.name}
        </label>
      ))}
      <label>
        Inputs: images or .npy/.npz (optional; seeded random without)
        <input
          type="file"
          multiple
          accept="image/png,image/jpeg,image/webp,image/tiff,.npy,.npz"
          aria-label="Comparison inputs"
          onChange={(e) => edit({ inputFiles: [...(e.target.files ?? [])] })}
        />
      </label>
      {hasImages(inputFiles) && (
        <p className="muted" data-testid="compare-preprocess">
          Images preprocessed as{' '}
          {preprocess && calibrated
            ? `${calibrated.name}'s calibration (${preprocess.resize}, mean ${preprocess.mean.join(', ')}, std ${preprocess.std.join(', ')})`
            : "Kiln's default (stretch, pixel/255)"}
        </p>
      )}
      <label>
        {inputFiles.length > 0 ? 'Samples (at most)' : 'Samples (seeded random)'}
        <input value={samples} onChange={(e) => edit({ samples: e.target.value })} aria-label="Samples" />
      </label>
      <ThresholdFields />
      {summary.outputs.length > 1 && (
        <fieldset className="judge" data-testid="judge-outputs">
          <legend>Judge outputs</legend>
          {summary.outputs.map((o) => (
            <label key={o.name} className="inline">
              <input
                type="checkbox"
                checked={judge.size === 0 || judge.has(o.name)}
                onChange={(e) => {
                  const next = new Set(judge.size === 0 ? summary.outputs.map((x) => x.name) : judge);
                  if (e.target.checked) next.add(o.name);
                  else next.delete(o.name);
                  // None ticked means nothing to judge: back to all.
                  edit({ judge: next.size === summary.outputs.length ? new Set() : next });
                }}
              />
              {o.name}
            </label>
          ))}
        </fieldset>
      )}
      {pairs.length > 0 && (
        <Toggle
          checked={streamed}
          onChange={(on) => edit({ streamed: on })}
          label="Run as a stream"
          title="Samples run in order; each model feeds its own outputs back as its next inputs"
        >
          Run as a stream ({pairs.map((p) => `${p.output} → ${p.input}`).join(', ')})
        </Toggle>
      )}
      <ShapeFields state={shapeState} labelPrefix="Compare " />
      {comparing ? (
        <button type="button" className="ghost" onClick={() => comparing.cancel()}>
          Cancel comparison
        </button>
      ) : (
        <button type="submit" className="primary" disabled={variants.length === 0}>
          Compare
        </button>
      )}
      <SearchLauncher setup={setup} />
      {error && (
        <p className="profile-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
