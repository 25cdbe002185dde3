/**
 * Concrete input shapes for a profile: one text field per input whose dims are not all numbers,
 * written like trtexec's `--shapes` ("1x3x224x224").
 */
import type { ValueInfo } from '../../../electron/shared/api/model-summary';

/** Inputs that need the user's dims, with a starting text: known dims filled, batch 1, others "?". */
export function shapeFields(inputs: readonly ValueInfo[]): { name: string; initial: string; hint: string }[] {
  return inputs
    .filter((v) => v.dims === null || v.dims.some((d) => typeof d !== 'number'))
    .map((v) => ({
      name: v.name,
      hint: v.dims ? v.dims.map((d) => (d === null ? '?' : String(d))).join(' × ') : 'rank unknown',
      initial: v.dims ? v.dims.map((d, i) => (typeof d === 'number' ? String(d) : i === 0 ? '1' : '?')).join('x') : '',
    }));
}

/** "1x3x48x192" -> [1, 3, 48, 192]; an error message for anything else. */
export function parseDims(text: string, input: string): number[] | string {
  const parts = text
    .trim()
    .split(/\s*[x×,]\s*/)
    .filter((p) => p !== '');
  if (parts.length === 0) return `give the dims of ${input}, like 1x3x224x224`;
  const dims = parts.map(Number);
  const bad = parts.find((p, i) => !/^\d+$/.test(p) || !Number.isSafeInteger(dims[i]));
  if (bad !== undefined) return `${input}: "${bad}" is not a whole number of elements`;
  return dims;
}
