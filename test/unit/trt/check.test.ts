/** TensorRT readiness against the parser's operator tables, on real and built models. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeModel } from '../../../electron/core/onnx/analyze';
import { encodeModel } from '../../../electron/core/onnx/encode';
import { checkModel, checkPayload } from '../../../electron/core/trt/check';
import { predictFusions } from '../../../electron/core/trt/fusion';
import { DT, GraphBuilder, model, randomFloats, seeded } from '../../builders/graph';
import { uint8QdqClassifier } from '../../builders/qdq';
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
  it('a dynamically quantized model is flagged, with a way forward to Q/DQ', async () => {
    const r = checkModel(await analyzeModel(dynamicQuantized()), trt);
    const byNode = Object.fromEntries(r.findings.map((f) => [f.node, f]));
    expect(byNode.conv_quant).toMatchObject({ op: 'ConvInteger', status: 'unsupported-op' });
    expect(byNode.conv_quant!.suggestion).toMatch(/Q\/DQ/);
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
    expect(r.findings.filter((f) => f.status !== 'warning')).toEqual([]);
    expect(r.unsupported).toBe(0);
    const p = checkPayload(r, a.ir, predictFusions(a.ir, a.shapes));
    expect(p.fusion.kernels).toBeLessThan(p.fusion.nodes);
    expect(p.nodeStatus).toHaveLength(471);
    expect(p.partitions[0]!.size).toBe(471);
  });

  it("a UINT8 Q/DQ model as ONNX Runtime's quantizer lays it out: non-zero zero points are flagged", async () => {
    const file = await uint8QdqClassifier(path.join(tmp, 'cls.uint8-qdq.onnx'));
    const r = checkModel(await analyzeModel(file), trt);
    expect(r.unsupported).toBeGreaterThan(0);
    const zp = r.findings.filter((f) => f.status === 'restriction' && /zero point/.test(f.reason));
    expect(zp.length).toBeGreaterThan(10);
    expect(zp[0]!.suggestion).toMatch(/symmetric/);
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
    const reasons = Object.fromEntries(r.findings.map((f) => [f.node, f.reason]));
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
