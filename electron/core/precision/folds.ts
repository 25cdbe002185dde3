/**
 * Exact rewrites made before quantizing (and kept in the INT8 variant): each one computes the same
 * values as the graph it replaces, in fewer passes over the feature maps. On a CPU those passes
 * cost as much as the convolutions, and between quantized layers each one also needs its own Q/DQ.
 */
import type { ModelProto, NodeProto, TensorProto } from '../onnx/model';
import { ATTR, elementCount } from '../onnx/model';
import { tensorValues, type TensorSource } from '../onnx/values';
import { attrOf, bytesOf, dropDead, f32Tensor, isDefaultDomain, Names, node, readCounts } from '../onnx/graph-edit';
import { producersOf, readersOf } from '../onnx/graph-index';
import { DataType } from '../onnx/dtypes';

const CONVS = new Set(['Conv', 'ConvTranspose']);

/**
 * Folds BatchNormalization into the Conv (or group-1 ConvTranspose) that alone feeds it:
 * W' = W·γ/√(σ²+ε) per output channel, b' = (b − μ)·γ/√(σ²+ε) + β. The Conv takes the
 * BatchNormalization's output name.
 */
export function foldBatchNorms(model: ModelProto, src: TensorSource): number {
  const g = model.graph;
  if (!g) return 0;
  const names = new Names(model);
  const inits = new Map(g.initializer.map((t) => [t.name, t]));
  const producer = producersOf(g);
  const reads = readCounts(g);
  const floatInit = (name: string | undefined): TensorProto | undefined => {
    const t = name ? inits.get(name) : undefined;
    return t && t.dataType === DataType.FLOAT ? t : undefined;
  };
  const removed = new Set<NodeProto>();
  let folded = 0;
  for (const bn of g.node) {
    if (bn.opType !== 'BatchNormalization' || !isDefaultDomain(bn)) continue;
    if (bn.output.slice(1).some((o) => o !== '') || attrOf(bn, 'training_mode')?.i === 1) continue;
    const x = bn.input[0] ?? '';
    const conv = producer.get(x);
    if (!conv || !isDefaultDomain(conv) || (conv.opType !== 'Conv' && conv.opType !== 'ConvTranspose')) continue;
    if (reads.get(x) !== 1 || conv.output.length !== 1) continue;
    const transposed = conv.opType === 'ConvTranspose';
    if (transposed && (attrOf(conv, 'group')?.i ?? 1) !== 1) continue;
    const w = floatInit(conv.input[1]);
    const b = conv.input[2] ? floatInit(conv.input[2]) : undefined;
    if (!w || (conv.input[2] && !b) || reads.get(w.name) !== 1) continue;
    const [gamma, beta, mean, variance] = [1, 2, 3, 4].map((i) => floatInit(bn.input[i]));
    if (!gamma || !beta || !mean || !variance) continue;
    const eps = attrOf(bn, 'epsilon')?.f ?? 1e-5;
    const wv = tensorValues(w, src);
    const channels = transposed ? (w.dims[1] ?? 0) : (w.dims[0] ?? 0);
    const gv = tensorValues(gamma, src);
    const bv = tensorValues(beta, src);
    const mv = tensorValues(mean, src);
    const vv = tensorValues(variance, src);
    if ([gv, bv, mv, vv].some((v) => v.length !== channels)) continue;
    const bias = b ? tensorValues(b, src) : new Float64Array(channels);
    if (bias.length !== channels) continue;
    const factor = Float64Array.from(
      { length: channels },
      (_, c) => (gv[c] as number) / Math.sqrt((vv[c] as number) + eps),
    );
    const newW = new Float32Array(wv.length);
    if (transposed) {
      // [C_in, C_out, k…]: channel is axis 1.
      const inner = elementCount(w.dims.slice(2));
      for (let i = 0; i < wv.length; i++)
        newW[i] = (wv[i] as number) * (factor[Math.floor(i / inner) % channels] as number);
    } else {
      const per = wv.length / channels;
      for (let i = 0; i < wv.length; i++) newW[i] = (wv[i] as number) * (factor[Math.floor(i / per)] as number);
    }
    w.data = { kind: 'bytes', bytes: bytesOf(newW) };
    w.externalData = [];
    const newB = Float32Array.from(
      { length: channels },
      (_, c) => ((bias[c] as number) - (mv[c] as number)) * (factor[c] as number) + (bv[c] as number),
    );
    const biasName = names.fresh(`${bn.output[0]}_folded_bias`);
    g.initializer.push(f32Tensor(biasName, [channels], newB));
    conv.input = [conv.input[0] ?? '', w.name, biasName];
    conv.output = [bn.output[0] ?? ''];
    removed.add(bn);
    folded++;
  }
  if (folded > 0) {
    g.node = g.node.filter((n) => !removed.has(n));
    dropDead(g);
  }
  return folded;
}

/**
 * Folds a constant Mul/Div/Add/Sub that alone reads a Conv's (or group-1 ConvTranspose's) output
 * into its weights and bias (PaddleOCR's "learnable affine" blocks, scale layers, a transposed
 * convolution's bias written as an Add): y = conv(x)·s + t becomes one Conv.
 * Only constants that broadcast along the output channel (one value, or C values on the channel
 * axis) are folded; the Conv takes the folded node's output name. Exact up to float rounding, and
 * it saves a whole pass over the feature map per node — on CPU these passes cost as much as the
 * convolutions, and between quantized Convs each one also needs its own Q/DQ.
 */
export function foldAffineIntoConvs(model: ModelProto, src: TensorSource): number {
  const g = model.graph;
  if (!g) return 0;
  const names = new Names(model);
  const inits = new Map(g.initializer.map((t) => [t.name, t]));
  const graphOutputs = new Set(g.output.map((o) => o.name));
  let folded = 0;
  for (;;) {
    const reads = readCounts(g);
    const readers = readersOf(g);
    let changed = false;
    const removed = new Set<NodeProto>();
    for (const conv of g.node) {
      if (!CONVS.has(conv.opType) || !isDefaultDomain(conv) || conv.output.length !== 1) continue;
      const transposed = conv.opType === 'ConvTranspose';
      if (transposed && (attrOf(conv, 'group')?.i ?? 1) !== 1) continue;
      const y = conv.output[0] ?? '';
      const op = readers.get(y)?.[0]; // the only reader, as the read count checks
      if (!op || !isDefaultDomain(op) || reads.get(y) !== 1 || graphOutputs.has(y) || removed.has(op)) continue;
      if (!['Mul', 'Div', 'Add', 'Sub'].includes(op.opType) || op.input.length !== 2) continue;
      const other = op.input[0] === y ? op.input[1] : op.input[0];
      // Div and Sub fold only with the constant second.
      if ((op.opType === 'Div' || op.opType === 'Sub') && op.input[1] !== other) continue;
      const c = other ? inits.get(other) : undefined;
      const w = conv.input[1] ? inits.get(conv.input[1]) : undefined;
      const b = conv.input[2] ? inits.get(conv.input[2]) : undefined;
      if (!c || c.dataType !== DataType.FLOAT || !w || w.dataType !== DataType.FLOAT || reads.get(w.name) !== 1)
        continue;
      if (conv.input[2] && (!b || b.dataType !== DataType.FLOAT || reads.get(b.name) !== 1)) continue;
      // Output channels: axis 0 of a Conv's weights, axis 1 of a ConvTranspose's ([C_in, C_out, k…]).
      const channels = (transposed ? w.dims[1] : w.dims[0]) ?? 0;
      const inner = elementCount(w.dims.slice(2));
      const outChannel = (i: number) =>
        transposed ? Math.floor(i / inner) % channels : Math.floor(i / (inner * (w.dims[1] ?? 0)));
      // Broadcast along the channel axis only: one value, or C values at output axis 1.
      const cv = perChannelValues(c, src, channels, w.dims.length);
      if (!cv) continue;
      const at = (o: number) => cv[o] as number;
      const wv = tensorValues(w, src);
      const bias = b ? tensorValues(b, src) : new Float64Array(channels);
      if (bias.length !== channels) continue;
      let newW: Float32Array | null = null;
      let newB: Float32Array;
      if (op.opType === 'Mul' || op.opType === 'Div') {
        const s = (o: number) => (op.opType === 'Mul' ? at(o) : 1 / at(o));
        newW = Float32Array.from(wv, (v, i) => v * s(outChannel(i)));
        newB = Float32Array.from(bias, (v, o) => v * s(o));
      } else newB = Float32Array.from(bias, (v, o) => v + (op.opType === 'Add' ? at(o) : -at(o)));
      if (newW) {
        w.data = { kind: 'bytes', bytes: bytesOf(newW) };
        w.externalData = [];
      }
      const biasName = b ? b.name : names.fresh(`${conv.name || y}_bias`);
      if (b) {
        b.data = { kind: 'bytes', bytes: bytesOf(newB) };
        b.externalData = [];
      } else {
        const t = f32Tensor(biasName, [channels], newB);
        g.initializer.push(t);
        inits.set(biasName, t);
      }
      conv.input = [conv.input[0] ?? '', w.name, biasName];
      conv.output = [op.output[0] ?? ''];
      removed.add(op);
      folded++;
      changed = true;
    }
    if (!changed) break;
    g.node = g.node.filter((n) => !removed.has(n));
  }
  if (folded > 0) {
    dropDead(g);
  }
  return folded;
}

/**
 * Hard-sigmoid written out as Add(x, 3) → Clip(0, 6) → Div(6) (as PaddlePaddle and some PyTorch
 * exports spell hard-swish) becomes one HardSigmoid(α = 1/6, β = 0.5): the same values in one
 * pass instead of three. Hard-swish spelled Add → Clip → Mul(x, ·) → Div(6) becomes
 * HardSigmoid → Mul. Returns the number of patterns replaced.
 */
export function fuseHardSigmoids(model: ModelProto, src: TensorSource): number {
  const g = model.graph;
  if (!g) return 0;
  const inits = new Map(g.initializer.map((t) => [t.name, t]));
  const graphOutputs = new Set(g.output.map((o) => o.name));
  const reads = readCounts(g);
  const readers = readersOf(g);
  const scalar = (name: string | undefined): number | null => {
    const t = name ? inits.get(name) : undefined;
    if (!t || t.dataType !== DataType.FLOAT || elementCount(t.dims) !== 1) return null;
    return tensorValues(t, src)[0] as number;
  };
  const single = (t: string | undefined, op: string): NodeProto | null => {
    const n = t ? readers.get(t)?.[0] : undefined; // the only reader, as the read count checks
    return n && t && isDefaultDomain(n) && n.opType === op && reads.get(t) === 1 && !graphOutputs.has(t) ? n : null;
  };
  const near = (v: number | null, want: number) => v !== null && Math.abs(v - want) <= 1e-6 * Math.abs(want);
  const clipBound = (clip: NodeProto, i: 1 | 2): number | null => {
    const a = attrOf(clip, i === 1 ? 'min' : 'max');
    if (a?.f !== undefined) return a.f;
    return scalar(clip.input[i]);
  };
  const removed = new Set<NodeProto>();
  let fused = 0;
  for (const add of g.node) {
    if (add.opType !== 'Add' || !isDefaultDomain(add) || add.input.length !== 2 || removed.has(add)) continue;
    const xi = near(scalar(add.input[1]), 3) ? 0 : near(scalar(add.input[0]), 3) ? 1 : -1;
    if (xi < 0) continue;
    const x = add.input[xi] ?? '';
    const clip = single(add.output[0], 'Clip');
    if (!clip || !near(clipBound(clip, 1), 0) || !near(clipBound(clip, 2), 6)) continue;
    const hs = (output: string) =>
      node('HardSigmoid', [x], [output], `${add.name || output}_hardsigmoid`, [
        { name: 'alpha', type: ATTR.FLOAT, f: 1 / 6, refAttrName: '', docString: '' },
        { name: 'beta', type: ATTR.FLOAT, f: 0.5, refAttrName: '', docString: '' },
      ]);
    const div = single(clip.output[0], 'Div');
    if (div && div.input[0] === clip.output[0] && near(scalar(div.input[1]), 6)) {
      // Hard-sigmoid: Add → Clip → Div becomes HardSigmoid (in the Div's place, keeping its output).
      Object.assign(div, hs(div.output[0] ?? ''));
      removed.add(add).add(clip);
      fused++;
      continue;
    }
    const mul = single(clip.output[0], 'Mul');
    if (!mul || !mul.input.includes(x) || mul.input.length !== 2) continue;
    const div2 = single(mul.output[0], 'Div');
    if (!div2 || div2.input[0] !== mul.output[0] || !near(scalar(div2.input[1]), 6)) continue;
    // Hard-swish: Add → Clip → Mul(x) → Div becomes HardSigmoid → Mul(x), the Mul keeping the Div's output.
    const h = `${clip.output[0]}_hardsigmoid`;
    Object.assign(clip, hs(h));
    mul.input = [x, h];
    mul.output = [div2.output[0] ?? ''];
    removed.add(add).add(div2);
    fused++;
  }
  if (fused > 0) {
    g.node = g.node.filter((n) => !removed.has(n));
    dropDead(g);
  }
  return fused;
}

/** One value, or one per channel on axis 1 of a rank-`rank` tensor ([C,1,1], [1,C,1,1]). */
function perChannelValues(t: TensorProto, src: TensorSource, channels: number, rank: number): Float64Array | null {
  const v = tensorValues(t, src);
  if (v.length === 1) return Float64Array.from({ length: channels }, () => v[0] as number);
  const k = t.dims.length;
  const onChannels =
    v.length === channels &&
    k <= rank &&
    k >= rank - 1 &&
    t.dims.every((d, j) => (j === k - rank + 1 ? d === channels : d === 1));
  return onChannels ? Float64Array.from(v) : null;
}

/**
 * Folds a constant affine between an activation and the Convs that read it — PaddleOCR's
 * "learnable affine" after every hard-swish: y = s·h + t, s and t one value or one per channel —
 * forward into those Convs. The scale goes into their weights, the shift into their biases
 * (conv(s·h + t) = conv_{W·s}(h) + Σ W·t). That is exact only when no reader pads: a padded border
 * reads 0, not t. When one does and `asBatchNorm` is set, the pair becomes one
 * BatchNormalization (γ = s, β = t, mean 0, variance 1, ε 0, so the same values): ONNX Runtime's
 * CPU layout pass runs it as a blocked-channel convolution, where a broadcast Mul and Add cost two
 * passes and a layout change each way. Returns what was folded and what became BatchNormalization.
 */
export function foldAffineIntoNextConvs(
  model: ModelProto,
  src: TensorSource,
  opts: { asBatchNorm: boolean },
): { folded: number; batchNorms: number } {
  const g = model.graph;
  if (!g) return { folded: 0, batchNorms: 0 };
  const names = new Names(model);
  const inits = new Map(g.initializer.map((t) => [t.name, t]));
  const graphOutputs = new Set(g.output.map((o) => o.name));
  const reads = readCounts(g);
  const readers = readersOf(g);
  const producer = producersOf(g);
  const constOf = (n: NodeProto): { x: string; c: TensorProto } | null => {
    if (!isDefaultDomain(n) || (n.opType !== 'Mul' && n.opType !== 'Add') || n.input.length !== 2) return null;
    const [i0, i1] = [inits.get(n.input[0] ?? ''), inits.get(n.input[1] ?? '')];
    const c = i1 ?? i0;
    if (!c || (i0 && i1) || c.dataType !== DataType.FLOAT) return null;
    return { x: (i1 ? n.input[0] : n.input[1]) ?? '', c };
  };
  const removed = new Set<NodeProto>();
  let folded = 0;
  let batchNorms = 0;
  for (const first of g.node) {
    if (removed.has(first)) continue;
    const a = constOf(first);
    if (!a) continue;
    // The chain: Mul, Add, or Mul then Add (the Add the Mul's only reader).
    const chain = [first];
    const scale: TensorProto | null = first.opType === 'Mul' ? a.c : null;
    let shift: TensorProto | null = first.opType === 'Add' ? a.c : null;
    const next = readers.get(first.output[0] ?? '') ?? [];
    const b =
      next.length === 1 && first.opType === 'Mul' && reads.get(first.output[0] ?? '') === 1 ? constOf(next[0]!) : null;
    if (b && next[0]!.opType === 'Add' && b.x === first.output[0] && !graphOutputs.has(b.x)) {
      chain.push(next[0]!);
      shift = b.c;
    }
    // Skip an Add whose Mul comes before it: the Mul starts that chain.
    if (first.opType === 'Add') {
      const before = producer.get(a.x);
      if (before && before.opType === 'Mul' && constOf(before) && reads.get(a.x) === 1) continue;
    }
    const last = chain[chain.length - 1]!;
    const y = last.output[0] ?? '';
    const convs = readers.get(y) ?? [];
    if (graphOutputs.has(y) || convs.length === 0 || convs.length !== reads.get(y)) continue;
    if (
      convs.some((c) => c.opType !== 'Conv' || !isDefaultDomain(c) || c.input[0] !== y || c.input.slice(1).includes(y))
    )
      continue;
    const weights = convs.map((c) => inits.get(c.input[1] ?? ''));
    if (weights.some((w) => !w || w.dataType !== DataType.FLOAT || w.dims.length < 3 || reads.get(w.name) !== 1))
      continue;
    const channelsOf = (c: NodeProto, w: TensorProto) => (w.dims[1] ?? 0) * Number(attrOf(c, 'group')?.i ?? 1);
    const channels = channelsOf(convs[0]!, weights[0]!);
    if (convs.some((c, k) => channelsOf(c, weights[k]!) !== channels)) continue;
    const rank = weights[0]!.dims.length;
    const s = scale ? perChannelValues(scale, src, channels, rank) : Float64Array.from({ length: channels }, () => 1);
    const t = shift ? perChannelValues(shift, src, channels, rank) : new Float64Array(channels);
    if (!s || !t) continue;
    const pads = (c: NodeProto) =>
      (attrOf(c, 'pads')?.ints ?? []).some((p) => Number(p) !== 0) ||
      !['', 'NOTSET', 'VALID'].includes(new TextDecoder().decode(attrOf(c, 'auto_pad')?.s ?? new Uint8Array()));
    if (convs.some(pads)) {
      if (!opts.asBatchNorm) continue;
      const name = (what: string) => names.fresh(`${last.name || y}_${what}`);
      const params = [
        f32Tensor(name('gamma'), [channels], s),
        f32Tensor(name('beta'), [channels], t),
        f32Tensor(name('mean'), [channels], new Float32Array(channels)),
        f32Tensor(name('var'), [channels], new Float32Array(channels).fill(1)),
      ];
      g.initializer.push(...params);
      Object.assign(
        last,
        node('BatchNormalization', [a.x, ...params.map((p) => p.name)], [y], names.fresh(`${last.name || y}_affine`), [
          { name: 'epsilon', type: ATTR.FLOAT, f: 0, refAttrName: '', docString: '' },
        ]),
      );
      for (const n of chain) if (n !== last) removed.add(n);
      batchNorms++;
      continue;
    }
    convs.forEach((conv, k) => {
      const w = weights[k]!;
      const wv = tensorValues(w, src);
      const out = w.dims[0] ?? 0;
      const perGroupIn = w.dims[1] ?? 0;
      const perGroupOut = out / Number(attrOf(conv, 'group')?.i ?? 1);
      const inner = wv.length / (out * perGroupIn);
      // Input channel of weight element i: its group's first channel plus its place in the group.
      const inChannel = (i: number) =>
        Math.floor(Math.floor(i / (perGroupIn * inner)) / perGroupOut) * perGroupIn +
        (Math.floor(i / inner) % perGroupIn);
      const bias = conv.input[2] ? inits.get(conv.input[2]) : undefined;
      const bv = bias ? tensorValues(bias, src) : new Float64Array(out);
      const newB = Float64Array.from(bv);
      const newW = new Float32Array(wv.length);
      for (let i = 0; i < wv.length; i++) {
        const c = inChannel(i);
        newB[Math.floor(i / (perGroupIn * inner))]! += (wv[i] as number) * (t[c] as number);
        newW[i] = (wv[i] as number) * (s[c] as number);
      }
      w.data = { kind: 'bytes', bytes: bytesOf(newW) };
      w.externalData = [];
      // A fresh bias: the old one may be read by other nodes.
      const biasName = names.fresh(`${conv.name || conv.output[0]}_bias`);
      g.initializer.push(f32Tensor(biasName, [out], newB));
      conv.input = [a.x, w.name, biasName];
    });
    for (const n of chain) removed.add(n);
    folded++;
  }
  if (removed.size > 0 || batchNorms > 0) {
    g.node = g.node.filter((n) => !removed.has(n));
    dropDead(g);
  }
  return { folded, batchNorms };
}
