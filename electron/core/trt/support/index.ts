/**
 * The TensorRT ONNX parser's operator tables, one per TensorRT major version, transcribed from
 * onnx/onnx-tensorrt docs/operators.md (each file cites its branch and commit, and says which
 * TensorRT release the table was written for: the TensorRT 11 file still carries 10.1's table).
 * Where the table and the parser's own importer disagree, the file lists a correction with the
 * importer's types and why; they are applied here. Validated at load so a hand-edited table fails
 * loudly, not quietly.
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
  /** The TensorRT release a check with this file is for (its opset range). */
  tensorrt: z.string(),
  /** The TensorRT release the operator table itself was written for. */
  table: z.string(),
  source: z.object({
    repo: z.string(),
    branch: z.string(),
    commit: z.string().regex(/^[0-9a-f]{40}$/),
    path: z.string(),
  }),
  opsets: z.object({ min: z.number().int(), max: z.number().int() }),
  note: z.string(),
  /** Rows whose types the importer (same commit) accepts more widely than the table says. */
  corrections: z.record(z.string(), z.object({ types: z.array(z.string()), why: z.string() })),
  ops: z.record(z.string(), OpSupportSchema),
});
export type SupportTable = z.infer<typeof SupportTableSchema>;

const cache = new Map<TrtMajor, SupportTable>();

export function supportTable(major: TrtMajor): SupportTable {
  let t = cache.get(major);
  if (!t) {
    t = SupportTableSchema.parse(major === 10 ? trt10 : trt11);
    for (const [op, fix] of Object.entries(t.corrections)) {
      const row = t.ops[op];
      if (!row) throw new Error(`TensorRT ${t.tensorrt} table: a correction names ${op}, which has no row`);
      row.types = fix.types;
    }
    cache.set(major, t);
  }
  return t;
}

/**
 * What to say about the table beside a check's results: empty when the table is the release's own,
 * else that the ops and types are an older release's.
 */
export function tableNote(major: TrtMajor): string {
  const t = supportTable(major);
  if (t.table.split('.')[0] === String(major)) return '';
  return `no TensorRT ${major}.x operator table was available: ops and types are TensorRT ${t.table}'s table (${t.source.branch}), the opset range (${t.opsets.min} to ${t.opsets.max}) is TensorRT ${major}'s`;
}
