/**
 * trtexec exports for a real ONNX model, written from the documented formats (TensorRT reference:
 * IEngineInspector JSON / --exportLayerInfo with 10.x `Bindings` + `Format/Datatype` or 11.x
 * `I/O Tensors` + `Format` and `DataType`; --exportProfile; --exportTimes). Layers are made the way
 * TensorRT names them: Conv fused with BatchNormalization and an activation ("A + B + C"), pointwise
 * chains as PWN(...), the tail as one Myelin "{ForeignNode[first...last]}", reformats where the
 * precision changes, and on request a few layers that name their nodes only in Metadata and one
 * layer named after nothing in the model. One writer (trtexecBuild) makes every export, FP32 or
 * FP16; trtexecFiles is its FP16 build with those awkward layers in.
 */
export interface OnnxNodeLike {
  name: string;
  opType: string;
}

export interface TrtexecFiles {
  layers: unknown;
  profile: unknown;
  times: unknown;
  /** For assertions: the ONNX node names each layer was made from (a reformat: its layer's; the ghost: []). */
  expected: { name: string; nodes: string[] }[];
}

const POINTWISE = new Set(['Add', 'Mul', 'Div', 'Sub', 'Clip', 'Relu', 'HardSigmoid', 'Sigmoid', 'HardSwish', 'Tanh']);
const ACT = new Set(['Relu', 'Clip', 'HardSwish', 'HardSigmoid', 'Sigmoid', 'LeakyRelu']);

/**
 * The files of one FP16 engine of `nodes` with the parts an importer must cope with: layers known
 * only by a Myelin-style internal name (their nodes named in Metadata) and a layer named after
 * nothing in the model. `foreignTail`: nodes in the Myelin tail (6 unless given).
 */
export function trtexecFiles(
  nodes: OnnxNodeLike[],
  schema: '10' | '11',
  opts: { foreignTail?: number } = {},
): TrtexecFiles {
  return trtexecBuild(nodes, {
    precision: 'fp16',
    schema,
    foreignTail: opts.foreignTail ?? 6,
    metadataNames: true,
    ghost: true,
  });
}

/**
 * An FP32 and an FP16 build of one network, as trtexec exports them (--exportLayerInfo with
 * --profilingVerbosity=detailed, --exportProfile, --exportTimes): the same ONNX nodes fused
 * differently (the FP16 build also folds the pointwise chain after a convolution into it, and its
 * Myelin tail takes in more nodes), tf32 tactics against f16 ones, FP16 formats, reformats at the
 * input and output, and times an FP16 build would give. `fp32Nodes`: layers over these nodes run in
 * FP32 inside an FP16 build (a strongly typed build, or a layer TensorRT kept), with the reformats
 * that convert to and from FP16 around them.
 */
export interface BuildOptions {
  precision: 'fp32' | 'fp16';
  schema?: '10' | '11';
  fp32Nodes?: readonly string[];
  /** Multiplies every time (another GPU, another run). */
  speed?: number;
  /** Nodes in the Myelin tail (default: 10 in FP16 builds, whose tail takes in more; 6 in FP32). */
  foreignTail?: number;
  /** Every fifth single layer is known by a Myelin-style internal name and names its node only in Metadata. */
  metadataNames?: boolean;
  /** Ends with a layer named after nothing in the model (files from another model mixed in). */
  ghost?: boolean;
  /**
   * FP32 convolutions run TF32 tensor-core tactics, as TensorRT allows by default (true); false is a
   * build with --noTF32, whose FP32 convolutions run true FP32 (ffma) kernels.
   */
  tf32?: boolean;
}

const SINGLE_TYPE: Record<string, string> = {
  GlobalAveragePool: 'CaskPooling',
  MaxPool: 'CaskPooling',
  MatMul: 'CaskGemmMatrixMultiply',
  Gemm: 'CaskGemmMatrixMultiply',
  Softmax: 'CaskSoftMaxV2',
};

const TACTIC = {
  fp32: 'sm86_xmma_fprop_implicit_gemm_tf32f32_tf32f32_f32_nhwckrsc_nchw_tilesize128x64x16_stage4_warpsize2x2x1_g1_tensor16x8x8',
  fp16: 'sm86_xmma_fprop_implicit_gemm_f16f16_f16f16_f16_nhwckrsc_nhwc_tilesize64x32x64_stage5_warpsize2x1x2_g1_tensor16x8x16',
  noTf32:
    'sm80_xmma_fprop_implicit_gemm_f32f32_f32f32_f32_nchwkcrs_nchw_tilesize64x64x8_stage3_warpsize1x4x1_g1_ffma_t1r1s1_aligna4_alignc4',
};

export function trtexecBuild(nodes: OnnxNodeLike[], opts: BuildOptions): TrtexecFiles {
  const half = opts.precision === 'fp16';
  const schema = opts.schema ?? '10';
  const speed = opts.speed ?? 1;
  const fp32 = new Set(opts.fp32Nodes ?? []);
  const compute = nodes.filter((n) => n.opType !== 'Constant');
  const tail = Math.min(opts.foreignTail ?? (half ? 10 : 6), compute.length);
  const body = compute.slice(0, compute.length - tail);
  const groups: { kind: 'conv' | 'pwn' | 'single' | 'foreign'; nodes: OnnxNodeLike[] }[] = [];
  const takePointwise = (from: number, max: number) => {
    let j = from;
    while (j < body.length && POINTWISE.has(body[j]!.opType) && j - from < max) j++;
    return j;
  };
  for (let i = 0; i < body.length;) {
    const n = body[i]!;
    if (n.opType === 'Conv') {
      let j = i + 1;
      if (body[j]?.opType === 'BatchNormalization') j++;
      if (body[j] && ACT.has(body[j]!.opType)) j++;
      // FP16 builds here also fold the pointwise chain after the convolution into it.
      if (half && !fp32.has(n.name)) j = takePointwise(j, 4);
      groups.push({ kind: 'conv', nodes: body.slice(i, j) });
      i = j;
    } else if (POINTWISE.has(n.opType)) {
      const j = takePointwise(i, 4);
      groups.push({ kind: j - i > 1 ? 'pwn' : 'single', nodes: body.slice(i, j) });
      i = j;
    } else groups.push({ kind: 'single', nodes: [body[i++]!] });
  }
  if (tail > 0) groups.push({ kind: 'foreign', nodes: compute.slice(compute.length - tail) });

  const fmt = (dtype: 'FP32' | 'FP16') =>
    schema === '10'
      ? {
          'Format/Datatype':
            dtype === 'FP16' ? 'Channel major FP16 format where channel % 8 == 0' : 'Row major linear FP32',
        }
      : dtype === 'FP16'
        ? { Format: 'Channel major FP16 format where channel % 8 == 0 (kHWC8)', DataType: 'Half' }
        : { Format: 'Row major linear FP32 format (kLINEAR)', DataType: 'Float' };
  const tensor = (name: string, dtype: 'FP32' | 'FP16') => ({
    Name: name,
    Location: 'Device',
    Dimensions: [1, 16, 24, 96],
    ...fmt(dtype),
  });

  const layers: Record<string, unknown>[] = [];
  const times: number[] = [];
  const expected: TrtexecFiles['expected'] = [];
  let current: 'FP32' | 'FP16' = 'FP32'; // the network input is FP32
  let tensorName = 'x';
  const reformat = (to: 'FP32' | 'FP16', direction: 'Input' | 'Output', target: string, nodes: string[]) => {
    const name = `Reformatting CopyNode for ${direction} Tensor 0 to ${target}`;
    const out = `Reformatted ${direction} Tensor 0 to ${target}`;
    layers.push({
      Name: name,
      LayerType: 'Reformat',
      Inputs: [tensor(tensorName, current)],
      Outputs: [tensor(out, to)],
      ParameterType: 'Reformat',
      Origin: 'REFORMAT',
      TacticValue: '0x00000000000003e8',
      StreamId: 0,
      Metadata: '',
    });
    times.push(0.0031 * speed);
    expected.push({ name, nodes });
    current = to;
    tensorName = out;
  };
  groups.forEach((g, k) => {
    const names = g.nodes.map((n) => n.name);
    const dtype: 'FP32' | 'FP16' = half && !names.some((n) => fp32.has(n)) ? 'FP16' : 'FP32';
    let name: string;
    if (g.kind === 'foreign') name = `{ForeignNode[${names[0]}...${names[names.length - 1]}]}`;
    else if (g.kind === 'pwn') name = names.slice(1).reduce((acc, n) => `PWN(${acc}, ${n})`, `PWN(${names[0]})`);
    else if (g.kind === 'conv') {
      const pw = g.nodes.findIndex((n, i) => i > 0 && POINTWISE.has(n.opType) && !ACT.has(g.nodes[i - 1]!.opType));
      const head = pw > 0 && half ? names.slice(0, pw) : names;
      const rest = pw > 0 && half ? names.slice(pw) : [];
      name =
        head.join(' + ') +
        (rest.length ? ` + ${rest.slice(1).reduce((acc, n) => `PWN(${acc}, ${n})`, `PWN(${rest[0]})`)}` : '');
    } else name = names.join(' + ');
    const metadataOnly = opts.metadataNames === true && g.kind === 'single' && k % 5 === 4;
    if (metadataOnly) name = `__myl_Layer_${k}`;
    if (dtype !== current) reformat(dtype, 'Input', name, names);
    const type =
      g.kind === 'conv'
        ? 'CaskConvolution'
        : g.kind === 'pwn'
          ? 'PointWise'
          : g.kind === 'foreign'
            ? 'Myelin'
            : (SINGLE_TYPE[g.nodes[0]!.opType] ?? (POINTWISE.has(g.nodes[0]!.opType) ? 'PointWise' : 'Shuffle'));
    const out = `${names[names.length - 1]}_output_0`;
    layers.push({
      Name: name,
      LayerType: type,
      Inputs: [tensor(tensorName, dtype)],
      Outputs: [tensor(out, dtype)],
      ParameterType: type === 'CaskConvolution' ? 'Convolution' : type,
      ...(g.kind === 'conv'
        ? { Weights: { Type: dtype === 'FP16' ? 'Half' : 'Float', Count: 144 }, Activation: 'RELU' }
        : {}),
      TacticName: g.kind === 'conv' ? TACTIC[dtype === 'FP16' ? 'fp16' : opts.tf32 === false ? 'noTf32' : 'fp32'] : '',
      TacticValue: `0x${((dtype === 'FP16' ? 0x2000 : 0x1000) + k).toString(16).padStart(16, '0')}`,
      StreamId: 0,
      Metadata: names.map((n) => `[ONNX Layer: ${n}]`).join('\u001f'),
    });
    // FP32 time by kind and size; FP16 runs convolutions in about half of it.
    const base =
      g.kind === 'conv'
        ? 0.011 + 0.003 * ((k * 7) % 5)
        : g.kind === 'foreign'
          ? 0.024
          : 0.0042 + 0.0006 * ((k * 3) % 4);
    times.push(base * speed * (dtype === 'FP16' ? (g.kind === 'conv' ? 0.52 : 0.71) : 1));
    expected.push({ name, nodes: names });
    current = dtype;
    tensorName = out;
  });
  // The output reformat is named after the layer it follows, and maps to that layer's nodes.
  const last = expected[expected.length - 1];
  if (current !== 'FP32' && last) reformat('FP32', 'Output', last.name, last.nodes);
  if (opts.ghost) {
    const ghost = 'ghost_layer_from_another_model';
    layers.push({
      Name: ghost,
      LayerType: 'Shuffle',
      Inputs: [],
      Outputs: [],
      TacticValue: '0x0000000000000000',
      Metadata: '',
    });
    times.push(0.0042 * speed);
    expected.push({ name: ghost, nodes: [] });
  }

  const io =
    schema === '10'
      ? { Bindings: ['x', 'save_infer_model/scale_0.tmp_1'] }
      : {
          'I/O Tensors': [
            { Name: 'x', IOMode: 'Input', DataType: 'Float', Dimensions: [1, 3, 48, 192], Location: 'Device' },
            { Name: 'save_infer_model/scale_0.tmp_1', IOMode: 'Output', DataType: 'Float', Dimensions: [1, 2] },
          ],
        };
  const count = 200;
  const total = times.reduce((a, b) => a + b, 0);
  const profile = [
    { count },
    ...layers.map((l, i) => ({
      name: l.Name,
      timeMs: Number((times[i]! * count).toFixed(4)),
      averageMs: Number(times[i]!.toFixed(6)),
      medianMs: Number(times[i]!.toFixed(6)),
      percentage: Number(((100 * times[i]!) / total).toFixed(4)),
    })),
  ];
  const runs = Array.from({ length: 16 }, (_, i) => {
    const start = 5 + i * (total + 0.2);
    const gpu = total + (i % 3) * 0.002;
    return {
      startEnqMs: start - 0.03,
      endEnqMs: start - 0.01,
      startH2dMs: start,
      endH2dMs: start + 0.02,
      startComputeMs: start + 0.02,
      endComputeMs: start + 0.02 + gpu,
      startD2hMs: start + 0.02 + gpu,
      endD2hMs: start + 0.025 + gpu,
      h2dMs: 0.02,
      computeMs: gpu,
      d2hMs: 0.005,
      latencyMs: 0.025 + gpu,
    };
  });
  return { layers: { Layers: layers, ...io }, profile, times: runs, expected };
}
