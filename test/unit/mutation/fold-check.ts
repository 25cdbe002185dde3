/**
 * What the fold tests share: a rewrite is checked by running the model before and after on ONNX
 * Runtime (same outputs) or by comparing the whole model (nothing changed), and seeded weights.
 */
import * as ort from 'onnxruntime-node';
import { expect } from 'vitest';
import { encodeModel } from '../../../electron/core/onnx/encode';
import type { ModelProto } from '../../../electron/core/onnx/model';
import { tensorValues } from '../../../electron/core/onnx/values';
import { DT, GraphBuilder, randomFloats, seeded } from '../../builders/graph';

export const SRC = { path: '/nonexistent/folds.onnx' };

/** Every output of `m` on a seeded input for each graph input. */
async function run(m: ModelProto): Promise<Float32Array[]> {
  const g = m.graph!;
  const feeds: Record<string, ort.Tensor> = {};
  g.input.forEach((v, i) => {
    const dims = v.type!.kind === 'tensor' ? v.type!.shape!.map((d) => Number(d.value)) : [];
    const n = dims.reduce((a, b) => a * b, 1);
    feeds[v.name] = new ort.Tensor('float32', randomFloats(seeded(11 + i), n, 4), dims);
  });
  const s = await ort.InferenceSession.create(encodeModel(m), { logSeverityLevel: 3 });
  try {
    const out = await s.run(feeds);
    return s.outputNames.map((n) => Float32Array.from(out[n]!.data as Float32Array));
  } finally {
    await s.release();
  }
}

/** Rewrites a copy of `m` and checks it computes the same outputs. */
export async function rewriteSame<T>(m: ModelProto, rewrite: (copy: ModelProto) => T, tolerance = 1e-4) {
  const copy = structuredClone(m);
  const result = rewrite(copy);
  const [want, got] = [await run(m), await run(copy)];
  expect(got.length).toBe(want.length);
  want.forEach((w, k) => {
    const g = got[k]!;
    expect(g.length).toBe(w.length);
    let worst = 0;
    for (let i = 0; i < w.length; i++) worst = Math.max(worst, Math.abs(w[i]! - g[i]!) / Math.max(1, Math.abs(w[i]!)));
    expect(worst).toBeLessThan(tolerance);
  });
  return { result, copy, ops: copy.graph!.node.map((n) => n.opType) };
}

/** Rewrites a copy and expects nothing to change. */
export function unchanged(m: ModelProto, rewrite: (copy: ModelProto) => unknown, none: unknown = 0) {
  const copy = structuredClone(m);
  expect(rewrite(copy)).toEqual(none);
  expect(copy).toEqual(m);
}

export const initNames = (m: ModelProto) => m.graph!.initializer.map((t) => t.name).sort();
export const values = (m: ModelProto, name: string) =>
  Array.from(
    tensorValues(
      m.graph!.initializer.find((t) => t.name === name)!,
      SRC,
    ),
  );

let seed = 100;
export const w = (b: GraphBuilder, name: string, dims: number[], scale = 0.5) =>
  b.init(
    name,
    DT.float32,
    dims,
    randomFloats(
      seeded(seed++),
      dims.reduce((x, y) => x * y, 1),
      scale,
    ),
  );
