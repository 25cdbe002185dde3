/**
 * What the engine host sends its parent, and when it has gone. A forked host writes messages to a
 * pipe from its event loop: a big reply (the graph payload, tens of MB) leaves only while the loop
 * is free, so a job that starts long synchronous work (shape inference) right after it would hold
 * the reply back until that work is done. Such a job first waits for the replies to be out. Big
 * byte replies go through a file the parent reads (platform/bulk-bytes.ts), not through the pipe.
 * (Electron's utilityProcess posts to a port, which takes the message at once.)
 */
import type { FromHost } from '../shared/host-messages';
import { toErrorShape } from '../shared/api/errors';
import { BULK_DIR_ENV, BULK_MIN_BYTES, writeBulk } from '../platform/bulk-bytes';

interface ParentPort {
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

export const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;

let writing = 0;
const drained: (() => void)[] = [];

/** Where big byte replies go instead of the pipe (platform/bulk-bytes.ts), when the parent made one. */
const bulkDir = process.env[BULK_DIR_ENV];

const isBig = (value: unknown): value is Uint8Array =>
  value instanceof Uint8Array && value.byteLength >= BULK_MIN_BYTES;

export function send(message: FromHost): void {
  if (parentPort) {
    parentPort.postMessage(message);
    return;
  }
  if (!process.send) return;
  writing++;
  const sent = () => {
    writing--;
    if (writing === 0) for (const done of drained.splice(0)) done();
  };
  if (!bulkDir || message.type !== 'result' || !message.ok || !isBig(message.value)) {
    process.send(message, undefined, undefined, sent);
    return;
  }
  const { id } = message;
  writeBulk(bulkDir, message.value).then(
    (ref) => process.send?.({ ...message, value: ref }, undefined, undefined, sent),
    (err: unknown) =>
      process.send?.({ type: 'result', id, ok: false, error: toErrorShape(err) }, undefined, undefined, sent),
  );
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
