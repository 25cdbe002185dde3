/**
 * Where a model (or any input file) comes from, and the concrete shapes a call may fix: the two
 * request shapes nearly every call takes. Kept in a file of their own because every subject of the
 * contract (summaries, recipes, builds, the calls) names them, and none of those should import
 * another subject to reach them.
 */
import { z } from 'zod';

/** A variant's id as variant.make hands it out: the source's and the recipe's hashes. */
export const VariantIdSchema = z.string().regex(/^[a-f0-9]{16}-[a-f0-9]{16}$/);

/** Where a model comes from: a path (Electron, CLI) or an upload id handed out by browser mode. */
export const ModelSourceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('path'), path: z.string().min(1).max(4096) }),
  z.object({ kind: z.literal('upload'), uploadId: z.string().regex(/^[a-f0-9]{32}$/) }),
  /** A precision variant Kiln made (see variant.make): its id, never a path. */
  z.object({ kind: z.literal('variant'), variantId: VariantIdSchema }),
]);
export type ModelSource = z.infer<typeof ModelSourceSchema>;

/** Concrete dims per input name, as trtexec's --shapes gives them. */
export const ShapesSchema = z.record(z.string(), z.array(z.number().int().min(0).max(1_000_000_000)).max(16));
