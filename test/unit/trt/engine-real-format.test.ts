/**
 * Layer files as TensorRT 10's engine inspector writes them for a real detector. The shapes here were
 * read off an FP32 and an FP16 build of YOLO26n (316 and 221 layers; not committed: a third party's
 * files): "Reformatting CopyNode" NoOp layers, Concat done as "… copy" Reformat layers (Origin
 * CONCAT), a Split as a Reformat (Origin SLICE), two convolutions run side by side ("A || B"),
 * Myelin's kgen / gemm / shape_call layers whose Metadata mixes \u001e and \u001f and splits one
 * Softmax over two kernels, and the FP32 build's TF32 tactics. The layers below are written in that
 * form, small, over a model with the same node names.
 */
import { describe, expect, it } from 'vitest';
import { analyzeModelBytes, type ModelAnalysis } from '../../../electron/core/onnx/analyze';
import { encodeModel } from '../../../electron/core/onnx/encode';
import { engineDiff } from '../../../electron/core/trt/engine-diff/diff';
import { engineView } from '../../../electron/core/trt/engine-view';
import { DT, GraphBuilder, model } from '../../builders/graph';

const NODES: [string, string][] = [
  ['/model.0/conv/Conv', 'Conv'],
  ['/model.0/act/Sigmoid', 'Sigmoid'],
  ['/model.0/act/Mul', 'Mul'],
  ['/model.2/Split', 'Split'],
  ['/model.2/m.0/cv1/conv/Conv', 'Conv'],
  ['/model.2/m.0/cv2/conv/Conv', 'Conv'],
  ['/model.2/Concat', 'Concat'],
  ['/model.10/attn/MatMul', 'MatMul'],
  ['/model.10/attn/Mul', 'Mul'],
  ['/model.10/attn/Softmax', 'Softmax'],
  ['/model.10/attn/Transpose_1', 'Transpose'],
  ['/model.10/attn/MatMul_1', 'MatMul'],
  ['/model.23/Constant', 'Constant'],
  ['/model.23/TopK', 'TopK'],
];

/** The node names in a chain (their wiring does not matter to the mapping). */
function yoloNames(): ModelAnalysis {
  const b = new GraphBuilder();
  let x = b.input('images', DT.float32, [1, 3, 64, 64]);
  for (const [name, op] of NODES) x = b.node(op, [x], { name });
  b.output(x, DT.float32, null);
  return analyzeModelBytes(encodeModel(model(b.graph())), '/tmp/yolo.onnx', 'yolo.onnx');
}

const t = (name: string, dtype: string) => ({
  Name: name,
  Location: 'Device',
  Dimensions: [1, 16, 8, 8],
  'Format/Datatype': dtype,
});
const meta = (names: string[], sep = '\u001e') => names.map((n) => `[ONNX Layer: ${n}]`).join(sep);
const layer = (
  Name: string,
  LayerType: string,
  fields: { in?: string | null; out?: string | string[]; tactic?: string; origin?: string; metadata?: string } = {},
) => ({
  Name,
  LayerType,
  Inputs: fields.in === null ? [] : [t('x', fields.in ?? 'Half')],
  Outputs: [fields.out ?? 'Half'].flat().map((d, i) => t(`y${i}`, d)),
  ...(fields.origin ? { ParameterType: 'Reformat', Origin: fields.origin } : {}),
  ...(fields.tactic ? { TacticName: fields.tactic } : {}),
  TacticValue: '0x0000000000000000',
  StreamId: 0,
  Metadata: fields.metadata ?? '',
});

const F16 =
  'sm80_xmma_fprop_implicit_gemm_f16f16_f16f16_f16_nhwckrsc_nhwc_tilesize128x32x32_stage4_warpsize4x1x1_g1_tensor16x8x16';
const TF32 =
  'sm80_xmma_fprop_implicit_gemm_indexed_wo_smem_f32f32_tf32f32_f32_nhwckrsc_nhwc_tilesize128x16x32_stage1_warpsize4x1x1_g1_tensor16x8x8';

const fp16Layers = [
  layer('Reformatting CopyNode for Input Tensor 0 to /model.0/conv/Conv', 'Reformat', {
    in: 'Float',
    origin: 'REFORMAT',
  }),
  layer('/model.0/conv/Conv + PWN(PWN(/model.0/act/Sigmoid), PWN(/model.0/act/Mul))', 'CaskConvolution', {
    tactic: F16,
    metadata: meta(['/model.0/conv/Conv', '/model.0/act/Sigmoid', '/model.0/act/Mul']),
  }),
  layer('/model.2/Split_1', 'Reformat', { origin: 'SLICE', metadata: meta(['/model.2/Split']) }),
  layer('Reformatting CopyNode for Input Tensor 0 to /model.2/m.0/cv1/conv/Conv || /model.2/m.0/cv2/conv/Conv', 'NoOp'),
  layer('/model.2/m.0/cv1/conv/Conv || /model.2/m.0/cv2/conv/Conv', 'CaskGemmConvolution', {
    tactic: F16,
    metadata: meta(['/model.2/m.0/cv2/conv/Conv', '/model.2/m.0/cv1/conv/Conv']),
  }),
  layer('/model.2/Split_output_0 copy', 'Reformat', { origin: 'CONCAT', metadata: meta(['/model.2/Concat']) }),
  layer('/model.2/m.0/cv1/conv/Conv_output_0 copy', 'Reformat', {
    origin: 'CONCAT',
    metadata: meta(['/model.2/Concat']),
  }),
  layer('dummy_shape_call__mye4273_0_myl87_0', 'shape_call', { in: null, out: [] }),
  layer('/model_10/attn/MatMul_myl87_1', 'gemm', { metadata: meta(['/model.10/attn/MatMul']) }),
  layer('__myl_MulMaxSubExpSum_myl87_2', 'kgen', {
    out: ['Half', 'Half'],
    metadata: meta(['/model.10/attn/Mul', '/model.10/attn/Softmax'], '\u001f'),
  }),
  layer('__myl_DivMulTra_myl87_3', 'kgen', {
    metadata: meta(['/model.10/attn/Softmax', '/model.10/attn/Transpose_1'], '\u001f'),
  }),
  layer('/model_10/attn/MatMul_1_myl87_4', 'gemm', { metadata: meta(['/model.10/attn/MatMul_1']) }),
  layer('__myl_Top_myl203_1', 'kgen', { out: ['Half', 'Int32'], metadata: meta(['/model.23/TopK']) }),
];

/** The FP32 build: SiLU not folded into the convolution, TF32 tactics, the Split folded into its readers. */
const fp32Layers = [
  layer('/model.0/conv/Conv', 'CaskConvolution', {
    in: 'Float',
    out: 'Float',
    tactic: TF32,
    metadata: meta(['/model.0/conv/Conv']),
  }),
  layer('PWN(PWN(/model.0/act/Sigmoid), PWN(/model.0/act/Mul))', 'PointWiseV2', {
    in: 'Float',
    out: 'Float',
    metadata: meta(['/model.0/act/Sigmoid', '/model.0/act/Mul']),
  }),
  layer('/model.2/m.0/cv2/conv/Conv || /model.2/m.0/cv1/conv/Conv', 'CaskConvolution', {
    in: 'Float',
    out: 'Float',
    tactic: TF32,
    metadata: meta(['/model.2/m.0/cv2/conv/Conv', '/model.2/m.0/cv1/conv/Conv']),
  }),
  layer('/model.2/Split_output_0 copy', 'Reformat', {
    in: 'Float',
    out: 'Float',
    origin: 'CONCAT',
    metadata: meta(['/model.2/Concat']),
  }),
  layer('dummy_shape_call__mye4273_0_myl109_0', 'shape_call', { in: null, out: [] }),
  layer('__myl_MatMulMulMaxSubExpSumDivMulTraMatMul_myl109_1', 'kgen', {
    in: 'Float',
    out: 'Float',
    metadata: meta(
      [
        '/model.10/attn/MatMul',
        '/model.10/attn/Mul',
        '/model.10/attn/Softmax',
        '/model.10/attn/Transpose_1',
        '/model.10/attn/MatMul_1',
      ],
      '\u001f',
    ),
  }),
  layer('__myl_Top_myl296_1', 'kgen', { in: 'Float', out: ['Float', 'Int32'], metadata: meta(['/model.23/TopK']) }),
];

const file = (layers: unknown[]) => [
  { name: 'best.engine.layers.json', text: JSON.stringify({ Layers: layers, Bindings: ['images', 'output0'] }) },
];

describe('layer files in the form TensorRT 10 writes them for a YOLO detector', () => {
  const a = yoloNames();
  const id = (name: string) => NODES.findIndex(([n]) => n === name);

  it('maps every layer the way it ran: fused convolutions, side-by-side convolutions, Concat copies, Myelin kernels', () => {
    const v = engineView(a, file(fp16Layers));
    expect(v.match.ok).toBe(true);
    expect(v.match.share).toBe(1);
    const nodes = (i: number) => v.layers[i]!.nodes.map((n) => NODES[n]![0]);
    expect(nodes(1)).toEqual(['/model.0/conv/Conv', '/model.0/act/Sigmoid', '/model.0/act/Mul']);
    expect(nodes(4)).toEqual(['/model.2/m.0/cv1/conv/Conv', '/model.2/m.0/cv2/conv/Conv']);
    // Concat as copies: kernels of the Concat node, not inserted format conversions.
    expect([nodes(5), nodes(6)]).toEqual([['/model.2/Concat'], ['/model.2/Concat']]);
    expect([v.layers[5]!.isReformat, v.layers[6]!.isReformat]).toEqual([false, false]);
    // The reformats TensorRT inserted: the input's Float → Half, and the NoOp copy node.
    expect(v.layers.filter((l) => l.isReformat).map((l) => l.index)).toEqual([0, 3]);
    expect(v.kernels).toBe(fp16Layers.length - 2);
    // One Softmax computed by two Myelin kernels: both cover it.
    expect(nodes(9)).toEqual(['/model.10/attn/Mul', '/model.10/attn/Softmax']);
    expect(nodes(10)).toEqual(['/model.10/attn/Softmax', '/model.10/attn/Transpose_1']);
    // The shape_call names nothing: a layer of no node, listed (never dropped).
    expect(v.layers[7]!.nodes).toEqual([]);
    // The folded Constant is the one node no layer covers.
    expect(v.uncovered).toEqual([id('/model.23/Constant')]);
    expect(v.layers.filter((l) => !l.isReformat && l.nodes.length > 0).map((l) => l.precision)).toEqual(
      Array(10).fill('FP16'),
    );
  });

  it('an FP32 and an FP16 build diff group by group: fusion, TF32 against FP16, a Split one build folded away', () => {
    const d = engineDiff([
      { files: ['best.engine.layers.json'], view: engineView(a, file(fp32Layers)) },
      { files: ['best_fp16.engine.layers.json'], view: engineView(a, file(fp16Layers)) },
    ]);
    const group = (name: string) => d.groups.find((g) => g.nodes.includes(id(name)))!;
    const silu = group('/model.0/conv/Conv');
    expect(silu.engines.map((e) => e.layers.length)).toEqual([2, 1]);
    expect(silu.engines.map((e) => e.precision)).toEqual(['FP32+TF32', 'FP16']);
    expect(silu.fusionDiffers).toBe(true);
    const side = group('/model.2/m.0/cv1/conv/Conv');
    expect(side.engines.map((e) => e.precision)).toEqual(['TF32', 'FP16']);
    expect(side.fusionDiffers).toBe(false);
    // The attention: one Myelin kernel in FP32, four in FP16, over the same five nodes.
    const attn = group('/model.10/attn/Softmax');
    expect(attn.nodes.map((n) => NODES[n]![0])).toEqual([
      '/model.10/attn/MatMul',
      '/model.10/attn/Mul',
      '/model.10/attn/Softmax',
      '/model.10/attn/Transpose_1',
      '/model.10/attn/MatMul_1',
    ]);
    expect(attn.engines.map((e) => e.layers.length)).toEqual([1, 4]);
    const split = group('/model.2/Split');
    expect(split.engines.map((e) => e.layers.length)).toEqual([0, 1]);
    // No profiles: no time is claimed anywhere, and the layers are still counted by type.
    expect(d.imports.map((i) => i.totalMs)).toEqual([null, null]);
    for (const row of d.byType) expect(row.ms).toEqual([null, null]);
    expect(d.byType.find((r) => r.type === 'PointWiseV2')!.layers).toEqual([1, 0]);
    expect(d.imports.map((i) => i.unmapped.map((u) => u.type))).toEqual([['shape_call'], ['shape_call']]);
    // The FP32 build's audit: its TF32 convolutions, each said once.
    const audit = engineView(a, file(fp32Layers)).audit;
    expect(audit.items.map((i) => [i.name, i.kind])).toEqual([
      ['/model.0/conv/Conv', 'tf32-in-fp32-engine'],
      ['/model.2/m.0/cv1/conv/Conv', 'tf32-in-fp32-engine'],
      ['/model.2/m.0/cv2/conv/Conv', 'tf32-in-fp32-engine'],
    ]);
  });
});
