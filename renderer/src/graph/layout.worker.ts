/// <reference lib="webworker" />
/**
 * The layout worker: keeps the hierarchy and answers every command with a new frame. Asked to warm
 * up (warm-up.ts), it lays out a synthetic graph a step at a time between messages, and stops as
 * soon as real work comes.
 */
import { LayoutEngine } from './engine';
import { frameBuffers, type LayoutRequest, type PrepareRequest, type WarmUpRequest } from './protocol';
import { WARM_UP_BLOCKS, warmUpColumns } from './warm-up';

const engine = new LayoutEngine();
const scope = self as unknown as DedicatedWorkerGlobalScope;
/** Warm-up steps not yet run (blocks per step). */
let warmUpLeft: number[] = [];

function warmUpStep(): void {
  const blocks = warmUpLeft.shift();
  if (blocks === undefined) return;
  engine.warmUp(warmUpColumns(blocks));
  if (warmUpLeft.length > 0) setTimeout(warmUpStep, 0);
}

scope.onmessage = (ev: MessageEvent<LayoutRequest | PrepareRequest | WarmUpRequest>) => {
  if (ev.data.type === 'warm-up') {
    const idle = warmUpLeft.length === 0;
    warmUpLeft = ev.data.run ? [...WARM_UP_BLOCKS] : [];
    if (idle && ev.data.run) setTimeout(warmUpStep, 0);
    return;
  }
  // real work first: what is left of a warm-up is dropped
  warmUpLeft = [];
  if (ev.data.type === 'prepare') {
    engine.prepare(ev.data);
    return;
  }
  const reply = engine.handle(ev.data);
  if (reply.type === 'frame') scope.postMessage(reply, frameBuffers(reply.frame));
  else scope.postMessage(reply);
};
