/**
 * The readiness panel's cures: an "Apply" beside each finding whose way forward is mechanical, and
 * a strip above the findings with the input shapes those edits need (prefilled from the model's
 * inputs), the fixes the summary alone calls for (FP16-stored weights, shape arithmetic to fold, a
 * fixed batch to make dynamic), the opset conversion, and "Fix all for TensorRT". Each makes a new version of the model; a refused one says why beside
 * its button.
 */
import { useState } from 'react';
import type { ModelSummary } from '../../../electron/shared/api/model-summary';
import { ShapeFields, useShapeFields } from '../profile/ShapeFields';
import { ActionError } from './ActionError';
import { editsWithShapes, modelFixes, type Fix } from './fixes';
import { DynamicBatchButton } from './DynamicBatchButton';
import { FixButton } from './FixButton';
import { OpsetControl } from './OpsetControl';
import { useEdits } from './store';
import './edit.css';

export type FixShapes = ReturnType<typeof useShapeFields>;

/** Starts `fix` with the shapes typed (when it needs them); the reason when they do not parse. */
function start(fix: Fix, shapes: FixShapes): string | null {
  let fixed: Record<string, number[]> | null = null;
  if (fix.askShapes) {
    const parsed = shapes.parse();
    if (typeof parsed === 'string') return `input shapes: ${parsed}`;
    fixed = parsed;
  }
  void useEdits.getState().edit(fix.key, editsWithShapes(fix, fixed));
  return null;
}

/** One fix's button and, under it, why it could not run or was refused. */
export function ApplyFix({ fix, shapes, label }: { fix: Fix; shapes: FixShapes; label?: string }) {
  const [problem, setProblem] = useState<string | null>(null);
  return (
    <div className="edit-apply">
      <FixButton fix={fix} testId="apply-fix" label={label} onClick={() => setProblem(start(fix, shapes))} />
      {label && <span className="edit-fix-name">{fix.label}</span>}
      {problem ? (
        <p className="edit-error" role="alert">
          {problem}
        </p>
      ) : (
        <ActionError id={fix.key} />
      )}
    </div>
  );
}

/**
 * Shapes, the model-wide fixes, the batch made dynamic, the opset conversion (to the opsets
 * `parserOpsets`, the check's, allows) and "Fix all for TensorRT", above the findings.
 */
export function FixStrip({
  summary,
  trt,
  shapes,
  parserOpsets,
}: {
  summary: ModelSummary;
  trt: 10 | 11;
  shapes: FixShapes;
  parserOpsets?: { min: number; max: number } | undefined;
}) {
  const running = useEdits((s) => s.runningKey);
  const fix = useEdits((s) => s.fix);
  const [problem, setProblem] = useState<string | null>(null);
  const key = `fix-all:${trt}`;
  const onFixAll = () => {
    const parsed = shapes.parse();
    if (typeof parsed === 'string') return setProblem(`input shapes: ${parsed}`);
    setProblem(null);
    void fix(key, trt, parsed);
  };
  return (
    <div className="edit-strip" data-testid="fix-strip">
      {shapes.fields.length > 0 && (
        <div className="edit-shapes" title="Fixing shapes lets the shape arithmetic of dynamic axes fold away">
          <ShapeFields state={shapes} labelPrefix="Fix " />
        </div>
      )}
      <div className="edit-row">
        {modelFixes(summary).map((f) => (
          <ApplyFix key={f.key} fix={f} shapes={shapes} />
        ))}
        <DynamicBatchButton summary={summary} />
        <OpsetControl summary={summary} trt={trt} parser={parserOpsets} />
        <button
          type="button"
          className="primary"
          disabled={running !== null}
          title={`Apply every safe edit the findings call for, then check again for TensorRT ${trt}`}
          onClick={onFixAll}
        >
          {running === key ? 'Fixing…' : `Fix all for TensorRT ${trt}`}
        </button>
      </div>
      {problem ? (
        <p className="edit-error" role="alert">
          {problem}
        </p>
      ) : (
        <ActionError id={key} />
      )}
    </div>
  );
}
