// Opset conversion is an exact edit: every zoo model and the builders' CNN and transformer, raised to
// opset 17 and to the newest opsets TensorRT 10 and 11 parse, run on ONNX Runtime beside the original
// with every output equal (max abs 0). Models whose ops all exist at opset 13 are first declared
// opset 13 (the ops that changed from 14 to 17 mean the same for them), so 13 → 17 is covered too.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { toOpset } from '../../electron/core/edit/opset';
import { setShapes } from '../../electron/core/edit/shapes';
import { measureExactness } from '../../electron/core/edit/exactness';
import { encodeModel } from '../../electron/core/onnx/encode';
import type { ModelProto } from '../../electron/core/onnx/model';
import { introducedAt } from '../../electron/core/onnx/opset-changes';
import { maxOpset } from '../../electron/core/trt/support';
import { cnn } from '../builders/cnn';
import {
  dftModel,
  gridSampleModel,
  groupNormModel,
  reduceModel,
  roiAlignModel,
  splitModel,
} from '../builders/opset-ops';
import { transformer } from '../builders/transformer';
import { built, zoo } from '../unit/edit/load';
import { checker, hasOnnx, suiteTempDir } from './helpers';

const tmp = suiteTempDir('kiln-opset-');
const NEWEST = [maxOpset({ major: 10 }), maxOpset({ major: 11 })];

const opsetOf = (m: ModelProto) => m.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx')?.version ?? 0;

/** The model declared at opset 13 when every op it holds existed then; null otherwise. */
function asOpset13(m: ModelProto): ModelProto | null {
  const ops = new Set((m.graph?.node ?? []).map((n) => n.opType));
  if ([...ops].some((op) => introducedAt(op) !== undefined)) return null;
  return { ...m, opsetImport: m.opsetImport.map((o) => (o.domain === '' ? { ...o, version: 13 } : o)) };
}

async function convertAndRun(name: string, parent: ModelProto, target: number) {
  const parentFile = path.join(tmp, `${name}.opset${opsetOf(parent)}.onnx`);
  if (!fs.existsSync(parentFile)) fs.writeFileSync(parentFile, encodeModel(parent));
  const step = toOpset(parent, { kind: 'opset', version: target });
  expect(opsetOf(step.model)).toBe(target);
  const childFile = path.join(tmp, `${name}.to${target}.onnx`);
  fs.writeFileSync(childFile, encodeModel(step.model));
  const { exactness } = await measureExactness(parentFile, parent, childFile, step.model, { optimization: 'disabled' });
  return { step, exactness, childFile };
}

const MODELS: [string, () => ModelProto][] = [
  ...['vit-tiny', 'bert-tiny', 'ssdlite-tiny', 'kws-lstm-gru', 'mobilenetv3-fp16'].map(
    (n): [string, () => ModelProto] => [n, () => zoo(n)],
  ),
  // Its height and width are dynamic and must be a multiple of 2: the seeded inputs would make them 1.
  ['unet-tiny', () => setShapes(zoo('unet-tiny'), { kind: 'shapes', shapes: { image: [1, 3, 32, 32] } }).model],
  ['cnn', () => built(cnn([8, 16], 10, 32))],
  ['transformer', () => built(transformer(1))],
];

describe('opset conversion runs exactly on ONNX Runtime', () => {
  for (const [name, load] of MODELS) {
    it(`${name}: to 17 (from 13 where its ops allow) and to the newest TensorRT 10 and 11 parse, outputs equal`, async () => {
      const original = load();
      const at13 = asOpset13(original);
      const runs: [ModelProto, number][] = [
        ...(at13 ? [[at13, 17] as [ModelProto, number], [at13, NEWEST[1]!] as [ModelProto, number]] : []),
        ...NEWEST.map((t): [ModelProto, number] => [original, t]),
      ];
      for (const [parent, target] of runs) {
        const { step, exactness, childFile } = await convertAndRun(name, parent, target);
        // Debian's onnx 1.12 knows opsets up to 17: its full check (schemas, shape inference) there.
        if (hasOnnx && target <= 17) expect(checker(childFile), `${name} → ${target}`).toBe('ok');
        expect(exactness.skipped, `${name} ${opsetOf(parent)} → ${target}`).toBeUndefined();
        expect(exactness.outputs.length).toBeGreaterThan(0);
        for (const o of exactness.outputs)
          expect(o.maxAbs, `${name} ${opsetOf(parent)} → ${target}: ${o.name}`).toBe(0);
        expect(step.exact).toBe(true);
        // Its ReduceMean nodes carry axes as an attribute, an input from opset 18: rewritten, still equal
        // (ssdlite's Reduce* reduce every axis, with no attribute: they stay as they are).
        if (name === 'transformer' && target >= 18)
          expect(step.notes.join('\n')).toMatch(/Reduce\w+\): axes attribute → input/);
      }
    }, 240_000);
  }
});

/** The models of the ops rewritten after 13, at their old opset, and the targets that rewrite them. */
const REWRITTEN: [string, () => ModelProto, number[]][] = [
  ['reduce-axes', () => reduceModel(true), [18, 25]],
  ['split-equal', () => splitModel(false), [18, 25]],
  // ONNX Runtime has no RoiAlign-22 kernel on CPU: 21 is the newest it runs.
  ['roialign', () => roiAlignModel(), [16, 21]],
  ['gridsample-bilinear', () => gridSampleModel('bilinear'), [20, 22]],
  ['gridsample-bicubic', () => gridSampleModel('bicubic'), [20, 22]],
  ['dft', () => dftModel(), [20, 22]],
  ['groupnorm', () => groupNormModel(), [21, 22]],
];

describe('each rewrite after opset 13 means the same on ONNX Runtime', () => {
  for (const [name, make, targets] of REWRITTEN) {
    it(`${name}: ${targets.join(', ')}`, async () => {
      const parent = built(make());
      for (const target of targets) {
        const { step, exactness, childFile } = await convertAndRun(name, parent, target);
        expect(step.notes.length, `${name} → ${target} rewrote nothing`).toBeGreaterThan(0);
        if (hasOnnx && target <= 17) expect(checker(childFile), `${name} → ${target}`).toBe('ok');
        expect(exactness.skipped, `${name} → ${target}`).toBeUndefined();
        for (const o of exactness.outputs) expect(o.maxAbs, `${name} → ${target}: ${o.name}`).toBe(0);
      }
    }, 60_000);
  }
});
