/**
 * What the engine host sends its parent, and when it has gone. A forked host writes messages to a
 * pipe from its event loop: a big reply (the graph payload, tens of MB) leaves only while the loop
 * is free, so a job that starts long synchronous work (shape inference) right after it would hold
 * the reply back until that work is done. Such a job first waits for the replies to be out.
 * (Electron's utilityProcess posts to a port, which takes the message at once.)
 */
import type { FromHost } from '../shared/host-messages';

interface ParentPort {
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

export const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;

let writing = 0;
const drained: (() => void)[] = [];

export function send(message: FromHost): void {
  if (parentPort) {
    parentPort.postMessage(message);
    return;
  }
  if (!process.send) return;
  writing++;
  process.send(message, undefined, undefined, () => {
    writing--;
    if (writing === 0) for (const done of drained.splice(0)) done();
  });
}

/**
 * Resolves once every reply sent so far has been written, after letting replies that are about to
 * be sent (the rest of this turn of the event loop) be sent first.
 */
export async function repliesOut(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  if (writing === 0) return;
  await new Promise<void>((resolve) => drained.push(resolve));
}
