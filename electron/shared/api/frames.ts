/**
 * How a server message travels where only text or bytes can (browser mode's WebSocket, and the
 * in-process transport, which carries exactly what a socket would). Most messages are JSON text. A
 * result whose value is bytes (the binary graph payload, see ./wire-replies.ts) goes as one binary
 * frame: the magic "KBM1", the header's byte length (u32, little-endian), the message as JSON with
 * its value left out, then the bytes from the next 8-byte boundary, so the reader can view them in
 * place. In browser mode a result of a megabyte or more goes as a reference instead (`ByteReplyRef`):
 * the page fetches its bytes over HTTP and hands the message on with them as its value.
 */
import type { ServerMessage } from './protocol';

/** Byte results of at least this size are fetched over HTTP in browser mode, not framed. */
export const BYTE_REPLY_MIN_BYTES = 1 << 20;

/** What stands in a result's value for bytes to fetch (`BROWSER_MODE.byteReplyPath` + `/` + id). */
export interface ByteReplyRef {
  kilnByteReply: string;
  bytes: number;
}

/** A result message whose value is a ByteReplyRef, with it typed; null for any other message. */
export function byteReplyRef(message: unknown): { id: string; ref: ByteReplyRef } | null {
  if (!message || typeof message !== 'object') return null;
  const m = message as { type?: unknown; id?: unknown; ok?: unknown; value?: unknown };
  if (m.type !== 'result' || m.ok !== true || typeof m.id !== 'string') return null;
  const v = m.value as Partial<ByteReplyRef> | null;
  if (!v || typeof v !== 'object' || typeof v.kilnByteReply !== 'string' || typeof v.bytes !== 'number') return null;
  if (!/^[0-9a-f]{32}$/.test(v.kilnByteReply)) return null;
  return { id: m.id, ref: { kilnByteReply: v.kilnByteReply, bytes: v.bytes } };
}

const MAGIC = 0x314d424b; // "KBM1" read as a little-endian u32
const align8 = (n: number) => (n + 7) & ~7;

/**
 * The frame for `message`: JSON text, or, when its value is bytes, the binary frame in two parts (the
 * head, then the value's own bytes, never copied) to be sent one after the other as one message.
 */
export function serverFrame(message: ServerMessage): string | [Uint8Array, Uint8Array] {
  if (message.type !== 'result' || !message.ok || !(message.value instanceof Uint8Array))
    return JSON.stringify(message);
  const header = new TextEncoder().encode(JSON.stringify({ ...message, value: null }));
  const head = new Uint8Array(align8(8 + header.byteLength));
  const view = new DataView(head.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, header.byteLength, true);
  head.set(header, 8);
  return [head, message.value];
}

/** A frame as one piece: its text, or its parts joined (what arrives at the other end). */
export function joinFrame(frame: string | [Uint8Array, Uint8Array]): string | Uint8Array {
  if (typeof frame === 'string') return frame;
  const [head, value] = frame;
  const whole = new Uint8Array(head.byteLength + value.byteLength);
  whole.set(head);
  whole.set(value, head.byteLength);
  return whole;
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
