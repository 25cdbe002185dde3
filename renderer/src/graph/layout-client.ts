/**
 * The main thread's handle on the layout worker. Commands run in order; each resolves with the new
 * frame. Where workers are unavailable (tests, a locked-down page) it runs the engine in-thread.
 *
 * Starting a worker (a new JavaScript heap, its script fetched and compiled) takes a good part of
 * what laying out a big graph does, so the app starts one while a model is still being read
 * (`startLayoutWorker`) and the graph view takes that one when it mounts. Once the graph payload is
 * here, `prepareLayout` has that worker lay it out at once, while the main thread builds the view
 * model and mounts the view: the view's first command then finds its layout made. A worker started
 * while the page is idle (at app start, and after a view took the last one) is warmed up first
 * (warm-up.ts), so that layout runs compiled code; never while a model is being opened.
 */
import type { GraphPayload } from '../../../electron/shared/api/graph-payload';
import { LayoutEngine } from './engine';
import { structureColumns } from './model';
import {
  columnBuffers,
  type LayoutCommand,
  type LayoutReply,
  type LayoutRequest,
  type PrepareRequest,
  type WarmUpRequest,
} from './protocol';

type Done = { resolve: (r: Extract<LayoutReply, { type: 'frame' }>) => void; reject: (e: Error) => void };

let spare: Worker | null = null;
/** Where the spare's warm-up stands: never asked, running (or done), or stopped by an open. */
let spareWarmUp: 'none' | 'running' | 'stopped' = 'none';
/** Opens in progress: no warm-up runs while one is (its CPU would come out of the open's). */
let holds = 0;

function newWorker(): Worker {
  return new Worker(new URL('./layout.worker.ts', import.meta.url), { type: 'module' });
}

function postWarmUp(w: Worker, run: boolean): void {
  w.postMessage({ type: 'warm-up', run } satisfies WarmUpRequest);
  spareWarmUp = run ? 'running' : 'stopped';
}

/**
 * Starts a layout worker for the next graph view to take, unless one is waiting already. `warmUp`:
 * it lays out warm-up.ts's graph first, so the next model's layout runs compiled code; only while
 * no open is in progress (see holdLayoutWarmUp).
 */
export function startLayoutWorker(options: { warmUp?: boolean } = {}): void {
  if (spare || typeof Worker === 'undefined') return;
  try {
    const w = newWorker();
    // One that fails before a view takes it is dropped: the view then starts its own.
    w.onerror = () => {
      if (spare === w) spare = null;
    };
    spare = w;
    spareWarmUp = 'none';
    if (options.warmUp && holds === 0) postWarmUp(w, true);
  } catch {
    spare = null; // the view starts its own (or lays out in-thread)
  }
}

/** A warmed worker is started for the next view once the page is idle (within a few seconds). */
export function startWarmLayoutWorkerWhenIdle(): void {
  if (spare || typeof Worker === 'undefined') return;
  const start = () => {
    if (holds === 0) startLayoutWorker({ warmUp: true });
  };
  if (typeof requestIdleCallback === 'function') requestIdleCallback(start, { timeout: 5000 });
  else setTimeout(start, 1000);
}

/**
 * An open begins: the spare's warm-up stops (after the step it is on) and none starts until every
 * open has ended; then the release resumes it, or starts a warmed spare when the page is idle.
 */
export function holdLayoutWarmUp(): () => void {
  holds++;
  if (spare && spareWarmUp === 'running') postWarmUp(spare, false);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--holds > 0) return;
    if (!spare) startWarmLayoutWorkerWhenIdle();
    else if (spareWarmUp === 'stopped') postWarmUp(spare, true);
  };
}

/** Which payload the spare worker prepares (its key), and the key each prepared payload got. */
const preparedKeys = new WeakMap<GraphPayload, number>();
let nextKey = 0;

/**
 * Has the spare worker (started now if none waits) lay out `payload`'s opening view ahead of the
 * view that will show it. The columns it reads are copied (a few MB) and handed over, never the
 * payload's own arrays: those view one big buffer that a message would copy whole.
 */
export function prepareLayout(payload: GraphPayload): void {
  startLayoutWorker();
  if (!spare) return;
  const key = ++nextKey;
  const columns = structureColumns(payload);
  const request: PrepareRequest = {
    type: 'prepare',
    key,
    columns: {
      ...columns,
      nodeOp: columns.nodeOp.slice(),
      nodeGroup: columns.nodeGroup.slice(),
      groupParent: columns.groupParent.slice(),
      edgeFrom: columns.edgeFrom.slice(),
      edgeTo: columns.edgeTo.slice(),
      edgeTensor: columns.edgeTensor.slice(),
    },
  };
  spare.postMessage(request, columnBuffers(request.columns));
  preparedKeys.set(payload, key);
}

/** The key under which `payload`'s layout was prepared, if it was. */
export function preparedKey(payload: GraphPayload): number | undefined {
  return preparedKeys.get(payload);
}

function takeWorker(): Worker {
  const w = spare ?? newWorker();
  spare = null;
  // the next view (another model, a subgraph, a diff) finds one ready and warmed
  startWarmLayoutWorkerWhenIdle();
  return w;
}

export class LayoutClient {
  private worker: Worker | null = null;
  private local: LayoutEngine | null = null;
  private seq = 0;
  private readonly pending = new Map<number, Done>();

  constructor(useWorker = typeof Worker !== 'undefined') {
    if (useWorker) {
      try {
        this.worker = takeWorker();
        this.worker.onmessage = (ev: MessageEvent<LayoutReply>) => this.receive(ev.data);
        this.worker.onerror = (ev) => {
          const err = new Error(`layout worker failed: ${ev.message}`);
          for (const p of this.pending.values()) p.reject(err);
          this.pending.clear();
        };
      } catch {
        this.worker = null;
      }
    }
    if (!this.worker) this.local = new LayoutEngine();
  }

  get inWorker(): boolean {
    return this.worker !== null;
  }

  send(cmd: LayoutCommand): Promise<Extract<LayoutReply, { type: 'frame' }>> {
    const req = { ...cmd, seq: ++this.seq } as LayoutRequest;
    return new Promise((resolve, reject) => {
      this.pending.set(req.seq, { resolve, reject });
      if (this.worker) this.worker.postMessage(req);
      else {
        const local = this.local!;
        // keep it asynchronous like the worker
        queueMicrotask(() => this.receive(local.handle(req)));
      }
    });
  }

  private receive(reply: LayoutReply): void {
    const p = this.pending.get(reply.seq);
    if (!p) return;
    this.pending.delete(reply.seq);
    if (reply.type === 'frame') p.resolve(reply);
    else p.reject(new Error(reply.message));
  }

  dispose(): void {
    this.worker?.terminate();
    this.worker = null;
    for (const p of this.pending.values()) p.reject(new Error('layout closed'));
    this.pending.clear();
  }
}
