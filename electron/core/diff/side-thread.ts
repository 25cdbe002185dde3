/**
 * Opening one side of a diff on a worker thread (side-worker.ts), so that the two files of a diff
 * decode at once on two cores. The worker is ended in every case — its reply arrived, the file
 * was bad, the other side failed, the job was cancelled — so none outlives the diff. A worker that
 * cannot run at all (its script missing, out of memory) is told apart from a file that cannot be
 * opened: the caller then opens that side itself.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { KilnError, type KilnErrorShape } from '../../shared/api/errors';
import type { DiffModel } from './diff-model';
import { unpackSide, type SidePacket } from './side-packet';

export interface SideRequest {
  path: string;
  displayName: string;
}

export type SideReply = { ok: true; packet: SidePacket } | { ok: false; error: KilnErrorShape };

/** The worker ran no further than starting, or died: not an answer about the file. */
export class SideWorkerFailed extends Error {
  override readonly name = 'SideWorkerFailed';
}

/**
 * The compiled worker script beside this module, or null when this module runs from its sources
 * (the unit tests): a worker cannot load TypeScript, so both sides open on the calling thread.
 */
export function sideWorkerEntry(): string | null {
  const js = path.join(__dirname, 'side-worker.js');
  return __filename.endsWith('.js') && fs.existsSync(js) ? js : null;
}

/**
 * Whether a core is free for the worker: it costs about 0.6 s of CPU on two 125k-node models
 * (starting, packing and unpacking B, a second heap's collections), which the second core repays
 * only when it is not busy with other work. With every core taken (a load average at or past the
 * core count, bench:diff on the shared 2-core machine), both sides open on the calling thread.
 * Windows reports no load average (zeros): the worker is used.
 */
export function coreFree(): boolean {
  return os.loadavg()[0]! + 1 <= os.availableParallelism();
}

export interface SideInWorker {
  /** The side, opened; rejects with the file's KilnError, or SideWorkerFailed. */
  model: Promise<DiffModel>;
  /** Ends the worker (at once, whatever it is doing); resolves when it has exited. */
  stop(): Promise<void>;
}

let live = 0;
/** Side workers started and not yet exited (the tests check that a diff leaves none behind). */
export const liveSideWorkers = (): number => live;

export function openSideInWorker(entry: string, request: SideRequest): SideInWorker {
  const worker = new Worker(entry, { workerData: request });
  live++;
  worker.once('exit', () => live--);
  let stopped: Promise<void> | null = null;
  const stop = () =>
    (stopped ??= worker.terminate().then(
      () => undefined,
      () => undefined,
    ));
  const model = new Promise<DiffModel>((resolve, reject) => {
    worker.once('message', (reply: SideReply) => {
      if (reply.ok) resolve(unpackSide(reply.packet));
      else reject(KilnError.from(reply.error));
    });
    worker.once('error', (err) => reject(new SideWorkerFailed(err.message)));
    worker.once('exit', (code) => reject(new SideWorkerFailed(`the worker exited (code ${code}) before replying`)));
  });
  // The reply settles `model` first; a later exit or error then changes nothing. End it either way.
  model.then(stop, stop);
  return { model, stop };
}
