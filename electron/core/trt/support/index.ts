/**
 * The TensorRT ONNX parser's operator tables, one per TensorRT major version, transcribed from
 * onnx/onnx-tensorrt docs/operators.md (each file cites its branch and commit). Validated at load
 * so a hand-edited table fails loudly, not quietly.
 */
import { z } from 'zod';
import trt10 from './trt10.json';
import trt11 from './trt11.json';

export type TrtMajor = 10 | 11;

const OpSupportSchema = z.object({
  supported: z.boolean(),
  types: z.array(z.string()),
  restrictions: z.string(),
});
export type OpSupport = z.infer<typeof OpSupportSchema>;

const SupportTableSchema = z.object({
  tensorrt: z.string(),
  source: z.object({
    repo: z.string(),
    branch: z.string(),
    commit: z.string().regex(/^[0-9a-f]{40}$/),
    path: z.string(),
  }),
  opsets: z.object({ min: z.number().int(), max: z.number().int() }),
  note: z.string(),
  ops: z.record(z.string(), OpSupportSchema),
});
export type SupportTable = z.infer<typeof SupportTableSchema>;

const cache = new Map<TrtMajor, SupportTable>();

export function supportTable(major: TrtMajor): SupportTable {
  let t = cache.get(major);
  if (!t) {
    t = SupportTableSchema.parse(major === 10 ? trt10 : trt11);
    cache.set(major, t);
  }
  return t;
}
