/**
 * Dequantize: a quantized model found on the web back to a float model, so Kiln's own precision
 * pipeline can make the INT8 variant TensorRT takes, and the TensorRT check passes it.
 *
 * Per op, what it becomes and why:
 * - ConvInteger / MatMulInteger (onnxruntime's quantize_dynamic: DynamicQuantizeLinear on the
 *   input, integer weights, the int32 result Cast to float and multiplied by input scale × weight
 *   scale): one float Conv / MatMul on the unquantized input with the weights dequantized, writing
 *   the tensor the Mul wrote. TensorRT has no run-time quantization and no integer convolution, so
 *   there is no Q/DQ form of it to keep. An integer op whose scales are not applied that way is
 *   refused by name (its float weights cannot be told).
 * - QLinearConv / QLinearMatMul and onnxruntime's com.microsoft QGemm, QLinearAdd, Mul, Sigmoid,
 *   LeakyRelu, GlobalAveragePool, AveragePool, Concat (quantize_static's QOperator format): the float op, its
 *   constant inputs dequantized (a bias from input scale × weight scale); its quantized output is
 *   made again by a QuantizeLinear only where something still reads it.
 * - onnxruntime's com.microsoft DynamicQuantizeMatMul and MatMulIntegerToFloat (what its
 *   transformer optimizer makes of quantize_dynamic's MatMulInteger): a float MatMul on the
 *   unquantized input with the weights dequantized per column, plus the bias.
 * - onnxruntime's com.microsoft MatMulNBits (4-bit LLM weights from onnxruntime-genai, Olive): a
 *   MatMul with the blocks unpacked and dequantized into A's float type — the weights the op
 *   computes with, at 8× the bytes of 4-bit ones in float32 (4× in float16); or, with keepInt4,
 *   symmetric 4-bit weights kept as a blocked INT4 DequantizeLinear.
 * - QuantizeLinear → DequantizeLinear on an activation (the QDQ format): the pair removed, the
 *   float tensor read directly — through a Clip where the range starts at 0, since onnxruntime's
 *   quantizer drops a Relu or Clip(0, 6) whose range the Q/DQ pair already clips to (without it
 *   a hard-swish's Clip is lost and activations overflow); DequantizeLinear of a constant: the
 *   float constant. Q/DQ is what
 *   TensorRT takes, but onnxruntime's Q/DQ is UINT8 with zero points, which TensorRT refuses, and
 *   the result of Kiln's calibrated symmetric quantization is better than a re-scaled copy: so the
 *   model goes to float, and INT8 is made again from it.
 * The outputs move by the quantization error the float model no longer has; the exactness measure
 * reports how far. Only the main graph is rewritten.
 */
import { KilnError } from '../../shared/api/errors';
import type { Edit } from '../../shared/api/edits';
import { DataType } from '../onnx/dtypes';
import { toHalfBytes } from '../onnx/half';
import { attrOf, bytesOf, dropUnusedInitializers, intAttr, Names, node, readCounts, tensor } from '../onnx/graph-edit';
import {
  ATTR,
  type AttributeProto,
  type GraphProto,
  type ModelProto,
  type NodeProto,
  type TensorProto,
} from '../onnx/model';
import { tensorValues, type TensorSource } from '../onnx/values';
import { dequantizeValues, QLINEAR, QUANTIZED_OPS, type QLinearSpec } from './dequantize-ops';
import type { EditStep } from './step';
import { copyModel } from './model-copy';
import { bodiesOf, bypassTensor, NO_SOURCE, plural } from './surgery/graph-tools';

interface Constant {
  dims: number[];
  values: Float64Array;
  dataType: number;
}

/** Where a quantized tensor's float value is, and the scale and zero point it was quantized with. */
interface FloatOf {
  float: string;
  scale: string;
  zp: string;
}

const floatAttr = (name: string, f: number): AttributeProto => ({
  name,
  type: ATTR.FLOAT,
  f,
  refAttrName: '',
  docString: '',
});

const label = (n: NodeProto) => `${n.opType} "${n.name || n.output[0] || '?'}"`;

class Rewriter {
  readonly nodes: NodeProto[] = [];
  /** Nodes dropped if nothing reads their outputs once the rewrite is done. */
  readonly maybeDead = new Set<NodeProto>();
  /** Nodes replaced by a rewrite of the node before them (a ConvInteger's Cast and Mul). */
  readonly consumed = new Set<NodeProto>();
  /** Tensor → the tensor that takes its place (a DequantizeLinear's output → the float it came from). */
  readonly alias = new Map<string, string>();
  readonly floatOf = new Map<string, FloatOf>();
  readonly converted = new Map<string, number>();
  /** With keepInt4: the MatMulNBits that went to float instead, by why. */
  readonly toFloat = new Map<string, string[]>();
  /** MatMulNBits with accuracy_level 4, whose input ONNX Runtime may quantize to 8 bits. */
  int8Inputs = 0;
  /** The blocked INT4 DequantizeLinear nodes made for kept weights: quantized on purpose, not left over. */
  readonly keptInt4 = new Set<NodeProto>();
  private readonly constants = new Map<string, TensorProto>();
  private readonly dequantized = new Map<string, string>();
  private readonly readers = new Map<string, NodeProto[]>();
  private readonly producer = new Map<string, NodeProto>();

  constructor(
    readonly g: GraphProto,
    readonly names: Names,
    private readonly src: TensorSource,
    readonly opset: number,
    /** Symmetric 4-bit MatMulNBits weights stay INT4, as a blocked DequantizeLinear. */
    readonly keepInt4 = false,
  ) {
    for (const t of g.initializer) this.constants.set(t.name, t);
    for (const n of g.node) {
      for (const x of n.input) if (x) (this.readers.get(x) ?? this.readers.set(x, []).get(x)!).push(n);
      for (const o of n.output) if (o) this.producer.set(o, n);
      const v = n.opType === 'Constant' && n.domain === '' ? attrOf(n, 'value')?.t : undefined;
      if (v && n.output[0]) this.constants.set(n.output[0], v);
    }
  }

  resolve(name: string): string {
    let n = name;
    for (let a = this.alias.get(n); a !== undefined; a = this.alias.get(n)) n = a;
    return n;
  }

  constant(name: string | undefined): Constant | null {
    const t = name ? this.constants.get(this.resolve(name)) : undefined;
    if (!t) return null;
    return { dims: t.dims, values: tensorValues(t, this.src), dataType: t.dataType };
  }

  count(op: string): void {
    this.converted.set(op, (this.converted.get(op) ?? 0) + 1);
  }

  init(base: string, dims: number[], values: Float32Array): string {
    const name = this.names.fresh(base);
    const t = tensor(name, DataType.FLOAT, dims, bytesOf(values));
    this.g.initializer.push(t);
    this.constants.set(name, t);
    return name;
  }

  /** The float form of quantized `q` (with `scale`, `zp`): the tensor it was quantized from, a dequantized constant, or a DequantizeLinear. */
  float(q: string, scale: string, zp: string | undefined, axis: number, owner: NodeProto): string {
    const r = this.resolve(q);
    const known = this.floatOf.get(r);
    if (known) return known.float;
    const cached = this.dequantized.get(r);
    if (cached) return cached;
    const v = this.constant(r);
    const s = this.constant(scale);
    const z = zp ? this.constant(zp) : null;
    let f: string;
    if (v && s && (z || !zp)) {
      if (s.dataType !== DataType.FLOAT)
        throw new KilnError('UNSUPPORTED', `${label(owner)}: the scale of ${q} is not float32`);
      f = this.init(
        `${r}_dequantized`,
        v.dims,
        dequantizeValues(v.values, v.dims, s.values, z?.values ?? null, axis, `${label(owner)}, ${q}`),
      );
    } else {
      f = this.names.fresh(`${r}_dequantized`);
      this.nodes.push(
        node('DequantizeLinear', zp ? [r, scale, zp] : [r, scale], [f], this.names.fresh(`${r}_DequantizeLinear`)),
      );
    }
    this.dequantized.set(r, f);
    return f;
  }

  /**
   * `x` as the quantizer with `scale` and `zp` would bound it: where the zero point is the type's
   * lowest value the range starts at 0, which is how onnxruntime's quantizer drops a Relu or a
   * Clip(0, 6) before a QuantizeLinear (the rounding range does the clipping), so the float model
   * gets that Clip back. Other ranges are left unbounded. Dropped when nothing reads it.
   */
  clipped(x: string, scale: string, zp: string | undefined): string {
    const s = this.constant(scale);
    const z = zp ? this.constant(zp) : null;
    if (!s || s.values.length !== 1 || (zp && (!z || z.values.length !== 1))) return x;
    const signed = z?.dataType === DataType.INT8;
    const [qmin, qmax] = signed ? [-128, 127] : z && z.dataType !== DataType.UINT8 ? [NaN, NaN] : [0, 255];
    const zero = z ? (z.values[0] as number) : 0;
    if (zero !== qmin) return x;
    const hi = (qmax - zero) * (s.values[0] as number);
    const out = this.names.fresh(`${x}_clipped`);
    const name = this.names.fresh(`${x}_Clip`);
    const clip =
      this.opset >= 11
        ? node(
            'Clip',
            [
              x,
              this.init(`${x}_clip_min`, [], Float32Array.of(0)),
              this.init(`${x}_clip_max`, [], Float32Array.of(hi)),
            ],
            [out],
            name,
          )
        : { ...node('Clip', [x], [out], name), attribute: [floatAttr('min', 0), floatAttr('max', hi)] };
    this.nodes.push(clip);
    this.maybeDead.add(clip);
    return out;
  }

  onlyReader(t: string): NodeProto | null {
    const rs = this.readers.get(t) ?? [];
    const outputs = this.g.output.some((o) => o.name === t);
    return rs.length === 1 && !outputs ? (rs[0] as NodeProto) : null;
  }

  producerOf(t: string): NodeProto | undefined {
    return this.producer.get(this.resolve(t));
  }
}

/** ConvInteger / MatMulInteger with the Cast → Mul(scale product) after it, as quantize_dynamic writes it. */
function integerOp(rw: Rewriter, n: NodeProto): void {
  const [a = '', b = '', azp, bzp] = n.input;
  const fail = (why: string): never => {
    throw new KilnError('UNSUPPORTED', `${label(n)} cannot be dequantized: ${why}`);
  };
  const qa = rw.floatOf.get(rw.resolve(a));
  if (!qa) fail(`its input ${a} does not come from a DynamicQuantizeLinear or QuantizeLinear`);
  const A = qa as FloatOf;
  if (azp && rw.resolve(azp) !== rw.resolve(A.zp)) fail(`its input zero point ${azp} is not its quantizer's`);
  const w = rw.constant(b) ?? fail(`its weights ${b} are not constant`);
  const wzp = bzp ? (rw.constant(bzp) ?? fail(`its weight zero point ${bzp} is not constant`)) : null;
  const cast = rw.onlyReader(n.output[0] ?? '');
  const to = cast && cast.opType === 'Cast' ? attrOf(cast, 'to')?.i : undefined;
  if (!cast || to !== DataType.FLOAT)
    fail('its int32 result is not Cast to float32 (the rescale onnxruntime writes after it)');
  const mul = rw.onlyReader((cast as NodeProto).output[0] ?? '');
  if (!mul || mul.opType !== 'Mul')
    fail('its result is not multiplied by the input scale × weight scale after the Cast');
  const m = mul as NodeProto;
  const product = m.input[0] === (cast as NodeProto).output[0] ? m.input[1] : m.input[0];
  // The scale product: Mul(input scale, weight scale), or a constant when the input scale is one.
  let ws: Constant | null = null;
  const pm = product ? rw.producerOf(product) : undefined;
  if (pm && pm.opType === 'Mul') {
    const other = rw.resolve(pm.input[0] ?? '') === rw.resolve(A.scale) ? pm.input[1] : pm.input[0];
    if (rw.resolve(pm.input[0] ?? '') === rw.resolve(A.scale) || rw.resolve(pm.input[1] ?? '') === rw.resolve(A.scale))
      ws = rw.constant(other);
    if (rw.onlyReader(product as string) === m) rw.maybeDead.add(pm);
  } else {
    const p = rw.constant(product);
    const as = rw.constant(A.scale);
    if (p && as && as.values.length === 1) ws = { ...p, values: p.values.map((x) => x / (as.values[0] as number)) };
  }
  if (!ws) fail(`the scale it is multiplied by (${product}) is not its input scale × a constant weight scale`);
  const conv = n.opType === 'ConvInteger';
  if (!conv && w.dims.length !== 2) fail(`its weights ${b} are ${w.dims.length}-D; only 2-D weights are handled`);
  const wf = dequantizeValues(
    w.values,
    w.dims,
    (ws as Constant).values,
    wzp?.values ?? null,
    conv ? 0 : -1,
    `${label(n)}, weights ${b}`,
  );
  const wName = rw.init(`${b}_dequantized`, w.dims, wf);
  const attrs = conv ? n.attribute : [];
  rw.nodes.push({
    ...node(conv ? 'Conv' : 'MatMul', [A.float, wName], [m.output[0] as string], n.name),
    attribute: attrs,
  });
  rw.consumed.add(cast as NodeProto);
  rw.consumed.add(m);
  rw.count(n.opType);
}

/**
 * onnxruntime's com.microsoft DynamicQuantizeMatMul (float A, quantized weights: A is quantized
 * inside the op) and MatMulIntegerToFloat (A already quantized, by a DynamicQuantizeLinear): float
 * out, so one float MatMul on A's float form with the weights dequantized per column, then the
 * bias added where there is one.
 */
function floatOutMatMul(rw: Rewriter, n: NodeProto): void {
  const dynamic = n.opType === 'DynamicQuantizeMatMul';
  const at = (i: number) => n.input[i] || undefined;
  const [b, bScale, bZp, bias] = dynamic ? [at(1), at(2), at(3), at(4)] : [at(1), at(3), at(5), at(6)];
  const fail = (why: string): never => {
    throw new KilnError('UNSUPPORTED', `${label(n)} cannot be dequantized: ${why}`);
  };
  if (!b || !bScale) fail('it names no weights or no weight scale');
  const a = at(0) ?? fail('it has no input A');
  const aFloat = dynamic ? a : rw.float(a, at(2) ?? fail('it has no input scale'), at(4), 1, n);
  // The weights' scale is one, or one per column of B: its last axis.
  const w = rw.float(b as string, bScale as string, bZp, -1, n);
  const y = n.output[0] ?? fail('it has no output');
  const product = bias ? rw.names.fresh(`${y}_MatMul`) : y;
  rw.nodes.push(node('MatMul', [aFloat, w], [product], n.name));
  if (bias) rw.nodes.push(node('Add', [product, bias], [y], rw.names.fresh(`${n.name || y}_bias`)));
  rw.count(n.opType);
}

/**
 * onnxruntime's com.microsoft MatMulNBits: weight-only 2-, 4- or 8-bit blocks, how onnxruntime-genai
 * and Olive store an LLM's weights. B is packed [N, blocks, blob] (value i of a block at bit i × bits
 * of its blob, low bits first), one scale per column and block, zero points packed the same way per
 * column (2^(bits − 1) when absent). One MatMul on A with W[k][n] = (q − zero point) × scale in A's
 * float type, then the bias: the weights are what the op computes with, so outputs move only by the
 * order of the sums (and, at accuracy_level 4, by the 8-bit input the op used: said in a note).
 * Act-order (g_idx) and floating-point zero points are refused by name.
 */
function matMulNBits(rw: Rewriter, n: NodeProto): void {
  const fail = (why: string): never => {
    throw new KilnError('UNSUPPORTED', `${label(n)} cannot be dequantized: ${why}`);
  };
  const at = (i: number) => n.input[i] || undefined;
  const int = (name: string) => attrOf(n, name)?.i;
  const K = int('K') ?? fail('it has no K attribute');
  const N = int('N') ?? fail('it has no N attribute');
  const blockSize = int('block_size') ?? fail('it has no block_size attribute');
  const bits = int('bits') ?? 4;
  if (![2, 4, 8].includes(bits)) fail(`its weights have ${bits} bits (Kiln reads 2, 4 and 8)`);
  if (at(4)) fail('it reorders K by g_idx (act-order), which Kiln does not read');
  const a = at(0) ?? fail('it has no input A');
  const q = rw.constant(at(1)) ?? fail('its weights B are not a constant');
  const s = rw.constant(at(2)) ?? fail('its scales are not a constant');
  const zIn = at(3);
  const z = zIn ? (rw.constant(zIn) ?? fail('its zero points are not a constant')) : null;
  if (s.dataType !== DataType.FLOAT && s.dataType !== DataType.FLOAT16) fail('its scales are not float32 or float16');
  if (z && z.dataType !== DataType.UINT8) fail('its zero points are floating point (Kiln reads packed integer ones)');
  const blocks = Math.ceil(K / blockSize);
  const blob = (blockSize * bits) / 8;
  const zpBytes = Math.ceil((blocks * bits) / 8);
  if (q.values.length !== N * blocks * blob)
    fail(`B holds ${q.values.length} bytes, not N × blocks × blob = ${N * blocks * blob}`);
  if (s.values.length !== N * blocks) fail(`it has ${s.values.length} scales, not N × blocks = ${N * blocks}`);
  if (z && z.values.length !== N * zpBytes) fail(`it has ${z.values.length} zero-point bytes, not ${N * zpBytes}`);
  // accuracy_level 4: ONNX Runtime's kernel may quantize A to 8 bits too (where the CPU has the
  // instructions for it); the float MatMul does not. Said once for the model, in dequantize().
  if ((int('accuracy_level') ?? 0) >= 4) rw.int8Inputs++;
  const mask = (1 << bits) - 1;
  const unpack = (bytes: Float64Array, start: number, index: number) => {
    const bit = index * bits;
    return ((bytes[start + (bit >> 3)] as number) >> (bit & 7)) & mask;
  };
  /** W [K, N] = (q − zero point) × scale: made only where the weights go to float. */
  const floatWeights = () => {
    const w = new Float32Array(K * N);
    for (let col = 0; col < N; col++)
      for (let blk = 0; blk < blocks; blk++) {
        const scale = s.values[col * blocks + blk] as number;
        const zero = z ? unpack(z.values, col * zpBytes, blk) : 1 << (bits - 1);
        const start = (col * blocks + blk) * blob;
        for (let j = 0, k = blk * blockSize; j < blockSize && k < K; j++, k++)
          w[k * N + col] = (unpack(q.values, start, j) - zero) * scale;
      }
    return w;
  };
  const half = s.dataType === DataType.FLOAT16;
  const floatType = half ? DataType.FLOAT16 : DataType.FLOAT;
  const weights = rw.names.fresh(`${at(1)}_dequantized`);
  // Symmetric: no zero points (the op's default, 8 for 4 bits), or every one of them 8.
  let symmetric = true;
  for (let i = 0; z && symmetric && i < N * blocks; i++)
    symmetric = unpack(z.values, Math.floor(i / blocks) * zpBytes, i % blocks) === 8;
  const keptInt4 = rw.keepInt4 && bits === 4 && symmetric;
  if (keptInt4 && rw.opset < 21)
    throw new KilnError(
      'UNSUPPORTED',
      `keeping ${label(n)}'s weights in INT4 needs a blocked DequantizeLinear, which opset 21 brought; the model is opset ${rw.opset}: raise it first (kiln edit --opset 21, or the opset edit before this one)`,
    );
  if (keptInt4) {
    // TensorRT's pre-quantized INT4 weights, as ModelOpt's INT4 weight-only quantization writes them:
    // signed INT4 [K, N], q − 8 exactly, two to a byte low nibble first; one scale per block of K and
    // column; no zero point (TensorRT's dequantize takes none).
    const packed = new Uint8Array(Math.ceil((K * N) / 2));
    for (let col = 0; col < N; col++)
      for (let blk = 0; blk < blocks; blk++)
        for (let j = 0, k = blk * blockSize; j < blockSize && k < K; j++, k++) {
          const i = k * N + col;
          packed[i >> 1]! |= ((unpack(q.values, (col * blocks + blk) * blob, j) - 8) & 15) << ((i & 1) * 4);
        }
    const scales = new Float32Array(blocks * N);
    for (let col = 0; col < N; col++)
      for (let blk = 0; blk < blocks; blk++) scales[blk * N + col] = s.values[col * blocks + blk] as number;
    const q4 = rw.names.fresh(`${at(1)}_int4`);
    const s4 = rw.names.fresh(`${at(2)}_blocked`);
    rw.g.initializer.push(tensor(q4, DataType.INT4, [K, N], packed));
    rw.g.initializer.push(tensor(s4, floatType, [blocks, N], half ? toHalfBytes(scales) : bytesOf(scales)));
    const dq = node('DequantizeLinear', [q4, s4], [weights], rw.names.fresh(`${n.name || weights}_DequantizeLinear`));
    dq.attribute = [intAttr('axis', 0), intAttr('block_size', blockSize)];
    rw.nodes.push(dq);
    rw.keptInt4.add(dq);
  } else {
    if (rw.keepInt4) {
      const why = bits !== 4 ? `${bits}-bit weights` : 'zero points other than 8 (TensorRT’s INT4 takes none)';
      rw.toFloat.set(why, [...(rw.toFloat.get(why) ?? []), label(n)]);
    }
    const w = floatWeights();
    rw.g.initializer.push(tensor(weights, floatType, [K, N], half ? toHalfBytes(w) : bytesOf(w)));
  }
  const y = n.output[0] ?? fail('it has no output');
  const bias = at(5);
  const product = bias ? rw.names.fresh(`${y}_MatMul`) : y;
  rw.nodes.push(node('MatMul', [a, weights], [product], n.name));
  if (bias) rw.nodes.push(node('Add', [product, bias], [y], rw.names.fresh(`${n.name || y}_bias`)));
  rw.count(keptInt4 ? 'MatMulNBits (4-bit, kept INT4)' : `MatMulNBits (${bits}-bit)`);
}

function qlinearOp(rw: Rewriter, n: NodeProto, spec: QLinearSpec): void {
  const at = (i: number) => n.input[i] || undefined;
  const triples =
    spec.variadicFrom !== undefined
      ? Array.from(
          { length: Math.floor((n.input.length - spec.variadicFrom) / 3) },
          (_, k): [number, number, number] => {
            const i = (spec.variadicFrom as number) + 3 * k;
            return [i, i + 1, i + 2];
          },
        )
      : spec.inputs;
  // QGemm's weights are per column of B: its last axis, or its first when B is transposed.
  const weightAxis = spec.floatOp === 'Gemm' ? (attrOf(n, 'transB')?.i ? 0 : -1) : spec.weightAxis;
  const inputs = triples.map(([v, s, z], k) => {
    const axis = k === 1 && weightAxis !== undefined ? weightAxis : 0;
    return rw.float(at(v) ?? '', at(s) ?? '', at(z), axis, n);
  });
  if (spec.bias !== undefined && at(spec.bias)) {
    const bias = rw.constant(at(spec.bias));
    const xs = rw.constant(at(1));
    const ws = rw.constant(at(4));
    if (!bias || !xs || !ws || xs.values.length !== 1)
      throw new KilnError(
        'UNSUPPORTED',
        `${label(n)} cannot be dequantized: its bias, input scale or weight scale is not constant`,
      );
    // QGemm's C is quantized with alpha / beta × A's scale × B's scale (it has no beta: 1).
    const ab = spec.floatOp === 'Gemm' ? (attrOf(n, 'alpha')?.f ?? 1) / (attrOf(n, 'beta')?.f ?? 1) : 1;
    const scale = ws.values.map((s) => s * (xs.values[0] as number) * ab);
    inputs.push(
      rw.init(
        `${at(spec.bias)}_dequantized`,
        bias.dims,
        dequantizeValues(bias.values, bias.dims, scale, null, -1, `${label(n)}, bias`),
      ),
    );
  }
  const y = n.output[0] as string;
  const [ys, yzp] = spec.output.map((i) => at(i) ?? '') as [string, string];
  // Without an output scale (QGemm's float output) the float op makes the output itself.
  const yf = ys ? rw.names.fresh(`${y}_float`) : y;
  const attribute = n.attribute.filter((a) => !spec.drop?.includes(a.name));
  if (spec.drop?.includes('channels_last') && attrOf(n, 'channels_last')?.i)
    throw new KilnError('UNSUPPORTED', `${label(n)} cannot be dequantized: it reads channels-last data`);
  rw.nodes.push({ ...node(spec.floatOp, inputs, [yf], n.name), attribute });
  rw.count(n.opType);
  if (!ys) return;
  // The quantized output again, for whatever still reads it (dropped when nothing does).
  const q = node('QuantizeLinear', yzp ? [yf, ys, yzp] : [yf, ys], [y], rw.names.fresh(`${y}_QuantizeLinear`));
  rw.nodes.push(q);
  rw.maybeDead.add(q);
  rw.floatOf.set(y, { float: rw.clipped(yf, ys, yzp || undefined), scale: ys, zp: yzp });
}

function dequantizeLinear(rw: Rewriter, n: NodeProto): void {
  const [q = '', s = '', zp] = n.input;
  const out = n.output[0] as string;
  const known = rw.floatOf.get(rw.resolve(q));
  if (known) {
    rw.alias.set(out, known.float);
    rw.count('QuantizeLinear → DequantizeLinear');
    return;
  }
  const v = rw.constant(q);
  const sc = rw.constant(s);
  const z = zp ? rw.constant(zp) : null;
  const blocked = attrOf(n, 'block_size')?.i;
  const isOutput = rw.g.output.some((o) => o.name === out);
  if (v && sc && (z || !zp) && !blocked && !isOutput && sc.dataType === DataType.FLOAT) {
    const axis = attrOf(n, 'axis')?.i ?? 1;
    const f = dequantizeValues(v.values, v.dims, sc.values, z?.values ?? null, axis, `${label(n)}, ${q}`);
    const t = tensor(out, DataType.FLOAT, v.dims.slice(), bytesOf(f));
    rw.g.initializer.push(t);
    rw.count('DequantizeLinear of a constant');
    return;
  }
  rw.nodes.push(n);
}

export function dequantize(
  model: ModelProto,
  edit: Extract<Edit, { kind: 'dequantize' }>,
  src: TensorSource = NO_SOURCE,
): EditStep {
  const out = copyModel(model);
  const g = out.graph;
  if (!g) throw new KilnError('INVALID_ARGUMENT', 'the model has no graph to dequantize');
  const quantizedBefore = g.node.filter((n) => QUANTIZED_OPS.has(n.opType)).length;
  if (quantizedBefore === 0)
    return { model: out, summary: 'nothing to dequantize: the model has no quantized nodes', exact: false, notes: [] };
  const opset = out.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx')?.version ?? 1;
  const rw = new Rewriter(g, new Names(out), src, opset, edit.keepInt4 ?? false);
  for (const n of g.node) {
    if (rw.consumed.has(n)) continue;
    for (let i = 0; i < n.input.length; i++) if (n.input[i]) n.input[i] = rw.resolve(n.input[i] as string);
    const key = `${n.domain === 'ai.onnx' ? '' : n.domain}:${n.opType}`;
    const spec = QLINEAR[key];
    if (spec) qlinearOp(rw, n, spec);
    else if (key === ':ConvInteger' || key === ':MatMulInteger') integerOp(rw, n);
    else if (key === ':DequantizeLinear') dequantizeLinear(rw, n);
    else if (key === 'com.microsoft:DynamicQuantizeMatMul' || key === 'com.microsoft:MatMulIntegerToFloat')
      floatOutMatMul(rw, n);
    else if (key === 'com.microsoft:MatMulNBits') matMulNBits(rw, n);
    else if (key === ':QuantizeLinear' || key === ':DynamicQuantizeLinear') {
      const [x = '', s = '', zp = ''] = n.input;
      rw.nodes.push(n);
      rw.maybeDead.add(n);
      rw.floatOf.set(
        n.output[0] as string,
        key === ':QuantizeLinear'
          ? { float: rw.clipped(x, s, zp || undefined), scale: s, zp }
          : { float: x, scale: n.output[1] ?? '', zp: n.output[2] ?? '' },
      );
    } else rw.nodes.push(n);
  }
  g.node = rw.nodes;
  // Aliases read from bodies or named as graph outputs.
  const outputs = new Set(g.output.map((o) => o.name));
  const hasBodies = bodiesOf(g).length > 0;
  for (const [from] of rw.alias)
    if (outputs.has(from) || hasBodies) bypassTensor(g, from, rw.resolve(from), rw.names.fresh(`${from}_Identity`));
  // Quantizers and rescales nothing reads any more go.
  for (let changed = true; changed;) {
    const reads = readCounts(g);
    const before = g.node.length;
    g.node = g.node.filter((n) => !rw.maybeDead.has(n) || n.output.some((o) => o && reads.has(o)));
    changed = g.node.length !== before;
  }
  dropUnusedInitializers(g);
  // A domain only the quantized ops came from (com.microsoft) is not imported any more.
  const used = new Set<string>();
  const domainsOf = (nodes: readonly NodeProto[]): void => {
    for (const n of nodes) {
      used.add(n.domain || 'ai.onnx');
      for (const a of n.attribute) for (const b of a.g ? [a.g] : (a.graphs ?? [])) domainsOf(b.node);
    }
  };
  domainsOf(g.node);
  for (const f of out.functions) {
    used.add(f.domain);
    domainsOf(f.node);
  }
  out.opsetImport = out.opsetImport.filter((o) => o.domain === '' || o.domain === 'ai.onnx' || used.has(o.domain));
  const made = new Set(g.node.flatMap((n) => n.output));
  g.valueInfo = g.valueInfo.filter((v) => made.has(v.name));
  const left = g.node.filter((n) => QUANTIZED_OPS.has(n.opType) && !rw.keptInt4.has(n));
  const quantizedAfter = left.length;
  const kept = g.node.filter((n) => rw.keptInt4.has(n)).length;
  const what = [...rw.converted].map(([op, k]) => `${op} ${k}`).join(', ');
  const floated = [...rw.converted].some(([op]) => !op.endsWith('kept INT4)'));
  const notes = [
    ...(floated
      ? ['the float model no longer has the quantization error: outputs move by it (see the exactness measure)']
      : []),
    ...(kept > 0
      ? [
          `${plural(kept, 'MatMulNBits', 'MatMulNBits')} kept in INT4: a blocked DequantizeLinear (signed INT4, one scale per block) reads the same weights the op did, so outputs move only by the order of the sums`,
        ]
      : []),
    ...[...rw.toFloat].map(
      ([why, nodes]) =>
        `${plural(nodes.length, 'MatMulNBits', 'MatMulNBits')} went to float, not INT4: ${why} (${nodes.slice(0, 3).join(', ')}${nodes.length > 3 ? ', …' : ''})`,
    ),
    ...(rw.int8Inputs > 0
      ? [
          `${plural(rw.int8Inputs, 'MatMulNBits has', 'MatMulNBits have')} accuracy_level 4: ONNX Runtime may run ${rw.int8Inputs === 1 ? 'it' : 'them'} with the input quantized to 8 bits too (where the CPU has the instructions for it), which the float MatMul does not do: outputs can move by that`,
        ]
      : []),
  ];
  if (quantizedAfter > 0)
    notes.push(
      `${plural(quantizedAfter, 'quantized node')} stay: ${[...new Set(left.map((n) => n.opType))].join(', ')} on tensors with no float form in the model`,
    );
  if (hasBodies && bodiesOf(g).some((b) => b.node.some((n) => QUANTIZED_OPS.has(n.opType))))
    notes.push('quantized nodes inside If/Loop/Scan bodies are left as they are');
  return {
    model: out,
    summary:
      rw.converted.size === 0
        ? 'nothing to dequantize: the model has no quantized nodes Kiln rewrites'
        : `dequantized${floated ? ' to float' : ''}: ${what}; quantized nodes ${quantizedBefore} → ${quantizedAfter}${kept > 0 ? ` (and ${plural(kept, 'INT4 weight DequantizeLinear')} kept)` : ''}`,
    // Not exact even when every weight stayed INT4: the same weights summed in another order move
    // outputs by more than the exactness gate's few ulps once K is an LLM's (1.4e-4 at K = 8192).
    exact: false,
    notes,
  };
}
