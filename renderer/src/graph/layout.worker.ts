/// <reference lib="webworker" />
/** The layout worker: keeps the hierarchy and answers every command with a new frame. */
import { LayoutEngine } from './engine';
import { frameBuffers, type LayoutRequest, type PrepareRequest } from './protocol';

const engine = new LayoutEngine();
const scope = self as unknown as DedicatedWorkerGlobalScope;
scope.onmessage = (ev: MessageEvent<LayoutRequest | PrepareRequest>) => {
  if (ev.data.type === 'prepare') {
    engine.prepare(ev.data);
    return;
  }
  const reply = engine.handle(ev.data);
  if (reply.type === 'frame') scope.postMessage(reply, frameBuffers(reply.frame));
  else scope.postMessage(reply);
};
