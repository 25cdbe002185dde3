/**
 * What a model's inputs are (name, element type, dims that may be symbolic) and the concrete shapes
 * they are fed at: symbolic dims resolved from the user's --shapes, a symbolic batch defaulting to 1.
 */
import type { Dim } from '../../shared/api/model-summary';
import { KilnError } from '../../shared/api/errors';
import type { GraphProto } from '../onnx/model';
import { dtypeName } from '../onnx/dtypes';
import { indexRows } from '../onnx/index-inputs';

export interface InputSpec {
  name: string;
  dtype: string;
  dims: Dim[] | null;
  /** An integer input read as indices into a table: its rows (seeded samples stay below). */
  indexRows?: number;
}

/** Parses "x:1x3x224x224,mask:1x128" into {x:[1,3,224,224], mask:[1,128]}. */
export function parseShapes(text: string): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const part of text.split(',').filter(Boolean)) {
    const at = part.lastIndexOf(':');
    if (at <= 0) throw new KilnError('INVALID_ARGUMENT', `shape "${part}" must look like name:1x3x224x224`);
    const dims = part
      .slice(at + 1)
      .split('x')
      .map((d) => Number(d));
    if (dims.some((d) => !Number.isInteger(d) || d < 0))
      throw new KilnError('INVALID_ARGUMENT', `shape "${part}" has a dimension that is not a whole number`);
    out[part.slice(0, at)] = dims;
  }
  return out;
}

/** Concrete dims for every input; names the input and the dim that has no value. */
export function resolveShapes(inputs: readonly InputSpec[], given: Record<string, number[]>): Record<string, number[]> {
  const known = new Set(inputs.map((i) => i.name));
  for (const name of Object.keys(given)) {
    if (!known.has(name))
      throw new KilnError(
        'INVALID_ARGUMENT',
        `--shapes names "${name}", but the model's inputs are: ${[...known].join(', ')}`,
      );
  }
  const out: Record<string, number[]> = {};
  for (const input of inputs) {
    const dims = input.dims;
    const user = given[input.name];
    if (user) {
      if (dims && user.length !== dims.length) {
        throw new KilnError(
          'INVALID_ARGUMENT',
          `input ${input.name} has rank ${dims.length} ([${dims.map(String).join(', ')}]) but --shapes gives ${user.length} dims`,
        );
      }
      dims?.forEach((d, axis) => {
        if (typeof d === 'number' && d !== user[axis]) {
          throw new KilnError(
            'INVALID_ARGUMENT',
            `input ${input.name}: axis ${axis} is fixed at ${d} in the model, not ${user[axis]}`,
          );
        }
      });
      out[input.name] = user;
      continue;
    }
    if (!dims)
      throw new KilnError(
        'INVALID_ARGUMENT',
        `input ${input.name} has no known rank; give its shape with --shapes ${input.name}:1x…`,
      );
    out[input.name] = dims.map((d, axis) => {
      if (typeof d === 'number' && d >= 0) return d;
      // A symbolic leading dim is the batch: profile batch 1 unless told otherwise, as trtexec does.
      if (axis === 0) return 1;
      throw new KilnError(
        'INVALID_ARGUMENT',
        `input ${input.name}: dimension ${d === null ? '?' : `"${d}"`} (axis ${axis}) has no value; give one with --shapes ${input.name}:${dims.map((x, i) => (typeof x === 'number' ? x : i === 0 ? 1 : 'N')).join('x')}`,
      );
    });
  }
  return out;
}

/** The model's real inputs (graph inputs that are not initializers), as InputSpecs. */
export function modelInputs(graph: GraphProto): InputSpec[] {
  const inits = new Set(graph.initializer.map((t) => t.name));
  const rows = indexRows(graph);
  return graph.input
    .filter((v) => !inits.has(v.name))
    .map((v) => {
      const t = v.type;
      const tensor = t && t.kind === 'tensor';
      const n = rows.get(v.name);
      return {
        name: v.name,
        dtype: tensor ? dtypeName(t.elemType) : 'non-tensor',
        dims:
          tensor && t.shape
            ? t.shape.map((d) => (d.value !== undefined && d.value > 0 ? d.value : d.param ? d.param : null))
            : null,
        ...(n === undefined ? {} : { indexRows: n }),
      };
    });
}
