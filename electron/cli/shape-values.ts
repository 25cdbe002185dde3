/**
 * `--shape-values name:2x3,other:1x1/2x3/4x6` for `kiln profile --backend tensorrt`: the values a
 * shape-tensor input is built for, read by the parser the app's form uses (shared/api/trt-build.ts);
 * what it cannot read is a usage error (exit 2, with the usage) that quotes the part.
 */
import { parseShapeValues as parse, type ShapeTensorValues } from '../shared/api/trt-build';
import { UsageError } from './usage';

export function parseShapeValues(text: string): Record<string, ShapeTensorValues> {
  try {
    return parse(text);
  } catch (err) {
    throw new UsageError(`--shape-values: ${err instanceof Error ? err.message : String(err)}`);
  }
}
