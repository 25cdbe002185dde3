/**
 * The readiness panel's opset conversion: a choice of the opsets the chosen TensorRT parses above the
 * model's (newest first) and a button that converts to it, making a new version like every edit. A
 * conversion the host refuses (an op whose meaning it cannot carry over) says why under the button.
 */
import { useState } from 'react';
import type { ModelSummary } from '../../../electron/shared/api/model-summary';
import { ActionError } from './ActionError';
import { onnxOpset, opsetTargets } from './fixes';
import { useEdits } from './store';

export function OpsetControl({
  summary,
  trt,
  parser,
}: {
  summary: ModelSummary;
  trt: 10 | 11;
  /** The opsets the checked release's parser reads (the check's); absent: up to Kiln's newest. */
  parser: { min: number; max: number } | undefined;
}) {
  const running = useEdits((s) => s.runningKey);
  const targets = opsetTargets(summary, parser);
  const [chosen, setChosen] = useState<number | null>(null);
  const key = `opset:${trt}`;
  const from = onnxOpset(summary);
  if (targets.length === 0) return null;
  const target = chosen !== null && targets.includes(chosen) ? chosen : (targets[0] as number);
  return (
    <div className="edit-apply" data-testid="opset-control">
      <label className="edit-opset">
        Opset {from} →{' '}
        <select
          aria-label="Target opset"
          value={target}
          disabled={running !== null}
          onChange={(e) => setChosen(Number(e.target.value))}
        >
          {targets.map((v) => (
            <option key={v} value={v}>
              {v}
            </option>
          ))}
        </select>
      </label>
      <button
        type="button"
        disabled={running !== null}
        title={`Rewrite the model from opset ${from} to opset ${target} (TensorRT ${trt} parses up to ${targets[0]}): attributes that became inputs, renamed modes; exact`}
        onClick={() => void useEdits.getState().edit(key, [{ kind: 'opset', version: target }])}
      >
        {running === key ? 'Converting…' : `Convert to opset ${target}`}
      </button>
      <ActionError id={key} />
    </div>
  );
}
