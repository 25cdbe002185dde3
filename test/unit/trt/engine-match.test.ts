/**
 * Engine import judged against the open model: how many of the names the files mention are its
 * nodes (files from another model are said to be so, and the predicted-vs-actual comparison is not
 * made on them), which TensorRT wrote them (read when the files say; "8.x or 10.x" when the
 * Bindings schema is all there is), and each layer's compute precision (from its inputs, weights,
 * tactic and Q/DQ fusion), not the type of its output.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeModel, type ModelAnalysis } from '../../../electron/core/onnx/analyze';
import { parseLayerInfo } from '../../../electron/core/trt/engine-files/layer-info';
import { engineView } from '../../../electron/core/trt/engine-view';
import { trtexecFiles } from '../../builders/trtexec';

const CLS = path.resolve(__dirname, '../../../assets/sample/ch_ppocr_mobile_v2.0_cls_infer.onnx');
const FIXTURES = path.resolve(__dirname, '../../fixtures/trtexec');
let a: ModelAnalysis;
let nodes: { name: string; opType: string }[];
beforeAll(async () => {
  a = await analyzeModel(CLS);
  const main = a.ir.graphs[0]!;
  nodes = a.ir.nodes.slice(main.nodeStart, main.nodeEnd).map((n) => ({ name: n.name, opType: n.opType }));
});
const file = (name: string, value: unknown) => ({ name, text: JSON.stringify(value) });

describe('do the files match the open model?', () => {
  it('files made from this model match: nearly every name is one of its nodes, no warning', () => {
    const files = trtexecFiles(nodes, '11');
    const view = engineView(a, [file('layers.json', files.layers), file('profile.json', files.profile)]);
    expect(view.match.share).toBeGreaterThan(0.95);
    expect(view.match.ok).toBe(true);
    expect(view.match.warning).toBeNull();
  });

  it('files from another model are said not to be built from it, in the view and its warnings', () => {
    const other = readFileSync(path.join(FIXTURES, 'resnet-mini.trt10.layers.json'), 'utf8');
    const view = engineView(a, [{ name: 'resnet.layers.json', text: other }]);
    expect(view.match.share).not.toBeNull();
    expect(view.match.share!).toBeLessThan(0.2);
    expect(view.match.ok).toBe(false);
    expect(view.match.warning).toMatch(/do not look built from ch_ppocr_mobile_v2\.0_cls_infer\.onnx/);
    expect(view.match.warning).toMatch(/\d+ of \d+/);
    expect(view.warnings).toContain(view.match.warning);
  });

  it('a profile alone is measured by its layer names too', () => {
    const other = trtexecFiles(
      Array.from({ length: 30 }, (_, i) => ({ name: `/model.${i}/conv/Conv`, opType: 'Conv' })),
      '10',
    );
    const view = engineView(a, [file('profile.json', other.profile)]);
    expect(view.match.ok).toBe(false);
  });

  it('a times file alone has no names: nothing to measure, and nothing claimed', () => {
    const files = trtexecFiles(nodes, '10');
    const view = engineView(a, [file('times.json', files.times)]);
    expect(view.match).toEqual({ share: null, ok: true, warning: null });
  });
});

describe('which TensorRT wrote the files', () => {
  it('the Bindings schema does not say: "8.x or 10.x"', () => {
    const view = engineView(a, [file('layers.json', trtexecFiles(nodes, '10').layers)]);
    expect(view.schema).toBe('10');
    expect(view.tensorrt).toBe('8.x or 10.x');
  });

  it('I/O Tensors are 11.x', () => {
    const view = engineView(a, [file('layers.json', trtexecFiles(nodes, '11').layers)]);
    expect(view.tensorrt).toBe('11.x');
  });

  it('a version the file carries is read', () => {
    const layers = { ...(trtexecFiles(nodes, '10').layers as object), 'TensorRT version': '8.6.1' };
    expect(engineView(a, [file('layers.json', layers)]).tensorrt).toBe('8.6.1');
  });

  it('types only 10.x has (INT4) narrow the Bindings schema to 10.x', () => {
    const info = parseLayerInfo(
      {
        Layers: [
          {
            Name: 'gemm',
            LayerType: 'CaskGemmMatrixMultiply',
            Inputs: [{ Name: 'x', 'Format/Datatype': 'Row major linear FP16 format' }],
            Outputs: [{ Name: 'y', 'Format/Datatype': 'Row major linear FP16 format' }],
            Weights: { Type: 'Int4', Count: 64 },
          },
        ],
        Bindings: ['x', 'y'],
      },
      'int4.json',
    );
    expect(info.tensorrt).toBe('10.x');
  });
});

describe("a layer's precision is what it computes in", () => {
  const layer = (fields: Record<string, unknown>) =>
    parseLayerInfo({ Layers: [{ LayerType: 'CaskConvolution', ...fields }], Bindings: [] }, 'l.json').layers[0]!;
  const fmt = (t: string) => [{ Name: 't', 'Format/Datatype': t }];

  it('an INT8 convolution with an FP32 output reads INT8 (inputs and weights are Int8)', () => {
    const l = layer({
      Name: 'conv1.weight + QuantizeLinear_7 + Conv_9',
      Inputs: fmt('Four wide channel vectorized row major Int8 format'),
      Outputs: fmt('Row major linear FP32'),
      Weights: { Type: 'Int8', Count: 9408 },
      TacticName: 'sm80_xmma_fprop_implicit_gemm_interleaved_i8f32_i8i32_f32_nchw_vect_c_32kcrs_vect_c_32_nchw',
    });
    expect(l.precision).toBe('INT8');
    expect(l.precisionFrom).toBe('inputs');
  });

  it('Q/DQ fused into the layer means INT8 even when the file gives no types (dynamic shapes)', () => {
    const l = layer({
      Name: 'conv1.weight + QuantizeLinear_7 + Conv_9',
      Inputs: fmt('N/A due to dynamic shapes'),
      Outputs: fmt('N/A due to dynamic shapes'),
    });
    expect(l.precision).toBe('INT8');
    expect(l.precisionFrom).toBe('name');
  });

  it('the tactic tells FP16 from FP32 when the types do not', () => {
    const h884 = layer({
      Name: 'Conv_0',
      Outputs: fmt('Row major linear FP32'),
      TacticName: 'volta_h884cudnn_256x64_ldg8_relu_exp_small_nhwc_tn_v1',
    });
    expect(h884.precision).toBe('FP16');
    expect(h884.precisionFrom).toBe('tactic');
    const f16 = layer({ Name: 'Conv_1', TacticName: 'sm80_xmma_fprop_implicit_gemm_f16f16_f16f32_f32_nhwckrsc_nhwc' });
    expect(f16.precision).toBe('FP16');
    const hex = layer({
      Name: 'kgen',
      Inputs: fmt('Float'),
      TacticName: '__myl_MulAdd_0x5c1ae1d8f6e5e3f16a2b3c4d5e6f70812',
    });
    expect(hex.precision).toBe('FP32'); // "f16" inside a hash is not a precision
  });

  it('TF32 is told apart from FP32: tensor-core tf32 tactics of an FP32 build against true FP32 kernels', () => {
    // Tactics as a TensorRT 10 FP32 build of YOLO26n on an sm86 GPU wrote them (IEngineInspector JSON).
    const tf32 = layer({
      Name: '/model.0/conv/Conv',
      Inputs: fmt('Float'),
      Weights: { Type: 'Float', Count: 432 },
      TacticName:
        'sm80_xmma_fprop_implicit_gemm_indexed_wo_smem_f32f32_tf32f32_f32_nhwckrsc_nhwc_tilesize128x16x32_stage1_warpsize4x1x1_g1_tensor16x8x8_aligna4_alignc4',
    });
    expect(tf32).toMatchObject({ precision: 'TF32', precisionFrom: 'tactic' });
    const ffma = layer({
      Name: '/model.6/m.0/cv2/conv/Conv || /model.6/m.0/cv1/conv/Conv',
      Inputs: fmt('Float'),
      TacticName:
        'sm80_xmma_fprop_implicit_gemm_f32f32_f32f32_f32_nchwkcrs_nchw_tilesize64x64x8_stage3_warpsize1x4x1_g1_ffma_t1r1s1_aligna4_alignc4',
    });
    expect(ffma.precision).toBe('FP32');
    // A cuDNN single-precision Winograd kernel names no type: the Float weights say FP32.
    const winograd = layer({
      Name: '/model.6/m.0/m/m.0/cv1/conv/Conv',
      Inputs: fmt('Float'),
      Weights: { Type: 'Float', Count: 9216 },
      TacticName: 'ampere_scudnn_winograd_128x128_ldg1_ldg4_relu_tile148t_nt_v1',
    });
    expect(winograd).toMatchObject({ precision: 'FP32', precisionFrom: 'weights' });
  });

  it('weights give it when nothing else does; the output type is the last resort', () => {
    expect(
      layer({ Name: 'a', Weights: { Type: 'Half', Count: 4 }, Outputs: fmt('Row major linear FP32') }).precision,
    ).toBe('FP16');
    const out = layer({ Name: 'b', Outputs: fmt('Row major linear FP32') });
    expect(out.precision).toBe('FP32');
    expect(out.precisionFrom).toBe('output');
  });

  it('the engine view carries the precision and where it was read', () => {
    const view = engineView(a, [
      file('layers.json', {
        Layers: [
          {
            Name: nodes.find((n) => n.opType === 'Conv')!.name,
            LayerType: 'CaskConvolution',
            Inputs: fmt('Thirty-two wide channel vectorized row major Int8 format'),
            Outputs: fmt('Row major linear FP32'),
          },
        ],
        Bindings: [],
      }),
    ]);
    expect(view.layers[0]).toMatchObject({ precision: 'INT8', precisionFrom: 'inputs' });
  });
});
