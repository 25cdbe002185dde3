/// <reference lib="webworker" />
/** The layout worker: keeps the hierarchy and answers every command with a new frame. */
import { LayoutEngine } from './engine';
import { frameBuffers, type LayoutRequest, type PrepareRequest, type WarmRequest } from './protocol';
import { warmUpLayout } from './warm-up';

const engine = new LayoutEngine();
const scope = self as unknown as DedicatedWorkerGlobalScope;
scope.onmessage = (ev: MessageEvent<LayoutRequest | PrepareRequest | WarmRequest>) => {
  if (ev.data.type === 'warm') {
    try {
      const { ms } = warmUpLayout();
      // For the performance panel: how long warming took, in this worker.
      performance.measure('kiln:layout-warm-up', { start: performance.now() - ms, duration: ms });
    } catch {
      // Warming is only for speed: a failure leaves the real layout to run cold.
    }
    return;
  }
  if (ev.data.type === 'prepare') {
    engine.prepare(ev.data);
    return;
  }
  const reply = engine.handle(ev.data);
  if (reply.type === 'frame') scope.postMessage(reply, frameBuffers(reply.frame));
  else scope.postMessage(reply);
};
