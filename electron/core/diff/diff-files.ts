/**
 * Model diff from two files. A side the engine host remembers (the model open in the app, either
 * side) is taken as it is, neither read again nor forgotten; a side not held is read here and let
 * go afterwards, so the open model stays remembered. When neither is held, B opens on a worker
 * thread while A opens on this one (side-thread.ts): decoding the two files is most of a diff's
 * time, and two cores do it in about the time of one. From sources (the unit tests), when no core
 * is free for the worker, and if the worker cannot run, both open here, one after the other, with
 * both files' reads started at once.
 */
import type { ModelDiff } from '../../shared/api/diff';
import { throwIfCancelled, type JobContext } from '../jobs/context';
import { rememberedStructure } from '../onnx/analyze';
import { buildIR } from '../onnx/ir';
import { openModelBytes, readModelFile } from '../onnx/open';
import type { DiffModel } from './diff-model';
import { diffModels } from './model-diff';
import { diffSide, uniqueNames } from './pairing';
import { coreFree, WorkerFailed } from '../jobs/one-reply-worker';
import { openSideInWorker, sideWorkerEntry } from './side-thread';

export interface DiffFile {
  path: string;
  displayName: string;
}

/** Reads a file now; a failed read is awaited (and thrown) only when its side is decoded. */
function startRead(f: DiffFile): ReturnType<typeof readModelFile> {
  const r = readModelFile(f.path, f.displayName);
  r.catch(() => undefined);
  return r;
}

async function openHere(f: DiffFile, read: ReturnType<typeof readModelFile>, ctx?: JobContext): Promise<DiffModel> {
  const { bytes, absPath } = await read;
  if (ctx) throwIfCancelled(ctx, 'The diff');
  const opened = openModelBytes(bytes, absPath, f.displayName);
  return { opened, ir: buildIR(opened.model) };
}

/** Both sides, B on a worker (opened here instead if the worker cannot run); the worker is ended in every case. */
async function openBoth(entry: string, a: DiffFile, b: DiffFile, ctx?: JobContext): Promise<[DiffModel, DiffModel]> {
  const side = openSideInWorker(entry, { path: b.path, displayName: b.displayName });
  const stopOnCancel = () => void side.stop();
  ctx?.signal.addEventListener('abort', stopOnCancel);
  try {
    const A = await openHere(a, startRead(a), ctx);
    // While the worker is still at B (it starts later and posts more), index A's side for the pairing.
    uniqueNames(diffSide(A.ir));
    let B: DiffModel;
    try {
      B = await side.model;
    } catch (err) {
      if (ctx) throwIfCancelled(ctx, 'The diff');
      if (!(err instanceof WorkerFailed)) throw err;
      B = await openHere(b, startRead(b), ctx);
    }
    return [A, B];
  } finally {
    ctx?.signal.removeEventListener('abort', stopOnCancel);
    await side.stop();
  }
}

export interface DiffFilesOptions {
  /**
   * The worker script that opens B (side-worker.js); null: both open on this thread. Default: the
   * one beside this module when a core is free for it (jobs/one-reply-worker.ts coreFree), else null.
   */
  sideWorker?: string | null;
}

export async function diffFiles(
  a: DiffFile,
  b: DiffFile,
  ctx?: JobContext,
  options: DiffFilesOptions = {},
): Promise<ModelDiff> {
  ctx?.progress({ fraction: null, stage: `Reading ${a.displayName} and ${b.displayName}` });
  const [heldA, heldB] = await Promise.all([rememberedStructure(a.path), rememberedStructure(b.path)]);
  const chosen = options.sideWorker === undefined ? (coreFree() ? sideWorkerEntry() : null) : options.sideWorker;
  const entry = heldA || heldB ? null : chosen;
  let A: DiffModel;
  let B: DiffModel;
  if (entry) [A, B] = await openBoth(entry, a, b, ctx);
  else {
    const readA = heldA ? null : startRead(a);
    const readB = heldB ? null : startRead(b);
    A = heldA ?? (await openHere(a, readA!, ctx));
    B = heldB ?? (await openHere(b, readB!, ctx));
  }
  if (ctx) throwIfCancelled(ctx, 'The diff');
  ctx?.progress({ fraction: null, stage: `Comparing ${a.displayName} with ${b.displayName}` });
  return diffModels(A, B, ctx);
}
