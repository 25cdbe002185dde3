/**
 * Opening one side of a diff on a worker thread (side-worker.ts), so that the two files of a diff
 * decode at once on two cores: one question and one reply (jobs/one-reply-worker.ts), the worker
 * ended in every case. A worker that cannot run at all is told apart from a file that cannot be
 * opened (WorkerFailed): the caller then opens that side itself.
 */
import { askWorker, workerEntryBeside } from '../jobs/one-reply-worker';
import type { DiffModel } from './diff-model';
import { unpackSide, type SidePacket } from './side-packet';

export interface SideRequest {
  path: string;
  displayName: string;
}

/** The compiled side-worker.js beside this module, or null when it runs from its sources (tests). */
export function sideWorkerEntry(): string | null {
  return workerEntryBeside(__filename, 'side-worker');
}

export interface SideInWorker {
  /** The side, opened; rejects with the file's KilnError, or WorkerFailed. */
  model: Promise<DiffModel>;
  /** Ends the worker (at once, whatever it is doing); resolves when it has exited. */
  stop(): Promise<void>;
}

export function openSideInWorker(entry: string, request: SideRequest): SideInWorker {
  const asked = askWorker<SidePacket>(entry, request);
  const model = asked.reply.then(unpackSide);
  // The caller may be busy with the other side when the worker fails: it reads the rejection when
  // it awaits `model`, and until then it is not an unhandled one.
  model.catch(() => {});
  return { model, stop: asked.stop };
}
