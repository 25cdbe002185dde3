/**
 * `--shape-values name:2x3,other:1x1/2x3/4x6` for `kiln profile --backend tensorrt`: the values a
 * shape-tensor input holds (min/opt/max, or one list for all three), written as trtexec writes a
 * shape tensor's values in --minShapes/--optShapes/--maxShapes. Without them TensorRT builds such an
 * input for all 1s, and the build says so in a warning.
 */
import type { ShapeTensorValues } from '../shared/api/trt-build';
import { UsageError } from './usage';

function list(text: string, spec: string): number[] {
  const v = text.split('x').map((t) => (t.trim() === '' ? NaN : Number(t)));
  if (v.some((n) => !Number.isInteger(n)))
    throw new UsageError(`--shape-values "${spec}": "${text}" is not whole numbers joined by x, like 2x3`);
  return v;
}

/** Each name's min/opt/max values. A malformed part is a usage error that quotes it. */
export function parseShapeValues(text: string): Record<string, ShapeTensorValues> {
  const out: Record<string, ShapeTensorValues> = {};
  for (const part of text.split(',').filter((p) => p.trim() !== '')) {
    const at = part.lastIndexOf(':');
    if (at <= 0) throw new UsageError(`--shape-values "${part}" must look like name:2x3 or name:1x1/2x3/4x6`);
    const lists = part.slice(at + 1).split('/');
    if (lists.length !== 1 && lists.length !== 3)
      throw new UsageError(`--shape-values "${part}" gives ${lists.length} lists: give one, or min/opt/max`);
    const [min, opt, max] = (lists.length === 1 ? [lists[0]!, lists[0]!, lists[0]!] : lists).map((l) => list(l, part));
    out[part.slice(0, at)] = { min: min!, opt: opt!, max: max! };
  }
  return out;
}
