/**
 * Test helpers for the edits: a model from the zoo or a builder, decoded and detached from its file
 * (as the edit job hands it to the edits), and the op counts assertions compare.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { detachWeights } from '../../../electron/core/edit/model-copy';
import { encodeModel } from '../../../electron/core/onnx/encode';
import type { ModelProto } from '../../../electron/core/onnx/model';
import { openModelBytes } from '../../../electron/core/onnx/open';

export const ZOO = path.resolve(__dirname, '../../fixtures/zoo');

/** A zoo model (`bert-tiny`) ready for the edits. */
export function zoo(name: string): ModelProto {
  const file = path.join(ZOO, `${name}.onnx`);
  const o = openModelBytes(fs.readFileSync(file), file, `${name}.onnx`);
  return detachWeights(o.model, { path: o.path, bytes: o.bytes });
}

/** A built model, encoded and decoded again so it is what a file gives. */
export function built(m: ModelProto): ModelProto {
  const o = openModelBytes(encodeModel(m), '/nonexistent/built.onnx', 'built.onnx');
  return detachWeights(o.model, { path: o.path, bytes: o.bytes });
}

/** How many nodes of each op the main graph has. */
export function ops(m: ModelProto): Record<string, number> {
  const out: Record<string, number> = {};
  for (const n of m.graph?.node ?? []) out[n.opType] = (out[n.opType] ?? 0) + 1;
  return out;
}

/** The fixed dims of every real input, e.g. { input_ids: [1, 8] } (symbolic dims as their names). */
export function inputDims(m: ModelProto): Record<string, (number | string)[]> {
  const out: Record<string, (number | string)[]> = {};
  for (const v of m.graph?.input ?? []) {
    const t = v.type;
    if (t?.kind === 'tensor' && t.shape) out[v.name] = t.shape.map((d) => d.value ?? d.param ?? '?');
  }
  return out;
}
