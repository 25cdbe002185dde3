/**
 * Model diff from two files. A side the engine host remembers (the model open in the app, either
 * side) is taken as it is, neither read again nor forgotten; the other side is read here and let
 * go afterwards, so the open model stays remembered. Both files' bytes are read at once (the disk
 * works while the first is decoded); decoding is one after the other, as it runs on this thread.
 */
import type { ModelDiff } from '../../shared/api/diff';
import { throwIfCancelled, type JobContext } from '../jobs/context';
import { rememberedStructure } from '../onnx/analyze';
import { buildIR } from '../onnx/ir';
import { openModelBytes, readModelFile } from '../onnx/open';
import { diffModels, type DiffModel } from './model-diff';

export interface DiffFile {
  path: string;
  displayName: string;
}

export async function diffFiles(a: DiffFile, b: DiffFile, ctx?: JobContext): Promise<ModelDiff> {
  ctx?.progress({ fraction: null, stage: `Reading ${a.displayName} and ${b.displayName}` });
  const [heldA, heldB] = await Promise.all([rememberedStructure(a.path), rememberedStructure(b.path)]);
  // Reads start together; a failed read is awaited (and thrown) only when its side is decoded.
  const read = (f: DiffFile) => {
    const r = readModelFile(f.path, f.displayName);
    r.catch(() => undefined);
    return r;
  };
  const bytesA = heldA ? null : read(a);
  const bytesB = heldB ? null : read(b);
  const open = async (f: DiffFile, bytes: ReturnType<typeof read>): Promise<DiffModel> => {
    const { bytes: buf, absPath } = await bytes;
    if (ctx) throwIfCancelled(ctx, 'The diff');
    const opened = openModelBytes(buf, absPath, f.displayName);
    return { opened, ir: buildIR(opened.model) };
  };
  const A = heldA ?? (await open(a, bytesA!));
  const B = heldB ?? (await open(b, bytesB!));
  if (ctx) throwIfCancelled(ctx, 'The diff');
  ctx?.progress({ fraction: null, stage: `Comparing ${a.displayName} with ${b.displayName}` });
  return diffModels(A, B, ctx);
}
