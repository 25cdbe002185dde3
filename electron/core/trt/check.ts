/**
 * TensorRT readiness: which nodes the TensorRT ONNX parser of a given major version cannot take,
 * and why, with a way forward for each. Op support and data types come from the parser's own
 * operator table (support/trt10.json, support/trt11.json); the restrictions that decide real models
 * (weights that must be constant, zero points that must be zero, pooling rank, constant `axes`,
 * Resize modes) are checked here against the model. Then the graph is partitioned the way
 * Polygraphy's `inspect capability` does: runs of supported nodes that TensorRT could take alone.
 */
import type { ModelIR } from '../onnx/ir';
import { TENSOR_INITIALIZER } from '../onnx/ir';
import type { AttributeProto, FunctionProto, NodeProto } from '../onnx/model';
import { tensorValues } from '../onnx/values';
import type { ShapeResult } from '../onnx/shapes';
import type { ModelAnalysis } from '../onnx/analyze';

/** What the check reads of an analysed model: no summary, so a model edited in memory can be checked as it is. */
/** The check reads the tensors' types only: inferred, or handed on by the edits that made the model. */
export type CheckedModel = Pick<ModelAnalysis, 'opened' | 'ir'> & { shapes: Pick<ShapeResult, 'types'> };
import { predictPrecision } from './strong-typing';
import {
  hasFeature,
  maxOpset,
  reaches,
  releaseName,
  supportTable,
  tableNote,
  type SupportTable,
  type TrtMajor,
  type TrtRelease,
} from './support';

/**
 * 'precision': not a refusal but what a strongly typed build makes of the model (TensorRT 11 builds
 * this layer FP32; this Q/DQ will not fuse). It leaves the node's status supported.
 */
export type FindingStatus = 'unsupported-op' | 'unsupported-type' | 'restriction' | 'warning' | 'precision';

export interface Finding {
  /** IR node id (-1 for a finding about the whole model). */
  id: number;
  node: string;
  op: string;
  /** 'main' or the subgraph that holds the node (`/If_3/then_branch`). */
  graph: string;
  status: FindingStatus;
  /** The same for every node it applies to (findings are grouped by it); node-specific values go in `detail`. */
  reason: string;
  suggestion: string;
  /** What is particular to this node: the zero point's value, the tensor computed at run time. */
  detail?: string;
}

export interface Partition {
  /** Main-graph node ids of one connected run of supported nodes. */
  nodes: number[];
  first: string;
  last: string;
}

export interface CheckReport {
  trt: TrtMajor;
  /** The minor release checked for, where one was named (10.3 for JetPack 6). */
  minor?: number;
  /** The release checked for: '10.3', or the table's newest ('10.15') when no minor was named. */
  tensorrt: string;
  /** The TensorRT release the operator table was written for, and what to say when it is not `trt`'s own. */
  table: string;
  tableNote: string;
  /** The ai.onnx opsets the checked release's parser reads (an opset conversion may target these). */
  opsets: { min: number; max: number };
  source: SupportTable['source'];
  nodes: number;
  supported: number;
  /** Nodes with at least one finding that is not a warning. */
  unsupported: number;
  findings: Finding[];
  /** Weighted layers (Conv, MatMul, Gemm, …) per compute type a strongly typed build gives them. */
  computes: Record<string, number>;
  partitions: Partition[];
  /** Per IR node id: 0 supported, 1 warning only, 2 unsupported. */
  nodeStatus: Uint8Array;
}

const QDQ_WAY =
  "dequantize it back to float (Apply here, or kiln fix / kiln edit --dequantize), then make an INT8 variant in Kiln's precision panel: TensorRT takes QuantizeLinear/DequantizeLinear pairs";
const SUGGESTIONS: Record<string, string> = {
  ConvInteger: QDQ_WAY,
  MatMulInteger: QDQ_WAY,
  DynamicQuantizeLinear: `${QDQ_WAY}; TensorRT has no dynamic (run-time) quantization`,
  QLinearConv: QDQ_WAY,
  QLinearMatMul: QDQ_WAY,
  'com.microsoft:QLinearAdd': QDQ_WAY,
  'com.microsoft:QLinearMul': QDQ_WAY,
  'com.microsoft:QLinearConcat': QDQ_WAY,
  'com.microsoft:QLinearSigmoid': QDQ_WAY,
  'com.microsoft:QLinearLeakyRelu': QDQ_WAY,
  'com.microsoft:QLinearGlobalAveragePool': QDQ_WAY,
  'com.microsoft:QLinearAveragePool': QDQ_WAY,
  'com.microsoft:QGemm': QDQ_WAY,
  'com.microsoft:DynamicQuantizeMatMul': QDQ_WAY,
  'com.microsoft:MatMulIntegerToFloat': QDQ_WAY,
  'com.microsoft:MatMulNBits':
    "dequantize its packed weights to float (exact: they are what the op computes with; a 4-bit weight takes 8× its bytes in float32) — Apply here, or kiln fix / kiln edit --dequantize — then make an FP16 or INT8 variant in Kiln's precision panel; or keep symmetric 4-bit weights in INT4, as TensorRT's explicit quantization takes them: kiln edit --opset 21 --dequantize --keep-int4",
  'com.microsoft:FusedConv':
    "this is ONNX Runtime's optimized form: give TensorRT the original model (ONNX Runtime fuses after export)",
  'com.microsoft:FusedMatMul': "this is ONNX Runtime's optimized form: give TensorRT the original model",
  'com.microsoft:FusedGemm': "this is ONNX Runtime's optimized form: give TensorRT the original model",
  'com.microsoft:Attention':
    'export attention as plain MatMul/Softmax ops (TensorRT fuses them into multi-head attention itself) or write a plugin',
  'com.microsoft:SkipLayerNormalization':
    'export without ONNX Runtime transformer optimizations (plain Add + LayerNormalization)',
  'com.microsoft:BiasGelu': 'export without ONNX Runtime transformer optimizations (Add + Gelu, which TensorRT fuses)',
  NonMaxSuppression: 'use the EfficientNMS TensorRT plugin, or run NMS outside the engine',
  StringNormalizer: 'keep text processing outside the engine',
};

const DTYPE_TOKEN: Record<string, string> = {
  float32: 'FP32',
  float16: 'FP16',
  bfloat16: 'BF16',
  float64: 'DOUBLE',
  float8e4m3fn: 'FP8',
  float4e2m1: 'FP4',
  int4: 'INT4',
  int8: 'INT8',
  int32: 'INT32',
  int64: 'INT64',
  uint8: 'UINT8',
  bool: 'BOOL',
};

/** Ops whose table row lists the type of what they make: they have no data input to read it from. */
const TYPED_BY_OUTPUT = new Set([
  'Constant',
  'ConstantOfShape',
  'EyeLike',
  'RandomNormal',
  'RandomUniform',
  'RandomNormalLike',
  'RandomUniformLike',
  'If',
  'Loop',
  'Scan',
]);
/** Ops whose row covers both what they read and what they make. */
const TYPED_BOTH_WAYS = new Set(['Cast', 'CastLike']);
/** The data input where it is not the first: Where's first input is its BOOL condition. */
const DATA_INPUT: Record<string, number> = { Where: 1 };

/** The tensors whose types the parser's table row speaks of, for node `id`. */
function typedTensors(ir: ModelIR, id: number, opType: string): { t: number; role: 'in' | 'out' }[] {
  const out: { t: number; role: 'in' | 'out' }[] = [];
  const firstOut = ir.nodeOutputs[ir.nodeOutputStart[id] as number] ?? -1;
  const data = inputAt(ir, id, DATA_INPUT[opType] ?? 0);
  if (!TYPED_BY_OUTPUT.has(opType) && data >= 0) out.push({ t: data, role: 'in' });
  if ((TYPED_BY_OUTPUT.has(opType) || TYPED_BOTH_WAYS.has(opType) || data < 0) && firstOut >= 0)
    out.push({ t: firstOut, role: 'out' });
  return out;
}

const CONV_LIKE = new Set(['Conv', 'ConvTranspose']);
const POOLS = new Set(['MaxPool', 'AveragePool', 'LpPool']);
const AXES_AS_INPUT = new Map<string, { index: number; since: number }>([
  ['Squeeze', { index: 1, since: 13 }],
  ['Unsqueeze', { index: 1, since: 13 }],
  ['ReduceSum', { index: 1, since: 13 }],
  ['ReduceMean', { index: 1, since: 18 }],
  ['ReduceMax', { index: 1, since: 18 }],
  ['ReduceMin', { index: 1, since: 18 }],
  ['ReduceProd', { index: 1, since: 18 }],
  ['ReduceL1', { index: 1, since: 18 }],
  ['ReduceL2', { index: 1, since: 18 }],
  ['ReduceLogSum', { index: 1, since: 18 }],
  ['ReduceLogSumExp', { index: 1, since: 18 }],
  ['ReduceSumSquare', { index: 1, since: 18 }],
]);

function attr(n: NodeProto, name: string): AttributeProto | undefined {
  return n.attribute.find((a) => a.name === name);
}
const text = new TextDecoder();
const attrString = (n: NodeProto, name: string) => {
  const s = attr(n, name)?.s;
  return s ? text.decode(s) : undefined;
};

/** Tensors whose value is known at build time: initializers, Constants, and what only they feed. */
function constantTensors(ir: ModelIR, shapes: Pick<ShapeResult, 'types'>): Uint8Array {
  const c = new Uint8Array(ir.tensorCount);
  for (let t = 0; t < ir.tensorCount; t++) if ((ir.tensorFlags[t] as number) & TENSOR_INITIALIZER) c[t] = 1;
  for (const g of ir.graphs) {
    for (let k = g.nodeStart; k < g.nodeEnd; k++) {
      const id = ir.topo[k] as number;
      const node = ir.nodes[id] as NodeProto;
      let all = true;
      for (let j = ir.nodeInputStart[id] as number; j < (ir.nodeInputStart[id + 1] as number); j++) {
        const t = ir.nodeInputs[j] as number;
        if (t >= 0 && !c[t]) all = false;
      }
      // Shape of a tensor with a static shape is a constant too; TensorRT folds it.
      let constant = node.opType === 'Constant' || (all && !node.opType.startsWith('Random'));
      if (!constant && (node.opType === 'Shape' || node.opType === 'Size') && node.domain === '') {
        const dims = shapes.types[inputAt(ir, id, 0)]?.dims;
        constant = !!dims && dims.every((d) => typeof d === 'number');
      }
      if (constant && node.opType !== 'If' && node.opType !== 'Loop' && node.opType !== 'Scan') {
        for (let j = ir.nodeOutputStart[id] as number; j < (ir.nodeOutputStart[id + 1] as number); j++) {
          const t = ir.nodeOutputs[j] as number;
          if (t >= 0) c[t] = 1;
        }
      }
    }
  }
  return c;
}

/** The value of a small constant tensor (an initializer or a Constant node's value), else undefined. */
function smallConstant(a: CheckedModel, t: number, limit = 4096): Float64Array | undefined {
  const { ir } = a;
  let proto = (ir.tensorInitializer[t] as number) >= 0 ? ir.initializers[ir.tensorInitializer[t] as number] : undefined;
  const p = ir.tensorProducer[t] as number;
  if (!proto && p >= 0 && ir.nodes[p]?.opType === 'Constant') proto = attr(ir.nodes[p] as NodeProto, 'value')?.t;
  if (!proto || proto.dims.reduce((x, d) => x * d, 1) > limit) return undefined;
  try {
    return tensorValues(proto, { path: a.opened.path, bytes: a.opened.bytes });
  } catch {
    return undefined;
  }
}

/** Domains of ONNX's and ONNX Runtime's own ops: any other custom domain holds plugin ops. */
const RUNTIME_DOMAINS = ['ai.onnx', 'com.microsoft', 'org.pytorch', 'com.ms.', 'ai.onnx.'];

function isPluginDomain(domain: string): boolean {
  return !RUNTIME_DOMAINS.some((d) => domain === d || domain.startsWith(d.endsWith('.') ? d : `${d}.`));
}

function inputAt(ir: ModelIR, id: number, i: number): number {
  const s = ir.nodeInputStart[id] as number;
  return s + i < (ir.nodeInputStart[id + 1] as number) ? (ir.nodeInputs[s + i] as number) : -1;
}

/** What to say when an op is newer than the release checked for. */
const TOO_NEW_WAY: Record<string, string> = {
  Attention:
    're-export with opset 22 or lower (torch.onnx then writes attention as MatMul/Softmax, which TensorRT fuses itself), or use a newer TensorRT',
  RMSNormalization:
    're-export with opset 22 or lower (torch.onnx then writes it as Pow/ReduceMean/Sqrt/Div/Mul), or use a newer TensorRT',
  RotaryEmbedding: 're-export with opset 22 or lower (rotary embedding as Slice/Mul/Add), or use a newer TensorRT',
};

/**
 * Checks every node of the model (main graph and If/Loop/Scan bodies) against TensorRT `major`, or
 * against one minor release of it (`minor` 3: TensorRT 10.3, JetPack 6's), whose parser lacks the ops
 * the table says came later.
 */
export function checkModel(a: CheckedModel, major: TrtMajor, minor?: number): CheckReport {
  const release: TrtRelease = minor === undefined ? { major } : { major, minor };
  const version = releaseName(release);
  const table = supportTable(major);
  const opsetMax = maxOpset(release);
  const { ir } = a;
  const shapes = a.shapes;
  const constant = constantTensors(ir, shapes);
  const findings: Finding[] = [];
  const status = new Uint8Array(ir.nodeCount);
  const opset = new Map(a.opened.model.opsetImport.map((o) => [o.domain === 'ai.onnx' ? '' : o.domain, o.version]));
  const onnxOpset = opset.get('') ?? 1;

  // Local functions are expanded by the parser: a call is as supported as its body.
  const functions = new Set<string>();
  for (const g of ir.graphs) {
    if (g.kind !== 'function') continue;
    const f = g.proto as FunctionProto;
    functions.add(f.domain && f.domain !== 'ai.onnx' ? `${f.domain}:${f.name}` : f.name);
  }

  const graphName = (gid: number): string => {
    const g = ir.graphs[gid];
    if (!g || g.kind === 'main') return 'main';
    if (g.kind === 'function') return `function ${g.name}`;
    return `${ir.nodeName[g.owner] || `#${g.owner}`}/${g.attribute}`;
  };
  const add = (id: number, s: FindingStatus, reason: string, suggestion: string, detail?: string) => {
    findings.push({
      ...(detail ? { detail } : {}),
      id,
      node: id >= 0 ? ir.nodeName[id] || `${ir.ops[ir.nodeOp[id] as number]}_${id}` : '(model)',
      op: id >= 0 ? (ir.ops[ir.nodeOp[id] as number] as string) : '',
      graph: id >= 0 ? graphName(ir.nodeGraph[id] as number) : 'main',
      status: s,
      reason,
      suggestion,
    });
    if (id >= 0 && s !== 'precision') status[id] = Math.max(status[id] as number, s === 'warning' ? 1 : 2);
  };

  if (onnxOpset < table.opsets.min) {
    add(
      -1,
      'restriction',
      `the model imports ai.onnx opset ${onnxOpset}; TensorRT ${version} reads opsets ${table.opsets.min} to ${opsetMax}`,
      `upgrade the opset (onnx.version_converter, or re-export with opset ≥ ${table.opsets.min})`,
    );
  } else if (onnxOpset > opsetMax) {
    add(
      -1,
      'restriction',
      `the model imports ai.onnx opset ${onnxOpset}; TensorRT ${version} reads up to opset ${opsetMax}`,
      `re-export with opset ≤ ${opsetMax}, or use a newer TensorRT`,
    );
  }

  for (let id = 0; id < ir.nodeCount; id++) {
    const g = ir.graphs[ir.nodeGraph[id] as number];
    if (!g || g.kind === 'function') continue;
    const node = ir.nodes[id] as NodeProto;
    const op = ir.ops[ir.nodeOp[id] as number] as string;
    if (functions.has(op)) continue;
    const custom = node.domain !== '' && node.domain !== 'ai.onnx';
    const entry = custom ? undefined : table.ops[node.opType];
    if (custom && isPluginDomain(node.domain)) {
      // The parser imports an op it does not know through the plugin registry, by name.
      add(
        id,
        'unsupported-op',
        `${node.opType} (domain ${node.domain}) is a plugin op: the TensorRT ONNX parser builds it only through a registered plugin of that name`,
        `load the plugin library that registers ${node.opType} when building (trtexec --staticPlugins or --dynamicPlugins)`,
      );
      continue;
    }
    if (!entry || !entry.supported) {
      const why = custom
        ? `${op} is in the ${node.domain} domain, which the TensorRT ONNX parser does not implement`
        : entry
          ? `the TensorRT ${table.table} ONNX operator table lists ${op} as not supported`
          : `${op} is not in the TensorRT ${table.table} ONNX operator table`;
      const way =
        SUGGESTIONS[op] ??
        (custom
          ? 'a TensorRT plugin implementing this op (registered under the same name), or rewrite it with standard ONNX ops'
          : 'a TensorRT plugin, or rewrite the op with supported ones before export');
      add(id, 'unsupported-op', why, way);
      continue;
    }
    if (!reaches(release, entry.since)) {
      add(
        id,
        'unsupported-op',
        `TensorRT ${version}'s ONNX parser does not take ${op}: TensorRT ${entry.since} is the first release that parses it`,
        TOO_NEW_WAY[op] ?? `use TensorRT ${entry.since} or newer, or rewrite the op with ones ${version} parses`,
      );
      continue;
    }

    // Data types: the parser's table lists the types an op takes in, not what it makes (comparisons
    // and IsNaN/IsInf output BOOL, Shape and NonZero INT64). A node folded at build time is skipped.
    const qdq = node.opType === 'DequantizeLinear' || node.opType === 'QuantizeLinear';
    const firstOut = ir.nodeOutputs[ir.nodeOutputStart[id] as number] ?? -1;
    const folded = firstOut >= 0 ? constant[firstOut] === 1 : constant[inputAt(ir, id, 0)] === 1;
    for (const { t, role } of folded || entry.types.length === 0 ? [] : typedTensors(ir, id, node.opType)) {
      const dtype = shapes.types[t]?.dtype;
      const token = dtype ? (DTYPE_TOKEN[dtype] ?? dtype.toUpperCase()) : undefined;
      if (!token || entry.types.includes(token)) continue;
      const what = `${op} ${role === 'in' ? 'on' : 'to'} ${token}`;
      if (token === 'DOUBLE')
        add(id, 'warning', `${what}: TensorRT has no FP64 and the parser casts to FP32`, 'export in FP32');
      else if (token === 'INT64')
        add(
          id,
          'warning',
          `${what}: TensorRT narrows it to INT32 (values beyond ±2^31 would be wrong)`,
          'usually harmless for indices and shapes; cast to INT32 in the model to be explicit',
        );
      else {
        const preferred = entry.types.includes('INT32') && !token.startsWith('FP') ? 'INT32' : entry.types[0];
        add(
          id,
          'unsupported-type',
          `${what}: the TensorRT ${table.table} operator table lists ${entry.types.join(', ')} for ${op}`,
          qdq
            ? "re-quantize to symmetric INT8 Q/DQ (Kiln's INT8 variant for TensorRT); UINT8 quantization is ONNX Runtime's CPU flavour"
            : role === 'out'
              ? `make ${op} produce ${preferred} instead`
              : `insert a Cast to ${preferred} before ${op}`,
        );
      }
      break; // one type finding per node
    }

    // Restrictions that real models trip on.
    if (CONV_LIKE.has(node.opType)) {
      const w = inputAt(ir, id, 1);
      const producer = w >= 0 ? (ir.tensorProducer[w] as number) : -1;
      const viaDq = producer >= 0 && ir.nodes[producer]?.opType === 'DequantizeLinear';
      if (w >= 0 && !constant[w] && !viaDq)
        add(
          id,
          'restriction',
          `${op} weights are computed at run time; TensorRT needs them to be constant (an initializer, a Constant, or DequantizeLinear of one)`,
          'fold the weight computation into an initializer (constant folding before export), or use a MatMul-based formulation',
          `weights ${ir.tensorName[w]}`,
        );
    }
    if (node.opType === 'QuantizeLinear' || node.opType === 'DequantizeLinear') {
      const zp = inputAt(ir, id, 2);
      if (zp >= 0) {
        const values = smallConstant(a, zp);
        if (!values)
          add(
            id,
            'restriction',
            `${op} zero point is not a constant Kiln can read; TensorRT needs a constant zero point of 0`,
            'use symmetric quantization with zero point 0',
          );
        else if (values.some((v) => v !== 0))
          add(
            id,
            'restriction',
            `${op} has a non-zero zero point; TensorRT supports symmetric quantization only`,
            "re-quantize symmetrically (zero point 0): Kiln's INT8 variant for TensorRT does this",
            `zero point ${values[values.findIndex((v) => v !== 0)]}`,
          );
      }
      const scale = inputAt(ir, id, 1);
      if (scale >= 0 && !constant[scale])
        add(
          id,
          'restriction',
          `${op} scale is computed at run time; TensorRT needs a constant scale (a Q/DQ with a run-time scale does not fuse)`,
          QDQ_WAY,
        );
    }
    if (POOLS.has(node.opType)) {
      const k = attr(node, 'kernel_shape')?.ints;
      if (k && k.length > 3)
        add(
          id,
          'restriction',
          `${op} over ${k.length} spatial dims; TensorRT pools 2-D and 3-D only`,
          'reshape to fold extra dims into the batch or channels',
        );
    }
    const axes = AXES_AS_INPUT.get(node.opType);
    if (axes && onnxOpset >= axes.since) {
      const t = inputAt(ir, id, axes.index);
      if (t >= 0 && !constant[t])
        add(
          id,
          'restriction',
          `${op} axes are computed at run time; TensorRT needs constant axes`,
          'make the axes an initializer (constant folding before export)',
          `axes ${ir.tensorName[t]}`,
        );
    }
    if (
      node.opType === 'Squeeze' &&
      onnxOpset >= 13 &&
      inputAt(ir, id, 1) < 0 &&
      !hasFeature(release, 'squeeze-without-axes')
    )
      add(
        id,
        'restriction',
        `Squeeze without an axes input: TensorRT ${version} needs the axes (TensorRT 11.5 is the first to take it omitted)`,
        'give Squeeze a constant axes input naming the size-1 dims',
      );
    if (node.opType === 'GridSample') {
      const rank = shapes.types[inputAt(ir, id, 0)]?.dims?.length;
      if (rank === 5 && !hasFeature(release, 'gridsample-5d'))
        add(
          id,
          'restriction',
          `GridSample on a 5-D input: TensorRT ${version} samples 4-D inputs only (5-D from TensorRT 11.2)`,
          'fold the depth axis into the batch and sample in 2-D, or use TensorRT 11.2 or newer',
        );
    }
    if (node.opType === 'STFT')
      for (const [i, what] of [
        [1, 'frame_step'],
        [2, 'window'],
      ] as const) {
        const t = inputAt(ir, id, i);
        if (t >= 0 && !constant[t])
          add(
            id,
            'restriction',
            `STFT ${what} is computed at run time; TensorRT needs it to be an initializer`,
            `make ${what} an initializer (constant folding before export)`,
            `${what} ${ir.tensorName[t]}`,
          );
      }
    if (node.opType === 'Resize') {
      const mode = attrString(node, 'mode') ?? 'nearest';
      if ((attr(node, 'antialias')?.i ?? 0) !== 0)
        add(
          id,
          'restriction',
          'Resize with antialias is not supported by TensorRT',
          'resize without antialias, or pre-filter',
        );
      if (mode === 'cubic' && (attrString(node, 'coordinate_transformation_mode') ?? '') === 'tf_crop_and_resize')
        add(
          id,
          'restriction',
          'Resize cubic with tf_crop_and_resize is not supported by TensorRT',
          'use linear or another coordinate mode',
        );
    }
  }

  // Strong typing: TensorRT 11 builds every layer in its ONNX type; Q/DQ that will not fuse, on both.
  const precision = predictPrecision(ir, shapes);
  for (const n of precision.notes)
    if (n.kind !== 'fp32' || major === 11) add(n.id, 'precision', n.reason, n.suggestion, n.detail);

  // Partition the main graph: connected runs of supported nodes (Polygraphy's inspect capability).
  const main = ir.graphs[0];
  const partitions: Partition[] = [];
  if (main) {
    const parent = new Int32Array(ir.nodeCount).map((_, i) => i);
    const find = (x: number): number => {
      while (parent[x] !== x) {
        parent[x] = parent[parent[x] as number] as number;
        x = parent[x] as number;
      }
      return x;
    };
    for (let id = main.nodeStart; id < main.nodeEnd; id++) {
      if (status[id] === 2) continue;
      for (let j = ir.nodeInputStart[id] as number; j < (ir.nodeInputStart[id + 1] as number); j++) {
        const t = ir.nodeInputs[j] as number;
        const p = t >= 0 ? (ir.tensorProducer[t] as number) : -1;
        if (p >= main.nodeStart && p < main.nodeEnd && status[p] !== 2) parent[find(id)] = find(p);
      }
    }
    const byRoot = new Map<number, number[]>();
    for (let k = main.nodeStart; k < main.nodeEnd; k++) {
      const id = ir.topo[k] as number;
      if (status[id] === 2) continue;
      const r = find(id);
      const list = byRoot.get(r) ?? [];
      list.push(id);
      byRoot.set(r, list);
    }
    for (const nodes of byRoot.values())
      partitions.push({
        nodes,
        first: ir.nodeName[nodes[0]!] ?? '',
        last: ir.nodeName[nodes[nodes.length - 1]!] ?? '',
      });
    partitions.sort((x, y) => y.nodes.length - x.nodes.length);
  }

  let checked = 0;
  let unsupported = 0;
  for (let id = 0; id < ir.nodeCount; id++) {
    if (ir.graphs[ir.nodeGraph[id] as number]?.kind === 'function') continue;
    checked++;
    if (status[id] === 2) unsupported++;
  }
  const order: Record<FindingStatus, number> = {
    'unsupported-op': 0,
    'unsupported-type': 1,
    restriction: 2,
    warning: 3,
    precision: 4,
  };
  findings.sort((x, y) => order[x.status] - order[y.status] || x.id - y.id);
  return {
    trt: major,
    ...(minor === undefined ? {} : { minor }),
    tensorrt: version,
    table: table.table,
    tableNote: tableNote(release),
    opsets: { min: table.opsets.min, max: opsetMax },
    source: table.source,
    nodes: checked,
    supported: checked - unsupported,
    unsupported,
    findings,
    computes: precision.computes,
    partitions,
    nodeStatus: status,
  };
}
