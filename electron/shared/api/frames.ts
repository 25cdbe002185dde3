/**
 * How a server message travels where only text or bytes can (browser mode's WebSocket, and the
 * in-process transport, which carries exactly what a socket would). Most messages are JSON text. A
 * result whose value is bytes (the binary graph payload, see ./wire-replies.ts) goes as one binary
 * frame: the magic "KBM1", the header's byte length (u32, little-endian), the message as JSON with
 * its value left out, then the bytes from the next 8-byte boundary, so the reader can view them in
 * place.
 */
import type { ServerMessage } from './protocol';

const MAGIC = 0x314d424b; // "KBM1" read as a little-endian u32
const align8 = (n: number) => (n + 7) & ~7;

/** The frame for `message`: JSON text, or bytes when its value is bytes. */
export function serverFrame(message: ServerMessage): string | Uint8Array {
  if (message.type !== 'result' || !message.ok || !(message.value instanceof Uint8Array))
    return JSON.stringify(message);
  const value = message.value;
  const header = new TextEncoder().encode(JSON.stringify({ ...message, value: null }));
  const start = align8(8 + header.byteLength);
  const frame = new Uint8Array(start + value.byteLength);
  const view = new DataView(frame.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, header.byteLength, true);
  frame.set(header, 8);
  frame.set(value, start);
  return frame;
}

/**
 * A frame back as a message (unvalidated: the client checks it). Bytes that are not a binary frame,
 * and text that is not JSON, read as null.
 */
export function readServerFrame(frame: string | ArrayBuffer | Uint8Array): unknown {
  if (typeof frame === 'string') {
    try {
      return JSON.parse(frame) as unknown;
    } catch {
      return null;
    }
  }
  const bytes = frame instanceof Uint8Array ? frame : new Uint8Array(frame);
  if (bytes.byteLength < 8) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) return null;
  const headerBytes = view.getUint32(4, true);
  const start = align8(8 + headerBytes);
  if (start > bytes.byteLength) return null;
  let message: unknown;
  try {
    message = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerBytes)));
  } catch {
    return null;
  }
  if (!message || typeof message !== 'object') return null;
  return { ...message, value: bytes.subarray(start) };
}
