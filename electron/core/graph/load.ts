/**
 * The graph payload of a model file, for the `model.graph` host job. Decodes the ModelProto with
 * onnx-proto and keeps the last payload (the view asks right after model.open, and again when it
 * is reopened). When the ONNX reader's IR is cached by the host, this should read from it instead.
 */
import * as fs from 'node:fs/promises';
import { onnx } from 'onnx-proto';
import type { GraphPayload } from '../../api/contract';
import { KilnError } from '../../api/errors';
import { buildGraphPayload, payloadGraphFromProto } from './payload';

let cache: { path: string; mtimeMs: number; size: number; payload: GraphPayload } | null = null;

export async function graphPayloadForFile(path: string): Promise<GraphPayload> {
  let stat;
  try {
    stat = await fs.stat(path);
  } catch {
    throw new KilnError('FILE_NOT_FOUND', `no model file at ${path}`);
  }
  if (cache && cache.path === path && cache.mtimeMs === stat.mtimeMs && cache.size === stat.size) return cache.payload;
  const bytes = await fs.readFile(path);
  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw new KilnError('NOT_ONNX', `not an ONNX model: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!model.graph) throw new KilnError('NOT_ONNX', 'the model has no graph');
  const payload = buildGraphPayload(payloadGraphFromProto(model.graph));
  cache = { path, mtimeMs: stat.mtimeMs, size: stat.size, payload };
  return payload;
}
