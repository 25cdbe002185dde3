/**
 * A variant's id names one file. An ONNX Runtime INT8 recipe with the speed check chooses what stays
 * float from timings on this machine, so making it again can write another file: that outcome gets
 * its own id, and the first variant's file — which its card, profiles and comparisons describe — is
 * never replaced. Timings are injected here (the guard's own `time` option) so both outcomes happen
 * on any machine; every other recipe keeps the id it always had.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, it, vi } from 'vitest';
import { encodeModel } from '../../electron/core/onnx/encode';
import { makeVariant, variantId } from '../../electron/core/precision/variants';
import { variantPath } from '../../electron/platform/paths';
import { Fp16RecipeSchema, Int8RecipeSchema } from '../../electron/shared/api/variants';
import { cnn } from '../builders/cnn';
import { suiteTempDir } from './helpers';

/** Which outcome the injected timings give: INT8 fastest at every try, or the first try (a layer kind in float) faster. */
const timing = vi.hoisted(() => ({ mode: 'int8-wins' as 'int8-wins' | 'float-wins', tries: 0 }));

vi.mock('../../electron/core/precision/speed-guard', async (importOriginal) => {
  const orig = await importOriginal<typeof import('../../electron/core/precision/speed-guard')>();
  // fp32, float, int8 first; then [best so far, candidate] per try.
  const time = async (files: string[]) => {
    if (files.length === 3) {
      timing.tries = 0;
      return [10, 9, 5];
    }
    return timing.mode === 'float-wins' && timing.tries++ === 0 ? [5, 4] : [5, 6];
  };
  return {
    ...orig,
    guardInt8Speed: (...args: Parameters<typeof orig.guardInt8Speed>) =>
      orig.guardInt8Speed(args[0], args[1], args[2], args[3], args[4], { ...args[5], time }),
  };
});

const tmp = suiteTempDir('kiln-variant-ids-');
const ctx = { signal: new AbortController().signal, progress: () => undefined };
const sha = (f: string) => createHash('sha256').update(fs.readFileSync(f)).digest('hex');

function model(): string {
  const file = path.join(tmp, 'cnn.onnx');
  if (!fs.existsSync(file)) fs.writeFileSync(file, encodeModel(cnn([8, 16, 16], 10, 32)));
  return file;
}

it('the speed check deciding differently makes a second variant, and leaves the first one as it was', async () => {
  const file = model();
  const recipe = Int8RecipeSchema.parse({ precision: 'int8', flavour: 'onnxruntime', samples: 4 });
  timing.mode = 'int8-wins';
  const first = await makeVariant(file, 'cnn.onnx', recipe, ctx);
  expect(first.kept.filter((k) => /slower than float/.test(k.reason))).toEqual([]);
  const firstBytes = sha(variantPath(first.id));

  timing.mode = 'float-wins';
  const second = await makeVariant(file, 'cnn.onnx', recipe, ctx);
  const floatNow = second.kept.filter((k) => /slower than float/.test(k.reason)).map((k) => k.node);
  expect(floatNow.length).toBeGreaterThan(0);
  expect(second.id).not.toBe(first.id);
  // Both files are there; the first is byte for byte what its card describes.
  expect(sha(variantPath(first.id))).toBe(firstBytes);
  expect(fs.existsSync(variantPath(second.id))).toBe(true);
  expect(sha(variantPath(second.id))).not.toBe(firstBytes);
  // Their names say what stayed float, so cards and charts tell them apart.
  expect(first.name).toBe('cnn.int8-ort-max.random4.float0.onnx');
  expect(second.name).toBe(`cnn.int8-ort-max.random4.float${second.kept.length}.onnx`);

  // The same outcome again is the same variant: same id, no third file.
  timing.mode = 'int8-wins';
  const again = await makeVariant(file, 'cnn.onnx', recipe, ctx);
  expect(again.id).toBe(first.id);
  const folder = path.dirname(variantPath(first.id));
  expect(fs.readdirSync(folder).filter((f) => f.endsWith('.onnx'))).toHaveLength(2);
});

it('every other recipe keeps the id it always had: the source hash and the recipe hash', async () => {
  const file = model();
  const source = sha(file);
  const old = (recipeJson: string) =>
    `${source.slice(0, 16)}-${createHash('sha256').update(recipeJson).digest('hex').slice(0, 16)}`;
  const fp16 = Fp16RecipeSchema.parse({ precision: 'fp16', calibrationSamples: 0 });
  const v = await makeVariant(file, 'cnn.onnx', fp16, ctx);
  expect(v.id).toBe(old(JSON.stringify(fp16)));
  const unchecked = Int8RecipeSchema.parse({
    precision: 'int8',
    flavour: 'onnxruntime',
    samples: 4,
    speedGuard: false,
  });
  expect((await makeVariant(file, 'cnn.onnx', unchecked, ctx)).id).toBe(old(JSON.stringify(unchecked)));
  const trt = Int8RecipeSchema.parse({ precision: 'int8', samples: 4 });
  expect((await makeVariant(file, 'cnn.onnx', trt, ctx)).id).toBe(old(JSON.stringify(trt)));
  // What was kept float is part of a timed variant's id, in any order.
  expect(variantId(source, '{}', ['b', 'a'])).toBe(variantId(source, '{}', ['a', 'b']));
  expect(variantId(source, '{}', [])).not.toBe(variantId(source, '{}'));
});
