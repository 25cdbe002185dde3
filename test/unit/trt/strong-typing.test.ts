/**
 * Strong typing in the readiness check: TensorRT 11 builds each layer in its ONNX inputs' type, so
 * an FP32 export builds FP32 (no --fp16 any more), an FP16 variant builds FP16 except what it kept
 * in FP32, and a Q/DQ model builds INT8 where DequantizeLinear feeds a layer and float elsewhere.
 * On real exports (test/fixtures/zoo) and on variants Kiln itself makes of them.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeModel } from '../../../electron/core/onnx/analyze';
import { encodeModel } from '../../../electron/core/onnx/encode';
import { writeModelFile } from '../../../electron/core/onnx/write';
import { autocastFp16 } from '../../../electron/core/precision/fp16';
import { quantizeInt8 } from '../../../electron/core/precision/int8/quantize';
import { checkModel, type CheckReport } from '../../../electron/core/trt/check';
import { DT, GraphBuilder, model, randomFloats, seeded } from '../../builders/graph';
import { SAMPLE_CLASSIFIER, uint8QdqClassifier } from '../../builders/qdq';

const ZOO = path.resolve(__dirname, '../../fixtures/zoo');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-strong-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const precision = (r: CheckReport, kind?: RegExp) =>
  r.findings.filter((f) => f.status === 'precision' && (!kind || kind.test(f.reason)));
const total = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);

describe('FP32 exports', () => {
  for (const file of ['vit-tiny.onnx', 'bert-tiny.onnx', 'ssdlite-tiny.onnx', 'unet-tiny.onnx', 'kws-lstm-gru.onnx'])
    it(`${file}: TensorRT 11 builds every weighted layer FP32, and says so by node; 10 does not`, async () => {
      const a = await analyzeModel(path.join(ZOO, file));
      const r11 = checkModel(a, 11);
      console.log(`${file} on TensorRT 11: ${JSON.stringify(r11.computes)}`);
      expect(Object.keys(r11.computes)).toEqual(['FP32']);
      const fp32 = precision(r11, /TensorRT 11 builds this FP32/);
      expect(fp32.length).toBe(r11.computes.FP32);
      expect(fp32[0]!.suggestion).toMatch(/make an FP16 variant/);
      expect(new Set(fp32.map((f) => f.op)).size).toBeGreaterThan(0);
      for (const f of fp32)
        expect(['Conv', 'ConvTranspose', 'MatMul', 'Gemm', 'LSTM', 'GRU', 'Einsum']).toContain(f.op);
      // Precision notes never make a node unsupported.
      expect(r11.unsupported).toBe(0);
      // TensorRT 10 still has --fp16: the same model is not said to build FP32 there.
      expect(precision(checkModel(a, 10))).toEqual([]);
    });
});

describe('FP16', () => {
  it("Kiln's FP16 variant of the ViT builds FP16; only layers it kept in FP32 are named", async () => {
    const a = await analyzeModel(path.join(ZOO, 'vit-tiny.onnx'));
    const firstMatMul = a.ir.nodeName[a.ir.nodes.findIndex((n) => n.opType === 'MatMul')]!;
    autocastFp16(a, { excludeNodes: [firstMatMul] });
    const out = path.join(tmp, 'vit-fp16.onnx');
    writeModelFile(a.opened.model, out, { source: a.opened.bytes });
    const r = checkModel(await analyzeModel(out), 11);
    expect(r.computes.FP16).toBeGreaterThan(10);
    expect(r.computes.FP32).toBe(1);
    const fp32 = precision(r, /builds this FP32/);
    expect(fp32.map((f) => f.node)).toEqual([firstMatMul]);
    expect(fp32[0]!.reason).toMatch(/computes in FP16 elsewhere/);
  });

  it('mobilenetv3-fp16 (an FP16 export): every weighted layer builds FP16, none is named', async () => {
    const a = await analyzeModel(path.join(ZOO, 'mobilenetv3-fp16.onnx'));
    const r = checkModel(a, 11);
    console.log(`mobilenetv3-fp16 on TensorRT 11: ${JSON.stringify(r.computes)}`);
    // Every weighted layer is predicted, and what is FP32 is named.
    const conv = a.ir.nodes.filter((n) => n.opType === 'Conv' || n.opType === 'Gemm' || n.opType === 'MatMul').length;
    expect(total(r.computes)).toBe(conv);
    // Its weights are FP16 and so are the activations between them: TensorRT 11 builds it FP16.
    expect(r.computes).toEqual({ FP16: conv });
    expect(precision(r, /builds this FP32/)).toEqual([]);
  });
});

describe('INT8 Q/DQ', () => {
  it("Kiln's TensorRT INT8 variant of the classifier builds INT8 where Q/DQ feeds a layer", async () => {
    const out = path.join(tmp, 'cls-int8-trt.onnx');
    await quantizeInt8(SAMPLE_CLASSIFIER, out, {
      data: { kind: 'random', samples: 2, seed: 1, shapes: { x: [1, 3, 48, 192] } },
      calibrator: 'max',
      flavour: 'tensorrt',
    });
    const r = checkModel(await analyzeModel(out), 11);
    console.log(`classifier, TensorRT INT8 variant, on TensorRT 11: ${JSON.stringify(r.computes)}`);
    expect(r.computes.INT8).toBeGreaterThan(20);
    // Whatever stayed float is named, with the Q/DQ way forward.
    for (const f of precision(r, /builds this FP32/)) expect(f.reason).toMatch(/no DequantizeLinear feeds it/);
    expect(precision(r, /does not feed an op TensorRT quantizes/)).toEqual([]);
    expect(precision(r, /not followed by DequantizeLinear/)).toEqual([]);
  });

  it('ONNX Runtime-style UINT8 Q/DQ is predicted INT8 as well (its zero points are flagged elsewhere)', async () => {
    const r = checkModel(await analyzeModel(await uint8QdqClassifier(path.join(tmp, 'cls-uint8.onnx'))), 11);
    expect(r.computes.INT8).toBeGreaterThan(20);
  });

  it('a DequantizeLinear feeding only a Sigmoid, and a QuantizeLinear without its DequantizeLinear, are named', async () => {
    const rand = seeded(7);
    const b = new GraphBuilder();
    const x = b.input('x', DT.float32, [1, 4, 8, 8]);
    const s = b.init('s', DT.float32, [], [0.05]);
    const z = b.init('z', DT.int8, [], [0]);
    const q = b.node('QuantizeLinear', [x, s, z], { name: 'q_in' });
    const dq = b.node('DequantizeLinear', [q, s, z], { name: 'dq_in' });
    const wq = b.init(
      'w_q',
      DT.int8,
      [4, 4, 1, 1],
      Array.from(randomFloats(rand, 16), (v) => Math.round(v * 100)),
    );
    const w = b.node('DequantizeLinear', [wq, s, z], { name: 'dq_w' });
    const c = b.node('Conv', [dq, w], { name: 'conv_int8', attrs: { kernel_shape: [1, 1] } });
    const q2 = b.node('QuantizeLinear', [c, s, z], { name: 'q_mid' });
    const dq2 = b.node('DequantizeLinear', [q2, s, z], { name: 'dq_to_sigmoid' });
    const sig = b.node('Sigmoid', [dq2], { name: 'sigmoid' });
    b.node('QuantizeLinear', [sig, s, z], { name: 'q_alone', outputs: ['y'] });
    b.output('y', DT.int8, [1, 4, 8, 8]);
    const file = path.join(tmp, 'qdq-unfused.onnx');
    fs.writeFileSync(file, encodeModel(model(b.graph(), { opset: 13 })));
    const a = await analyzeModel(file);
    for (const major of [10, 11] as const) {
      const r = checkModel(a, major);
      expect(r.computes).toEqual({ INT8: 1 });
      const byNode = Object.fromEntries(precision(r).map((f) => [f.node, f]));
      expect(Object.keys(byNode).sort()).toEqual(['dq_to_sigmoid', 'q_alone']);
      expect(byNode.dq_to_sigmoid!.reason).toMatch(/does not feed an op TensorRT quantizes/);
      expect(byNode.dq_to_sigmoid!.detail).toMatch(/sigmoid \(Sigmoid\)/);
      expect(byNode.q_alone!.reason).toMatch(/not followed by DequantizeLinear/);
    }
  });

  it('a run-time scale is a restriction that says the Q/DQ will not fuse', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', DT.float32, [1, 4]);
    const s = b.input('scale', DT.float32, []);
    const z = b.init('z', DT.int8, [], [0]);
    const q = b.node('QuantizeLinear', [x, s, z], { name: 'q' });
    b.node('DequantizeLinear', [q, s, z], { name: 'dq', outputs: ['y'] });
    b.output('y', DT.float32, [1, 4]);
    const file = path.join(tmp, 'runtime-scale.onnx');
    fs.writeFileSync(file, encodeModel(model(b.graph(), { opset: 13 })));
    const r = checkModel(await analyzeModel(file), 11);
    const scale = r.findings.filter((f) => f.status === 'restriction' && /scale/.test(f.reason));
    expect(scale.map((f) => f.node).sort()).toEqual(['dq', 'q']);
    expect(scale[0]!.reason).toMatch(/does not fuse/);
  });
});
