/**
 * One question to a worker thread and its one reply: how a job puts part of its work on a second
 * core (the diff opens one of its two files there). The worker is ended in every case — it replied, the file was bad, the job failed or was
 * cancelled — so none outlives the job. A worker that cannot run at all (its script missing, out
 * of memory) is told apart from an answer about the file (WorkerFailed): the caller then does that
 * part itself.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { KilnError, toErrorShape, type KilnErrorShape } from '../../shared/api/errors';

/** What a worker posts back: its value, or the KilnError its work ended in. */
export type WorkerReply<T> = { ok: true; value: T } | { ok: false; error: KilnErrorShape };

/** The worker ran no further than starting, or died: not an answer about the file. */
export class WorkerFailed extends Error {
  override readonly name = 'WorkerFailed';
}

/**
 * The compiled worker script `name` (without extension) beside `moduleFile`, or null when that
 * module runs from its sources (the unit tests): a worker cannot load TypeScript, so the caller
 * does the work on its own thread.
 */
export function workerEntryBeside(moduleFile: string, name: string): string | null {
  const js = path.join(path.dirname(moduleFile), `${name}.js`);
  return moduleFile.endsWith('.js') && fs.existsSync(js) ? js : null;
}

/**
 * Whether a core is free for a worker: a worker costs CPU of its own (starting, a second heap's
 * collections, what it posts), which a second core repays only when it is not busy with other
 * work. With every core taken (a load average at or past the core count), the caller does the
 * work itself. Windows reports no load average (zeros): the worker is used.
 */
export function coreFree(): boolean {
  return os.loadavg()[0]! + 1 <= os.availableParallelism();
}

export interface AskedWorker<T> {
  /** The worker's value; rejects with the KilnError it replied, or WorkerFailed. */
  reply: Promise<T>;
  /** Ends the worker (at once, whatever it is doing); resolves when it has exited. */
  stop(): Promise<void>;
}

let live = 0;
/** Workers started and not yet exited (the tests check that a job leaves none behind). */
export const liveWorkers = (): number => live;

/** Starts the worker script `entry` with `data` and waits for its one reply. */
export function askWorker<T>(entry: string, data: unknown): AskedWorker<T> {
  const worker = new Worker(entry, { workerData: data });
  live++;
  worker.once('exit', () => live--);
  let stopped: Promise<void> | null = null;
  const stop = () =>
    (stopped ??= worker.terminate().then(
      () => undefined,
      () => undefined,
    ));
  const reply = new Promise<T>((resolve, reject) => {
    worker.once('message', (r: WorkerReply<T>) => {
      if (r.ok) resolve(r.value);
      else reject(KilnError.from(r.error));
    });
    worker.once('error', (err) => reject(new WorkerFailed(err.message)));
    worker.once('exit', (code) => reject(new WorkerFailed(`the worker exited (code ${code}) before replying`)));
  });
  // The reply settles first; a later exit or error then changes nothing. End it either way.
  reply.then(stop, stop);
  return { reply, stop };
}

/**
 * The worker's side: runs `work` on the data it was started with and posts its value (with the
 * buffers to move rather than copy), or the error it ended in, as a KilnError shape.
 */
export async function answerParent<D, T>(work: (data: D) => Promise<{ value: T; transfer?: ArrayBuffer[] }>) {
  let reply: WorkerReply<T>;
  let transfer: ArrayBuffer[] = [];
  try {
    const done = await work(workerData as D);
    reply = { ok: true, value: done.value };
    transfer = done.transfer ?? [];
  } catch (err) {
    reply = { ok: false, error: toErrorShape(err) };
  }
  parentPort!.postMessage(reply, transfer);
}
