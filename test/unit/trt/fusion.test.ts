/** Fusion prediction: each documented fusion on a built graph, invariants, and the real models. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeModel } from '../../../electron/core/onnx/analyze';
import { encodeModel } from '../../../electron/core/onnx/encode';
import { buildIR } from '../../../electron/core/onnx/ir';
import { predictFusions, type FusionPrediction } from '../../../electron/core/trt/fusion';
import { DT, GraphBuilder, model, randomFloats, seeded } from '../../builders/graph';
import { transformer } from '../../builders/transformer';
import { REAL_MODELS } from '../onnx/real-models';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-fusion-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const rand = seeded(3);

async function predict(b: GraphBuilder): Promise<{ p: FusionPrediction; label: (name: string) => string }> {
  const file = path.join(tmp, `${b.name}.onnx`);
  fs.writeFileSync(file, encodeModel(model(b.graph(), { opset: 17 })));
  const a = await analyzeModel(file);
  const p = predictFusions(a.ir, a.shapes);
  const byName = new Map(a.ir.nodeName.map((n, i) => [n, i]));
  return { p, label: (name) => p.groups[p.nodeGroup[byName.get(name)!]!]!.label };
}

function invariants(p: FusionPrediction): void {
  const seen = new Set<number>();
  for (const g of p.groups)
    for (const id of g.nodes) {
      expect(seen.has(id)).toBe(false);
      seen.add(id);
    }
  expect(seen.size).toBe(p.nodes);
  expect(p.kernels + p.groups.filter((g) => g.kind === 'folded').length).toBe(p.groups.length);
}

const conv = (b: GraphBuilder, x: string, name: string, c = 4) =>
  b.node('Conv', [x, b.init(`${name}.w`, DT.float32, [c, c, 1, 1], randomFloats(rand, c * c))], { name });

describe('documented fusions', () => {
  it('Conv + BatchNormalization + Relu, and Conv + Add(residual) + Relu', async () => {
    const b = new GraphBuilder('convs');
    const x = b.input('x', DT.float32, [1, 4, 8, 8]);
    const c1 = conv(b, x, 'c1');
    const bn = b.node(
      'BatchNormalization',
      [c1, ...['s', 'b', 'm', 'v'].map((k) => b.init(`bn.${k}`, DT.float32, [4], [1, 1, 1, 1]))],
      { name: 'bn' },
    );
    const r1 = b.node('Relu', [bn], { name: 'r1' });
    const c2 = conv(b, r1, 'c2');
    const add = b.node('Add', [c2, x], { name: 'add' });
    b.node('Relu', [add], { name: 'r2', outputs: ['y'] });
    b.output('y', DT.float32, [1, 4, 8, 8]);
    const { p, label } = await predict(b);
    invariants(p);
    expect(label('r1')).toBe('Conv + BatchNormalization + Relu');
    expect(label('r2')).toBe('Conv + Add + Relu');
    expect(p.kernels).toBe(2);
  });

  it('a tensor with two consumers stops a fusion', async () => {
    const b = new GraphBuilder('branch');
    const x = b.input('x', DT.float32, [1, 4, 8, 8]);
    const c = conv(b, x, 'c');
    b.node('Relu', [c], { name: 'left', outputs: ['l'] });
    b.node('Sigmoid', [c], { name: 'right', outputs: ['r'] });
    b.output('l', DT.float32, null);
    b.output('r', DT.float32, null);
    const { p, label } = await predict(b);
    expect(label('c')).toBe('Conv');
    expect(p.kernels).toBe(3);
  });

  it('pointwise chains, shuffles, GELU after MatMul + bias', async () => {
    const b = new GraphBuilder('mlp');
    const x = b.input('x', DT.float32, [2, 8]);
    const mm = b.node('MatMul', [x, b.init('w', DT.float32, [8, 8], randomFloats(rand, 64))], { name: 'mm' });
    const bias = b.node('Add', [mm, b.init('bias', DT.float32, [8], randomFloats(rand, 8))], { name: 'bias' });
    const d = b.node('Div', [bias, b.init('sqrt2', DT.float32, [], [1.414])], { name: 'g_div' });
    const e = b.node('Erf', [d], { name: 'g_erf' });
    const a1 = b.node('Add', [e, b.init('one', DT.float32, [], [1])], { name: 'g_add' });
    const m1 = b.node('Mul', [bias, a1], { name: 'g_mul' });
    const r = b.node('Reshape', [m1, b.init('shape', DT.int64, [3], [2, 2, 4])], { name: 'reshape' });
    const t = b.node('Transpose', [r], { name: 'transpose', attrs: { perm: [0, 2, 1] } });
    b.node('Reshape', [t, b.init('shape2', DT.int64, [2], [2, 8])], { name: 'reshape2', outputs: ['y'] });
    b.output('y', DT.float32, [2, 8]);
    const { p, label } = await predict(b);
    invariants(p);
    // bias feeds two consumers (Div and Mul): the epilogue stops at bias, the GELU chain fuses on its own.
    expect(label('bias')).toBe('MatMul + Add');
    expect(label('g_erf')).toBe('Div + Erf + Add + Mul');
    expect(label('transpose')).toBe('Reshape + Transpose + Reshape');
  });

  it('decomposed LayerNorm and attention in a transformer; shape arithmetic folds', () => {
    const m = transformer(2, { hidden: 16, heads: 2 });
    const p = predictFusions(buildIR(m));
    invariants(p);
    expect(p.groups.filter((g) => g.kind === 'norm').length).toBeGreaterThanOrEqual(2);
    const att = p.groups.filter((g) => g.kind === 'attention');
    expect(att.length).toBe(2);
    expect(att[0]!.label).toBe('MatMul + Softmax + MatMul');
    expect(p.groups.some((g) => g.kind === 'folded')).toBe(true);
  });

  it('Q/DQ fold into the convolution they quantize', async () => {
    const b = new GraphBuilder('qdq');
    const x = b.input('x', DT.float32, [1, 4, 8, 8]);
    const s = b.init('s', DT.float32, [], [0.05]);
    const z = b.init('z', DT.int8, [], [0]);
    const q = b.node('QuantizeLinear', [x, s, z], { name: 'q_x' });
    const dq = b.node('DequantizeLinear', [q, s, z], { name: 'dq_x' });
    const wq = b.init(
      'wq',
      DT.int8,
      [4, 4, 1, 1],
      Array.from({ length: 16 }, (_, i) => i - 8),
    );
    const dw = b.node('DequantizeLinear', [wq, s, z], { name: 'dq_w' });
    const c = b.node('Conv', [dq, dw], { name: 'conv' });
    b.node('Relu', [c], { name: 'relu', outputs: ['y'] });
    b.output('y', DT.float32, [1, 4, 8, 8]);
    const { p, label } = await predict(b);
    invariants(p);
    expect(label('dq_x')).toBe('DequantizeLinear + DequantizeLinear + Conv + Relu');
    expect(label('q_x')).toBe('QuantizeLinear');
  });
});

describe('real models', () => {
  for (const m of REAL_MODELS) {
    it(`${m.file}: fewer kernels than nodes`, async () => {
      const a = await analyzeModel(m.path);
      const p = predictFusions(a.ir, a.shapes);
      invariants(p);
      console.log(`${m.file}: ${p.nodes} nodes -> ${p.kernels} predicted kernels (${p.folded} folded)`);
      if (p.nodes > 10) expect(p.kernels).toBeLessThan(p.nodes); // the VAD models are two If nodes at the top
      if (m.file.startsWith('ch_PP-OCRv4_det')) expect(p.kernels).toBeLessThan(p.nodes / 3);
    });
  }

  it('125k-node transformer: fewer than half as many kernels as nodes (time printed, not judged)', () => {
    const ir = buildIR(transformer(2500));
    const t = performance.now();
    const p = predictFusions(ir);
    console.log(
      `transformer 2,500 layers: ${p.nodes} nodes -> ${p.kernels} kernels in ${(performance.now() - t).toFixed(0)} ms`,
    );
    expect(p.kernels).toBeLessThan(p.nodes / 2);
  });
});
