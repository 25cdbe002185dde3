/** FP16 variants measure activation ranges on seeded samples: a node whose output passes dataMax stays FP32. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import { encodeModel } from '../../electron/core/onnx/encode';
import { makeVariant } from '../../electron/core/precision/variants';
import { variantPath } from '../../electron/platform/paths';
import { Fp16RecipeSchema } from '../../electron/shared/api/variants';
import { DT, GraphBuilder, model } from '../builders/graph';
import { suiteTempDir } from './helpers';

const tmp = suiteTempDir('kiln-fp16-cal-');

const recipe = Fp16RecipeSchema.parse({ precision: 'fp16', calibrationSamples: 4, shapes: { x: [1, 4] } });
const ctx = { signal: new AbortController().signal, progress: () => undefined };

/** x in [-1, 1] times 1000 reaches ~1000, past the 512 limit; the other branch stays small. */
function hotModel(dims: (number | string)[] = ['N', 4]): string {
  const b = new GraphBuilder();
  const x = b.input('x', DT.float32, dims);
  const k = b.init('k', DT.float32, [1], [1000]);
  const s = b.init('s', DT.float32, [1], [0.5]);
  b.node('Mul', [x, k], { name: 'hot_mul', outputs: ['hot'] });
  const c1 = b.node('Mul', [x, s], { name: 'cool_mul' });
  const c2 = b.node('Relu', [c1], { name: 'cool_relu' });
  b.node('Mul', [c2, s], { name: 'cool_mul2', outputs: ['cool'] });
  b.output('hot', DT.float32, dims);
  b.output('cool', DT.float32, dims);
  const file = path.join(tmp, `hot-${dims.join('x')}.onnx`);
  fs.writeFileSync(file, encodeModel(model(b.graph(), { opset: 13 })));
  return file;
}

it('keeps the node whose measured activation passes dataMax in FP32, and says the ranges were measured', async () => {
  const file = hotModel();
  const v = await makeVariant(file, 'hot.onnx', recipe, ctx);
  expect(v.notes).toContain('activation ranges measured on 4 seeded random samples');
  const kept = Object.fromEntries(v.kept.map((k) => [k.node, k.reason]));
  expect(kept.hot_mul).toMatch(/on calibration data \(limit 512\)/);
  expect(kept.cool_mul).toBeUndefined();
  expect(fs.statSync(variantPath(v.id)).size).toBe(v.bytes);

  // Without samples only weights are checked: nothing is kept for its activations.
  const weightsOnly = await makeVariant(file, 'hot.onnx', { ...recipe, calibrationSamples: 0 }, ctx);
  expect(weightsOnly.kept.find((k) => k.node === 'hot_mul')?.reason ?? '').not.toMatch(/calibration data/);
  expect(weightsOnly.notes.join('\n')).not.toMatch(/activation ranges/);
});

it('says why ranges were not measured when an input shape is left symbolic', async () => {
  const file = hotModel([1, 'C']);
  const v = await makeVariant(file, 'hot.onnx', { ...recipe, shapes: {} }, ctx);
  expect(v.notes.join('\n')).toMatch(/activation ranges were not measured \(.*N.*\)/);
});
