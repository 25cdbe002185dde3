/**
 * The graph payload of a model file, for the `model.graph` host job. Reads the model with Kiln's
 * ONNX reader and keeps the last payload (the view asks right after model.open).
 */
import * as fs from 'node:fs/promises';
import type { GraphPayload } from '../../api/contract';
import type { GraphProto } from '../onnx/model';
import { openModelFile } from '../onnx/open';
import { valueInfo } from '../onnx/summary';
import { DTYPE_NAMES, buildGraphPayload } from './payload';
import type { PayloadGraph, PayloadTensorType } from './payload';

let cache: { path: string; mtimeMs: number; size: number; payload: GraphPayload } | null = null;

export function payloadGraphFromModel(g: GraphProto): PayloadGraph {
  const types = new Map<string, PayloadTensorType>();
  for (const list of [g.valueInfo, g.input, g.output]) {
    for (const v of list) {
      const t = valueInfo(v);
      if (v.name && t.dtype !== 'unknown') types.set(v.name, { dtype: t.dtype, dims: t.dims });
    }
  }
  const initializers: string[] = [];
  for (const t of g.initializer) {
    if (!t.name) continue;
    initializers.push(t.name);
    types.set(t.name, { dtype: DTYPE_NAMES[t.dataType] ?? `type${t.dataType}`, dims: t.dims });
  }
  // Constant nodes carry their value's type: weights exported as Constants get shapes too.
  for (const n of g.node) {
    const out = n.output[0];
    if (n.opType !== 'Constant' || !out || types.has(out)) continue;
    const t = n.attribute.find((a) => a.name === 'value')?.t;
    if (t) types.set(out, { dtype: DTYPE_NAMES[t.dataType] ?? `type${t.dataType}`, dims: t.dims });
  }
  const initSet = new Set(initializers);
  return {
    nodes: g.node.map((n, i) => ({
      name: n.name || `${n.opType || 'node'}_${i}`,
      opType: n.domain && n.domain !== 'ai.onnx' ? `${n.domain}:${n.opType}` : n.opType || '?',
      inputs: n.input,
      outputs: n.output,
      subgraphAttributes: n.attribute.filter((a) => a.g || (a.graphs && a.graphs.length > 0)).map((a) => a.name),
    })),
    inputs: g.input.map((v) => v.name).filter((name) => name && !initSet.has(name)),
    initializers,
    outputs: g.output.map((v) => v.name).filter(Boolean),
    types,
  };
}

export async function graphPayloadForFile(path: string, displayName?: string): Promise<GraphPayload> {
  const stat = await fs.stat(path).catch(() => null);
  if (stat && cache && cache.path === path && cache.mtimeMs === stat.mtimeMs && cache.size === stat.size)
    return cache.payload;
  const opened = await openModelFile(path, displayName);
  const payload = buildGraphPayload(payloadGraphFromModel(opened.model.graph as GraphProto));
  if (stat) cache = { path, mtimeMs: stat.mtimeMs, size: stat.size, payload };
  return payload;
}
