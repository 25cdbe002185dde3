/**
 * The main thread's handle on the layout worker. Commands run in order; each resolves with the new
 * frame. Where workers are unavailable (tests, a locked-down page) it runs the engine in-thread.
 *
 * Starting a worker (a new JavaScript heap, its script fetched and compiled) takes a good part of
 * what laying out a big graph does, so the app starts one while a model is still being read
 * (`startLayoutWorker`) and the graph view takes that one when it mounts.
 */
import { LayoutEngine } from './engine';
import type { LayoutCommand, LayoutReply, LayoutRequest } from './protocol';

type Done = { resolve: (r: Extract<LayoutReply, { type: 'frame' }>) => void; reject: (e: Error) => void };

let spare: Worker | null = null;

function newWorker(): Worker {
  return new Worker(new URL('./layout.worker.ts', import.meta.url), { type: 'module' });
}

/** Starts a layout worker for the next graph view to take, unless one is waiting already. */
export function startLayoutWorker(): void {
  if (spare || typeof Worker === 'undefined') return;
  try {
    const w = newWorker();
    // One that fails before a view takes it is dropped: the view then starts its own.
    w.onerror = () => {
      if (spare === w) spare = null;
    };
    spare = w;
  } catch {
    spare = null; // the view starts its own (or lays out in-thread)
  }
}

function takeWorker(): Worker {
  const w = spare ?? newWorker();
  spare = null;
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
