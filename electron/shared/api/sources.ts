/**
 * Where a model (or any input file) comes from, and the concrete shapes a call may fix: the two
 * request shapes nearly every call takes. Kept in a file of their own because every subject of the
 * contract (summaries, recipes, builds, the calls) names them, and none of those should import
 * another subject to reach them.
 */
import { z } from 'zod';
import { KilnError } from './errors';

/** A variant's id as variant.make hands it out: the source's and the recipe's hashes. */
export const VariantIdSchema = z.string().regex(/^[a-f0-9]{16}-[a-f0-9]{16}$/);

/** What an upload id looks like: 16 random bytes in hex (browser mode's, or one a page chose). */
export const UPLOAD_ID = /^[a-f0-9]{32}$/;

/** Protobuf messages cannot exceed 2 GiB; bigger models must keep their weights in external data. */
export const MAX_MODEL_FILE_BYTES = 2 ** 31 - 1;

/** What a model file past MAX_MODEL_FILE_BYTES is told, whether it is opened or uploaded to be. */
export function modelFileTooLarge(file: string, bytes: number): KilnError {
  return new KilnError(
    'UNSUPPORTED',
    `${file} is ${(bytes / 2 ** 30).toFixed(1)} GiB; ONNX files are protobuf messages, limited to 2 GiB — models this large keep their weights in external data files`,
    { file },
  );
}

/** Where a model comes from: a path (Electron, CLI) or an upload id handed out by browser mode. */
export const ModelSourceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('path'), path: z.string().min(1).max(4096) }),
  z.object({ kind: z.literal('upload'), uploadId: z.string().regex(UPLOAD_ID) }),
  /** A precision variant Kiln made (see variant.make): its id, never a path. */
  z.object({ kind: z.literal('variant'), variantId: VariantIdSchema }),
]);
export type ModelSource = z.infer<typeof ModelSourceSchema>;

/** Concrete dims per input name, as trtexec's --shapes gives them. */
export const ShapesSchema = z.record(z.string(), z.array(z.number().int().min(0).max(1_000_000_000)).max(16));
