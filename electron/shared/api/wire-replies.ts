/**
 * Replies that cross process boundaries as bytes rather than as JSON values: the engine host
 * encodes them, every transport carries the bytes as they are (IPC and process messages clone
 * them, the WebSocket sends a binary frame, see ./frames.ts), and the client decodes them, so a
 * caller of `model.graph` still gets a GraphPayload.
 */
import type { Method } from './contract';
import { decodeGraphPayload } from './graph-codec';

export const BYTE_REPLIES: Partial<Record<Method, (bytes: Uint8Array) => unknown>> = {
  'model.graph': decodeGraphPayload,
};
