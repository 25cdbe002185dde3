/**
 * FP16 autocast on real models: the result passes the reference onnx checker, runs on ONNX Runtime,
 * and agrees with FP32; nodes are kept FP32 for the reasons the recipe names.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeModel } from '../../electron/core/onnx/analyze';
import { encodeModel } from '../../electron/core/onnx/encode';
import { writeModelFile } from '../../electron/core/onnx/write';
import { autocastFp16 } from '../../electron/core/precision/fp16';
import { halfBitsToNumber, toHalfBits } from '../../electron/core/onnx/half';
import { DT, GraphBuilder, model } from '../builders/graph';
import { checker, cosine, hasOnnx, seededInput } from './helpers';
import { REAL_MODELS } from '../unit/onnx/real-models';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-fp16-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function run(file: string, feeds: Record<string, ort.Tensor>): Promise<Float32Array[]> {
  const session = await ort.InferenceSession.create(file, { graphOptimizationLevel: 'disabled' });
  try {
    const out = await session.run(feeds);
    return session.outputNames.map((n) => Float32Array.from(out[n]!.data as Float32Array));
  } finally {
    await session.release();
  }
}

describe('FP16 bits', () => {
  it('rounds to nearest even, saturates to Inf, keeps subnormals', () => {
    expect(toHalfBits(1)).toBe(0x3c00);
    expect(toHalfBits(65504)).toBe(0x7bff);
    expect(toHalfBits(65520)).toBe(0x7c00);
    expect(toHalfBits(-2)).toBe(0xc000);
    expect(halfBitsToNumber(toHalfBits(2 ** -24))).toBe(2 ** -24);
    expect(halfBitsToNumber(toHalfBits(0.1))).toBeCloseTo(0.0999755859375, 12);
    expect(toHalfBits(1 + 2 ** -11)).toBe(0x3c00); // tie to even
    expect(toHalfBits(1 + 3 * 2 ** -11)).toBe(0x3c02);
  });
});

const CASES: [string, Record<string, number[]>][] = [
  ['ch_ppocr_mobile_v2.0_cls_infer.onnx', { x: [1, 3, 48, 192] }],
  ['ch_PP-OCRv4_rec_infer.onnx', { x: [1, 3, 48, 160] }],
  ['hello_deepa.onnx', {}],
];

describe('FP16 autocast of real models', () => {
  for (const [file, shapes] of CASES) {
    it(`${file}: passes the checker, runs on ONNX Runtime, agrees with FP32`, async () => {
      const m = REAL_MODELS.find((r) => r.file === file)!;
      const a = await analyzeModel(m.path);
      const feeds: Record<string, ort.Tensor> = {};
      for (const [k, input] of a.summary.inputs.entries()) {
        const dims = shapes[input.name] ?? input.dims!.map((d) => (typeof d === 'number' ? d : 1));
        feeds[input.name] = new ort.Tensor('float32', seededInput(dims, 7 + k), dims);
      }
      const out = path.join(tmp, `fp16-${file}`);
      const report = autocastFp16(a);
      writeModelFile(a.opened.model, out, { source: a.opened.bytes });
      console.log(
        `${file}: ${report.fp16Nodes} FP16 nodes, ${report.fp32Nodes.length} kept FP32, ${report.castsInserted} casts, ${report.initializersConverted} weights converted, ${(fs.statSync(out).size / fs.statSync(m.path).size).toFixed(2)}× file size`,
      );
      expect(report.fp16Nodes).toBeGreaterThan(0);
      expect(report.castsInserted).toBeLessThanOrEqual(4);
      if (hasOnnx) expect(checker(out)).toBe('ok');
      const ref = await run(m.path, feeds);
      const got = await run(out, feeds);
      for (const [k, r] of ref.entries()) {
        const c = cosine(r, got[k]!);
        console.log(`  output ${k}: cosine ${c.toFixed(6)}`);
        expect(c).toBeGreaterThan(0.999);
      }
    });
  }
});

describe('what stays FP32, and why', () => {
  it('a weight beyond ±65504 and an activation beyond the limit keep their nodes in FP32', async () => {
    const b = new GraphBuilder('ranges');
    const x = b.input('x', DT.float32, [1, 4]);
    const big = b.init(
      'big',
      DT.float32,
      [4, 4],
      Array.from({ length: 16 }, (_, i) => (i === 5 ? 1e6 : 0.5)),
    );
    const small = b.init(
      'small',
      DT.float32,
      [4, 4],
      Array.from({ length: 16 }, () => 0.25),
    );
    const h = b.node('MatMul', [x, big], { name: 'big_mm' });
    const g = b.node('MatMul', [h, small], { name: 'small_mm' });
    const r = b.node('Relu', [g], { name: 'relu' });
    b.node('Mul', [r, r], { name: 'hot_mul', outputs: ['y'] });
    b.output('y', DT.float32, [1, 4]);
    const file = path.join(tmp, 'ranges.onnx');
    fs.writeFileSync(file, encodeModel(model(b.graph(), { opset: 13 })));
    const a = await analyzeModel(file);
    const report = autocastFp16(a, { activationAbsMax: new Map([['y', 4096]]) });
    const kept = Object.fromEntries(report.fp32Nodes.map((n) => [n.node, n.reason]));
    expect(kept.big_mm).toMatch(/beyond FP16's ±65504/);
    expect(kept.hot_mul).toMatch(/reaches 4096 on calibration data \(limit 512\)/);
    expect(kept.small_mm).toBeUndefined();
    const out = path.join(tmp, 'ranges-fp16.onnx');
    writeModelFile(a.opened.model, out, { source: a.opened.bytes });
    if (hasOnnx) expect(checker(out)).toBe('ok');
    const feeds = { x: new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4]), [1, 4]) };
    const [ref] = await run(file, feeds);
    const [got] = await run(out, feeds);
    for (let i = 0; i < 4; i++) expect(got![i]!).toBeCloseTo(ref![i]!, -2);
  });

  it('excluded ops and If nodes stay FP32; keepIOTypes=false makes the I/O FP16', async () => {
    const m = REAL_MODELS.find((r) => r.file === 'silero_vad_v5.onnx')!;
    const a = await analyzeModel(m.path);
    const report = autocastFp16(a, { excludeOps: ['Conv'] });
    expect(report.fp32Nodes.some((n) => n.op === 'If' && /control flow/.test(n.reason))).toBe(true);
    const cls = REAL_MODELS.find((r) => r.file === 'ch_ppocr_mobile_v2.0_cls_infer.onnx')!;
    const b = await analyzeModel(cls.path);
    const r2 = autocastFp16(b, { keepIOTypes: false, excludeOps: ['Softmax'] });
    expect(r2.fp32Nodes.find((n) => n.op === 'Softmax')?.reason).toBe('excluded by the recipe');
    expect(b.opened.model.graph!.input[0]!.type).toMatchObject({ elemType: 10 });
  });
});
