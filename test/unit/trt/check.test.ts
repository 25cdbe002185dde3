/** TensorRT readiness against the parser's operator tables, on real and built models. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeModel } from '../../../electron/core/onnx/analyze';
import { encodeModel } from '../../../electron/core/onnx/encode';
import { checkModel } from '../../../electron/core/trt/check';
import { checkPayload } from '../../../electron/core/trt/check-payload';
import { predictFusions } from '../../../electron/core/trt/fusion';
import { detectorTail } from '../../builders/detector';
import { DT, GraphBuilder, model, randomFloats, seeded } from '../../builders/graph';
import { uint8QdqClassifier } from '../../builders/qdq';
import { transformer } from '../../builders/transformer';
import { REAL_MODELS } from '../onnx/real-models';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-check-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function write(name: string, b: GraphBuilder, opset = 13): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, encodeModel(model(b.graph(), { opset })));
  return file;
}

/** What onnxruntime's quantize_dynamic makes of a Conv: DynamicQuantizeLinear -> ConvInteger. */
function dynamicQuantized(): string {
  const rand = seeded(5);
  const b = new GraphBuilder('dyn');
  const x = b.input('x', DT.float32, [1, 3, 8, 8]);
  const [q, scale, zp] = ['x_q', 'x_scale', 'x_zp'];
  b.node('DynamicQuantizeLinear', [x], { name: 'x_QuantizeLinear', outputs: [q, scale, zp] });
  const w = b.init(
    'w_q',
    DT.int8,
    [4, 3, 3, 3],
    Array.from(randomFloats(rand, 108), (v) => Math.round(v * 100)),
  );
  const wzp = b.init('w_zp', DT.int8, [], [0]);
  const c = b.node('ConvInteger', [q, w, zp, wzp], { name: 'conv_quant', attrs: { kernel_shape: [3, 3] } });
  const f = b.node('Cast', [c], { name: 'cast', attrs: { to: 1 } });
  b.node('Mul', [f, scale], { name: 'rescale', outputs: ['y'] });
  b.output('y', DT.float32, [1, 4, 6, 6]);
  return write('dynamic.onnx', b);
}

describe.each([10, 11] as const)('TensorRT %i', (trt) => {
  it('a dynamically quantized model is flagged, with a way forward: dequantize, then Q/DQ', async () => {
    const r = checkModel(await analyzeModel(dynamicQuantized()), trt);
    const byNode = Object.fromEntries(r.findings.map((f) => [f.node, f]));
    expect(byNode.conv_quant).toMatchObject({ op: 'ConvInteger', status: 'unsupported-op' });
    // A user with only the quantized model is sent to dequantize, then to an INT8 variant (Q/DQ).
    expect(byNode.conv_quant!.suggestion).toMatch(
      /^dequantize it back to float .*INT8 variant.*QuantizeLinear\/DequantizeLinear/,
    );
    expect(byNode.x_QuantizeLinear).toMatchObject({ op: 'DynamicQuantizeLinear', status: 'unsupported-op' });
    expect(r.unsupported).toBe(2);
    expect(r.supported).toBe(2);
    // Supported nodes split into the runs around the unsupported ones.
    expect(r.partitions.map((p) => p.nodes.length).sort()).toEqual([2]);
  });

  it('the PaddleOCR classifier (a plain CNN) is fully supported', async () => {
    const m = REAL_MODELS.find((x) => x.file === 'ch_ppocr_mobile_v2.0_cls_infer.onnx')!;
    const a = await analyzeModel(m.path);
    const r = checkModel(a, trt);
    expect(r.findings.filter((f) => f.status !== 'warning' && f.status !== 'precision')).toEqual([]);
    expect(r.unsupported).toBe(0);
    const p = checkPayload(r, a.ir, predictFusions(a.ir, a.shapes));
    expect(p.fusion.kernels).toBeLessThan(p.fusion.nodes);
    expect(p.nodeStatus).toHaveLength(471);
    expect(p.partitions[0]!.size).toBe(471);
  });

  it("a UINT8 Q/DQ model as ONNX Runtime's quantizer lays it out: non-zero zero points are flagged", async () => {
    const file = await uint8QdqClassifier(path.join(tmp, 'cls.uint8-qdq.onnx'));
    const a = await analyzeModel(file);
    const r = checkModel(a, trt);
    expect(r.unsupported).toBeGreaterThan(0);
    const zp = r.findings.filter((f) => f.status === 'restriction' && /zero point/.test(f.reason));
    expect(zp.length).toBeGreaterThan(10);
    expect(zp[0]!.suggestion).toMatch(/symmetric/);
    // One group per op and message: the zero points' values are per node, not part of the message.
    const groups = checkPayload(r, a.ir, predictFusions(a.ir, a.shapes)).groups.filter((g) =>
      /zero point/.test(g.reason),
    );
    expect(groups.map((g) => g.op).sort()).toEqual(['DequantizeLinear', 'QuantizeLinear']);
    expect(groups[0]!.nodes[0]!.detail).toMatch(/^zero point \d+/);
  });

  it('restrictions: runtime Conv weights, 4-D pooling, runtime axes; an old opset', async () => {
    const b = new GraphBuilder('restricted');
    const x = b.input('x', DT.float32, [1, 2, 4, 4]);
    const w = b.input('w', DT.float32, [2, 2, 1, 1]);
    const c = b.node('Conv', [x, w], { name: 'conv_dynamic_w', attrs: { kernel_shape: [1, 1] } });
    const axes = b.input('axes', DT.int64, [1]);
    const s = b.node('ReduceSum', [c, axes], { name: 'sum_dynamic_axes' });
    b.node('Relu', [s], { name: 'relu', outputs: ['y'] });
    b.output('y', DT.float32, null);
    const r = checkModel(await analyzeModel(write('restricted.onnx', b)), trt);
    const reasons = Object.fromEntries(
      r.findings.filter((f) => f.status !== 'precision').map((f) => [f.node, f.reason]),
    );
    expect(reasons.conv_dynamic_w).toMatch(/computed at run time/);
    expect(reasons.sum_dynamic_axes).toMatch(/axes .* computed at run time/);

    const p = new GraphBuilder('pool5d');
    const v = p.input('v', DT.float32, [1, 1, 4, 4, 4, 4]);
    p.node('MaxPool', [v], { name: 'pool4d', attrs: { kernel_shape: [2, 2, 2, 2] }, outputs: ['o'] });
    p.output('o', DT.float32, null);
    const r2 = checkModel(await analyzeModel(write('pool.onnx', p, 7)), trt);
    expect(r2.findings.find((f) => f.node === 'pool4d')?.reason).toMatch(/2-D and 3-D only/);
    expect(r2.findings.find((f) => f.node === '(model)')?.suggestion).toMatch(/upgrade the opset/);
  });
});

it('a custom-domain op is unsupported with a plugin as the way forward', async () => {
  const b = new GraphBuilder('custom');
  const x = b.input('x', DT.float32, [1, 4]);
  b.node('MyOp', [x], { name: 'mine', domain: 'com.example', outputs: ['y'] });
  b.output('y', DT.float32, [1, 4]);
  const file = path.join(tmp, 'custom.onnx');
  fs.writeFileSync(
    file,
    encodeModel(
      model(b.graph(), {
        opsets: [
          { domain: '', version: 13 },
          { domain: 'com.example', version: 1 },
        ],
      }),
    ),
  );
  const r = checkModel(await analyzeModel(file), 11);
  expect(r.findings[0]).toMatchObject({ node: 'mine', status: 'unsupported-op' });
  expect(r.findings[0]!.suggestion).toMatch(/plugin/);
});

describe.each([10, 11] as const)('TensorRT %i: types are what an op takes in, not what it outputs', (trt) => {
  const analyzed = async (name: string, m: Parameters<typeof encodeModel>[0]) => {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, encodeModel(m));
    return analyzeModel(file);
  };

  it('a BERT-style encoder with an attention mask (Equal, Greater, Where, IsNaN: BOOL out) passes', async () => {
    const a = await analyzed('bert-mask.onnx', transformer(3, { mask: true }));
    const ops = new Set(a.ir.nodes.map((n) => n.opType));
    for (const op of ['Equal', 'Greater', 'Where', 'IsNaN', 'Cast']) expect(ops).toContain(op);
    const r = checkModel(a, trt);
    expect(r.findings.filter((f) => f.status !== 'warning' && f.status !== 'precision')).toEqual([]);
    expect(r.unsupported).toBe(0);
  });

  it('a detector tail (Greater on float scores, NonZero on BOOL, IsInf, TopK) passes', async () => {
    const r = checkModel(await analyzed('ssdlite-tail.onnx', detectorTail(90)), trt);
    expect(r.findings.filter((f) => f.status !== 'warning' && f.status !== 'precision')).toEqual([]);
    expect(r.unsupported).toBe(0);
  });

  it('what the parser really refuses is still caught: Greater on BOOL, Sin on INT32, a Cast to INT8', async () => {
    const b = new GraphBuilder('bad_types');
    const p = b.input('p', DT.bool, [4]);
    const q = b.input('q', DT.bool, [4]);
    const i = b.input('i', DT.int32, [4]);
    const f = b.input('f', DT.float32, [4]);
    b.node('Greater', [p, q], { name: 'greater_on_bool', outputs: ['g'] });
    b.node('Sin', [i], { name: 'sin_on_int', outputs: ['s'] });
    b.node('Cast', [f], { name: 'cast_to_int8', attrs: { to: DT.int8 }, outputs: ['c'] });
    b.output('g', DT.bool, [4]);
    b.output('s', DT.int32, [4]);
    b.output('c', DT.int8, [4]);
    const r = checkModel(await analyzed('bad-types.onnx', model(b.graph(), { opset: 13 })), trt);
    const byNode = Object.fromEntries(r.findings.map((x) => [x.node, x]));
    expect(byNode.greater_on_bool).toMatchObject({ status: 'unsupported-type' });
    expect(byNode.greater_on_bool!.reason).toMatch(/Greater on BOOL/);
    expect(byNode.sin_on_int).toMatchObject({ status: 'unsupported-type' });
    expect(byNode.cast_to_int8).toMatchObject({ status: 'unsupported-type' });
    expect(byNode.cast_to_int8!.reason).toMatch(/to INT8/);
    expect(r.unsupported).toBe(3);
  });

  it('findings are grouped by op and message, with a count and the node names collapsed', async () => {
    const b = new GraphBuilder('many');
    let x = b.input('x', DT.bool, [4]);
    const y = b.input('y', DT.bool, [4]);
    for (let k = 0; k < 40; k++) {
      const g = b.node('Greater', [x, y], { name: `/blocks.${k}/Greater` });
      x = b.node('Not', [g], { name: `/blocks.${k}/Not` });
    }
    b.output(x, DT.bool, [4]);
    const a = await analyzed('many.onnx', model(b.graph(), { opset: 13 }));
    const r = checkModel(a, trt);
    expect(r.findings).toHaveLength(40);
    const p = checkPayload(r, a.ir, predictFusions(a.ir, a.shapes));
    expect(p.groups).toHaveLength(1);
    const g = p.groups[0]!;
    expect(g).toMatchObject({ op: 'Greater', status: 'unsupported-type', count: 40 });
    expect(g.reason).toMatch(/Greater on BOOL/);
    expect(g.nodes).toHaveLength(40);
    expect(g.nodes[0]).toMatchObject({ node: '/blocks.0/Greater' });
    expect(g.nodes[0]!.index).toBeGreaterThanOrEqual(0);
  });

  it('cites the operator table the file really is', async () => {
    const a = await analyzed('bert-mask-cite.onnx', transformer(1, { mask: true }));
    const r = checkModel(a, trt);
    const p = checkPayload(r, a.ir, predictFusions(a.ir, a.shapes));
    expect(p.source.branch).toBe('release/10.15-GA');
    if (trt === 11) {
      expect(p.table).toBe('11.5 (derived)');
      expect(p.tensorrt).toBe('11.5');
      expect(p.tableNote).toMatch(/derived from the TensorRT 11\.0 to 11\.5 release notes/);
    } else {
      expect(p.table).toBe('10.15');
      expect(p.tensorrt).toBe('10.15');
      expect(p.tableNote).toBe('');
    }
    // A minor release: the note says what that means, the payload carries it.
    const old = checkPayload(checkModel(a, trt, trt === 10 ? 3 : 1), a.ir, predictFusions(a.ir, a.shapes));
    expect(old.tensorrt).toBe(trt === 10 ? '10.3' : '11.1');
    expect(old.minor).toBe(trt === 10 ? 3 : 1);
    expect(old.tableNote).toMatch(/ops first parsed after it are flagged/);
  });
});
