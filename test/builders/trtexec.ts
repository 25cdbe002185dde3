/**
 * trtexec exports for a real ONNX model, written from the documented formats (TensorRT reference:
 * IEngineInspector JSON / --exportLayerInfo with 10.x `Bindings` + `Format/Datatype` or 11.x
 * `I/O Tensors` + `Format` and `DataType`; --exportProfile; --exportTimes). Layers are made the way
 * TensorRT names them: Conv fused with BatchNormalization and an activation ("A + B + C"), pointwise
 * chains as PWN(...), the tail as one Myelin "{ForeignNode[first...last]}", a reformat in front, a
 * few layers that name their nodes only in Metadata, and one layer named after nothing in the model.
 */
export interface OnnxNodeLike {
  name: string;
  opType: string;
}

export interface TrtexecFiles {
  layers: unknown;
  profile: unknown;
  times: unknown;
  /** For assertions: the ONNX node names each layer was made from (reformat: []). */
  expected: { name: string; nodes: string[] }[];
}

const POINTWISE = new Set(['Add', 'Mul', 'Div', 'Sub', 'Clip', 'Relu', 'HardSigmoid', 'Sigmoid', 'HardSwish', 'Tanh']);
const ACT = new Set(['Relu', 'Clip', 'HardSwish', 'HardSigmoid', 'Sigmoid', 'LeakyRelu']);

export function trtexecFiles(
  nodes: OnnxNodeLike[],
  schema: '10' | '11',
  opts: { foreignTail?: number } = {},
): TrtexecFiles {
  const compute = nodes.filter((n) => n.opType !== 'Constant');
  const groups: { kind: string; nodes: OnnxNodeLike[] }[] = [];
  const tail = Math.min(opts.foreignTail ?? 6, compute.length);
  const body = compute.slice(0, compute.length - tail);
  for (let i = 0; i < body.length;) {
    const n = body[i]!;
    if (n.opType === 'Conv') {
      const g = [n];
      let j = i + 1;
      if (body[j]?.opType === 'BatchNormalization') g.push(body[j++]!);
      if (body[j] && ACT.has(body[j]!.opType)) g.push(body[j++]!);
      groups.push({ kind: 'conv', nodes: g });
      i = j;
    } else if (POINTWISE.has(n.opType)) {
      const g = [n];
      let j = i + 1;
      while (j < body.length && POINTWISE.has(body[j]!.opType) && g.length < 4) g.push(body[j++]!);
      groups.push({ kind: g.length > 1 ? 'pwn' : 'single', nodes: g });
      i = j;
    } else {
      groups.push({ kind: 'single', nodes: [n] });
      i++;
    }
  }
  if (tail > 0) groups.push({ kind: 'foreign', nodes: compute.slice(compute.length - tail) });

  const fmt = (half: boolean) =>
    schema === '10'
      ? { 'Format/Datatype': half ? 'Channel major FP16 format where channel % 8 == 0' : 'Row major linear FP32' }
      : half
        ? { Format: 'Channel major FP16 format where channel % 8 == 0 (kHWC8)', DataType: 'Half' }
        : { Format: 'Row major linear FP32 format (kLINEAR)', DataType: 'Float' };

  const named = groups.map((g, k) => {
    const names = g.nodes.map((n) => n.name);
    let name: string;
    if (g.kind === 'pwn') name = names.slice(1).reduce((acc, n) => `PWN(${acc}, ${n})`, names[0]!);
    else if (g.kind === 'foreign') name = `{ForeignNode[${names[0]}...${names[names.length - 1]}]}`;
    else name = names.join(' + ');
    // Every fifth single layer is known by a Myelin-style internal name and names its node in Metadata.
    const metadataOnly = g.kind === 'single' && k % 5 === 4;
    return { group: g, name: metadataOnly ? `__myl_Layer_${k}` : name, metadataOnly };
  });
  const first = named[0]!;
  const layers: Record<string, unknown>[] = [];
  const expected: TrtexecFiles['expected'] = [];
  const reformat = `Reformatting CopyNode for Input Tensor 0 to ${first.name}`;
  layers.push({
    Name: reformat,
    LayerType: 'Reformat',
    Inputs: [{ Name: 'input', Location: 'Device', Dimensions: [1, 3, 48, 192], ...fmt(false) }],
    Outputs: [
      {
        Name: `Reformatted Input Tensor 0 to ${first.name}`,
        Location: 'Device',
        Dimensions: [1, 3, 48, 192],
        ...fmt(true),
      },
    ],
    ParameterType: 'Reformat',
    Origin: 'REFORMAT',
    TacticValue: '0x00000000000003e8',
  });
  expected.push({ name: reformat, nodes: first.group.nodes.map((n) => n.name) });
  named.forEach(({ group, name, metadataOnly }, k) => {
    const type =
      group.kind === 'conv'
        ? 'CaskConvolution'
        : group.kind === 'pwn'
          ? 'PointWise'
          : group.kind === 'foreign'
            ? 'Myelin'
            : 'NoOp';
    layers.push({
      Name: name,
      LayerType: type,
      Inputs: [{ Name: `t${k}`, Location: 'Device', Dimensions: [1, 8, 24, 96], ...fmt(true) }],
      Outputs: [{ Name: `t${k + 1}`, Location: 'Device', Dimensions: [1, 8, 24, 96], ...fmt(true) }],
      ParameterType: type,
      TacticName:
        group.kind === 'conv' ? 'sm80_xmma_fprop_implicit_gemm_f16f16_f16f16_f16_nhwckrsc_nhwc_tilesize64x32x64' : '',
      TacticValue: `0x${(0x1000 + k).toString(16).padStart(16, '0')}`,
      Metadata: group.nodes.map((n) => `[ONNX Layer: ${n.name}]`).join('\u001f'),
    });
    expected.push({
      name,
      nodes: group.kind === 'foreign' || !metadataOnly ? group.nodes.map((n) => n.name) : [group.nodes[0]!.name],
    });
  });
  const ghost = 'ghost_layer_from_another_model';
  layers.push({
    Name: ghost,
    LayerType: 'Shuffle',
    Inputs: [],
    Outputs: [],
    TacticValue: '0x0000000000000000',
    Metadata: '',
  });
  expected.push({ name: ghost, nodes: [] });

  const io =
    schema === '10'
      ? { Bindings: ['x', 'softmax_0.tmp_0'] }
      : {
          'I/O Tensors': [
            { Name: 'x', IOMode: 'Input', DataType: 'Float', Dimensions: [1, 3, 48, 192], Location: 'Device' },
            { Name: 'softmax_0.tmp_0', IOMode: 'Output', DataType: 'Float', Dimensions: [1, 2], Location: 'Device' },
          ],
        };
  const count = 100;
  const times = layers.map((_, i) => 0.004 + ((i * 37) % 11) * 0.003);
  const total = times.reduce((a, b) => a + b, 0);
  const profile = [
    { count },
    ...layers.map((l, i) => ({
      name: l.Name,
      timeMs: times[i]! * count,
      averageMs: times[i]!,
      medianMs: times[i]!,
      percentage: (100 * times[i]!) / total,
    })),
  ];
  const runs = Array.from({ length: 20 }, (_, i) => {
    const start = 10 + i * 1.2;
    const compute = total + (i % 4) * 0.01;
    return {
      startEnqMs: start - 0.2,
      endEnqMs: start - 0.18,
      startH2dMs: start,
      endH2dMs: start + 0.05,
      startComputeMs: start + 0.05,
      endComputeMs: start + 0.05 + compute,
      startD2hMs: start + 0.05 + compute,
      endD2hMs: start + 0.06 + compute,
      h2dMs: 0.05,
      computeMs: compute,
      d2hMs: 0.01,
      latencyMs: 0.06 + compute,
    };
  });
  return { layers: { Layers: layers, ...io }, profile, times: runs, expected };
}
