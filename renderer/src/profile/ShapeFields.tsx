/** One text field per input whose dims need values ("1x3x224x224"), for any panel that runs the model. */
import { useMemo, useState } from 'react';
import type { ValueInfo } from '../../../electron/shared/api/model-summary';
import { parseDims, shapeFields } from './shapes';

/** Field state for a model's inputs, and a parser that names the first bad field. */
export function useShapeFields(inputs: readonly ValueInfo[]) {
  const fields = useMemo(() => shapeFields(inputs), [inputs]);
  const [shapes, setShapes] = useState<Record<string, string>>(() =>
    Object.fromEntries(fields.map((f) => [f.name, f.initial])),
  );
  const parse = (): Record<string, number[]> | string => {
    const dims: Record<string, number[]> = {};
    for (const f of fields) {
      const d = parseDims(shapes[f.name] ?? '', f.name);
      if (typeof d === 'string') return d;
      dims[f.name] = d;
    }
    return dims;
  };
  return { fields, shapes, setShapes, parse };
}

export function ShapeFields({
  state,
  labelPrefix = '',
}: {
  state: ReturnType<typeof useShapeFields>;
  /** Keeps aria labels unique when several panels show the fields. */
  labelPrefix?: string;
}) {
  const { fields, shapes, setShapes } = state;
  return (
    <>
      {fields.map((f) => (
        <label key={f.name} title={`declared: ${f.hint}`}>
          <span className="kg-break">Shape of {f.name}</span>
          <input
            value={shapes[f.name] ?? ''}
            onChange={(e) => setShapes({ ...shapes, [f.name]: e.target.value })}
            aria-label={labelPrefix ? `${labelPrefix}shape of ${f.name}` : `Shape of ${f.name}`}
            placeholder={f.hint}
          />
        </label>
      ))}
    </>
  );
}
