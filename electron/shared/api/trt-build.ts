/**
 * What a TensorRT build request says about an input's optimization profile, and what a build says
 * back beside its engine. A shape tensor (an integer input TensorRT reads on the host, such as the
 * target shape of a Reshape) needs the values it will hold, not only its dims: without them the
 * plugin builds for all 1s, as trtexec does, and says so in a build warning. Kept apart from
 * contract.ts, which names these in its schemas, so each file stays one readable size.
 */
import { z } from 'zod';
import { KilnError } from './errors';

const dims = z.array(z.number().int().min(0)).max(16);
/** A shape tensor holds at most this many values (TensorRT's Dims::MAX_DIMS is 8; its shape may be 1-D of any rank's length). */
const values = z.array(z.number().int()).min(1).max(64);

/** The values a shape-tensor input takes: the least, the usual (what TensorRT tunes for) and the most. */
export const ShapeTensorValuesSchema = z.object({ min: values, opt: values, max: values }).superRefine((v, ctx) => {
  if (v.opt.length !== v.min.length || v.max.length !== v.min.length)
    ctx.addIssue({
      code: 'custom',
      message: `shape-tensor values min/opt/max must have one length, not ${v.min.length}/${v.opt.length}/${v.max.length}`,
    });
  else if (v.min.some((m, i) => m > v.opt[i]! || v.opt[i]! > v.max[i]!))
    ctx.addIssue({ code: 'custom', message: 'shape-tensor values must hold min ≤ opt ≤ max at every position' });
});
export type ShapeTensorValues = z.infer<typeof ShapeTensorValuesSchema>;

/**
 * One input's optimization profile: its min/opt/max dims (all three or none) and, for a shape
 * tensor, its min/opt/max values. An input with neither is refused.
 */
export const TrtInputProfileSchema = z
  .object({
    min: dims.optional(),
    opt: dims.optional(),
    max: dims.optional(),
    values: ShapeTensorValuesSchema.optional(),
  })
  .superRefine((p, ctx) => {
    const given = [p.min, p.opt, p.max].filter((d) => d !== undefined).length;
    if (given !== 0 && given !== 3)
      ctx.addIssue({ code: 'custom', message: 'a profile gives all of min, opt and max dims, or none of them' });
    else if (given === 0 && !p.values)
      ctx.addIssue({ code: 'custom', message: 'a profile gives min/opt/max dims, shape-tensor values, or both' });
  });
export type TrtInputProfile = z.infer<typeof TrtInputProfileSchema>;

/** What the builder warned of (dynamic inputs built for 1s, shape tensors for all 1s, a timing cache refused). */
export const BuildWarningsSchema = z.array(z.string().max(4000)).max(500);

function valueList(text: string, part: string): number[] {
  const v = text.split('x').map((t) => (t.trim() === '' ? NaN : Number(t)));
  if (v.some((n) => !Number.isInteger(n)))
    throw new KilnError(
      'INVALID_ARGUMENT',
      `shape-tensor values "${part}": "${text}" is not whole numbers joined by x, like 2x3`,
    );
  return v;
}

/**
 * Shape-tensor values as people type them (`kiln profile --shape-values`, the Build & profile tab),
 * in trtexec's spelling of a shape tensor's values: `name:2x3` (min = opt = max) or
 * `name:1x1/2x3/4x6` (min/opt/max), comma-separated. A malformed part is an INVALID_ARGUMENT that
 * quotes it; the order of min, opt and max is ShapeTensorValuesSchema's to check.
 */
export function parseShapeValues(text: string): Record<string, ShapeTensorValues> {
  const out: Record<string, ShapeTensorValues> = {};
  for (const part of text.split(',').filter((p) => p.trim() !== '')) {
    const at = part.lastIndexOf(':');
    if (at <= 0)
      throw new KilnError(
        'INVALID_ARGUMENT',
        `shape-tensor values "${part}" must look like name:2x3 or name:1x1/2x3/4x6`,
      );
    const lists = part.slice(at + 1).split('/');
    if (lists.length !== 1 && lists.length !== 3)
      throw new KilnError(
        'INVALID_ARGUMENT',
        `shape-tensor values "${part}" give ${lists.length} lists: give one, or min/opt/max`,
      );
    const [min, opt, max] = (lists.length === 1 ? [lists[0]!, lists[0]!, lists[0]!] : lists).map((l) =>
      valueList(l, part),
    );
    out[part.slice(0, at).trim()] = { min: min!, opt: opt!, max: max! };
  }
  return out;
}
