/**
 * Channel equalization before INT8: activations get one scale per tensor, and when one channel of
 * a Conv's input spans a hundred times the range of the others (PP-OCRv4's detector: 123 against a
 * median of 7), the others are left a few quantization steps. Scaling channel c of that input by
 * k_c and dividing the Conv's weights for channel c by k_c computes the same thing in float, while
 * the quantizer sees channels of even range (cross-layer equalization, Nagel et al. 2019; the same
 * migration as SmoothQuant). The scale is absorbed upstream, where it costs nothing:
 * - a constant Mul (and Add) that alone makes the input — PaddleOCR's learnable affine blocks:
 *   their constants become per-channel;
 * - a Conv that alone makes it (directly, or through a Relu, which commutes with k_c > 0): its
 *   output channels are scaled.
 * Depthwise Convs take the full equalization (their weights are quantized per channel, so the
 * division is free); group-1 Convs split the range between activation and weight
 * (k_c = √(w_c / a_c), SmoothQuant's α = ½), since their weights share one scale per output channel.
 * A tensor read by several Convs (a backbone stage's output, read by the next stage and the neck)
 * is equalized once for all of them, split by the group-1 readers' weights when there are any
 * (PP-OCRv4 det, TensorRT flavour with MSE: held-back mean/worst cosine 0.985/0.936 → 0.989/0.963).
 *
 * Measured on rendered text (24 held-back images, mean cosine to FP32): TensorRT's symmetric INT8
 * gains (PP-OCRv4 det 0.900 → 0.973, rec 0.956 → 0.969, cls 0.9974 → 0.9978); ONNX Runtime's
 * asymmetric UINT8 does not (det 0.922 → 0.915, cls 0.9997 → 0.9988): equalizing |x| can widen a
 * [min, max] range whose channels lean to different signs, and its error there comes mostly from
 * the Conv outputs it must quantize before a float activation. So it is on by default for TensorRT.
 */
import type { GraphProto, ModelProto, NodeProto, TensorProto } from '../onnx/model';
import { tensorValues, type TensorSource } from '../onnx/values';
import type { ActivationStats } from './calibrate';
import { attrOf, bytesOf, f32Tensor, isDefaultDomain, Names, readCounts } from '../onnx/graph-edit';
import { producersOf, readersOf } from '../onnx/graph-index';
import { DataType } from '../onnx/dtypes';

/** A Conv input that can be equalized, and where its scale goes. */
export interface EqualizeCandidate {
  /** The Conv input tensor. */
  tensor: string;
  /** Every reader of the tensor: all Convs (a backbone stage's output read by the next stage and the neck). */
  convs: NodeProto[];
  /** What absorbs k_c: the Mul (and Add) of an affine block, or a Conv's output channels. */
  upstream: { kind: 'affine'; mul: NodeProto; add: NodeProto | null } | { kind: 'conv'; conv: NodeProto };
}

/** k_c beyond this buys nothing (a channel that small is below one step anyway) and risks float range. */
const MAX_FACTOR = 1024;

function groupOf(n: NodeProto): number {
  return Number(attrOf(n, 'group')?.i ?? 1);
}

/**
 * Conv inputs in `g` whose scale can be moved upstream exactly. `wanted` says which Convs will be
 * quantized (equalizing the others only costs float rounding).
 */
export function equalizationCandidates(model: ModelProto, wanted: (conv: NodeProto) => boolean): EqualizeCandidate[] {
  const g = model.graph;
  if (!g) return [];
  const inits = new Map(g.initializer.map((t) => [t.name, t]));
  const producer = producersOf(g);
  const reads = readCounts(g);
  const single = (t: string) => reads.get(t) === 1;
  const readers = readersOf(g);
  const seen = new Set<string>();
  const constFloat = (name: string | undefined): TensorProto | undefined => {
    const t = name ? inits.get(name) : undefined;
    return t && t.dataType === DataType.FLOAT ? t : undefined;
  };
  const out: EqualizeCandidate[] = [];
  for (const conv of g.node) {
    if (conv.opType !== 'Conv' || !isDefaultDomain(conv) || !wanted(conv)) continue;
    const x = conv.input[0] ?? '';
    if (!x || seen.has(x)) continue;
    seen.add(x);
    // Every reader a Conv taking it as its input only, with weights of its own and the same channels.
    const convs = readers.get(x) ?? [];
    if (convs.length !== reads.get(x)) continue;
    const channelsOf = (c: NodeProto) => {
      const cw = constFloat(c.input[1]);
      const ok =
        c.opType === 'Conv' &&
        isDefaultDomain(c) &&
        c.input[0] === x &&
        !c.input.slice(1).includes(x) &&
        cw &&
        cw.dims.length >= 3 &&
        single(cw.name);
      return ok ? (cw.dims[1] ?? 0) * groupOf(c) : -1;
    };
    const w = constFloat(conv.input[1]);
    const channels = channelsOf(conv);
    if (!w || channels < 0 || convs.some((c) => channelsOf(c) !== channels)) continue;
    const p = producer.get(x);
    if (!p || !isDefaultDomain(p)) continue;
    // A per-channel (or scalar) constant on the channel axis of an NC… tensor.
    const onChannels = (t: TensorProto | undefined) => {
      if (!t) return false;
      const n = t.dims.reduce((a, b) => a * b, 1);
      return (
        n === 1 || (n === channels && t.dims.length >= w.dims.length - 1 && t.dims.at(-w.dims.length + 1) === channels)
      );
    };
    const constOf = (n: NodeProto) => {
      const k = n.input.findIndex((i) => inits.has(i));
      return k < 0 || n.input.length !== 2 ? null : { k, t: constFloat(n.input[k]), other: n.input[1 - k] ?? '' };
    };
    if (p.opType === 'Add') {
      const c = constOf(p);
      const m = c ? producer.get(c.other) : undefined;
      const mc = m && m.opType === 'Mul' && isDefaultDomain(m) ? constOf(m) : null;
      if (c && onChannels(c.t) && m && mc && onChannels(mc.t) && single(c.other))
        out.push({ tensor: x, convs, upstream: { kind: 'affine', mul: m, add: p } });
    } else if (p.opType === 'Mul') {
      const mc = constOf(p);
      if (mc && onChannels(mc.t)) out.push({ tensor: x, convs, upstream: { kind: 'affine', mul: p, add: null } });
    } else {
      // A Conv, directly or through a Relu (relu(k·y) = k·relu(y) for k > 0).
      const through = p.opType === 'Relu' && single(p.input[0] ?? '') ? producer.get(p.input[0] ?? '') : p;
      if (
        through &&
        through.opType === 'Conv' &&
        isDefaultDomain(through) &&
        constFloat(through.input[1]) &&
        single(through.input[1] ?? '') &&
        (!through.input[2] || (constFloat(through.input[2]) && single(through.input[2] ?? ''))) &&
        (constFloat(through.input[1])?.dims[0] ?? -1) === channels
      )
        out.push({ tensor: x, convs, upstream: { kind: 'conv', conv: through } });
    }
  }
  return out;
}

/**
 * Applies the equalization to the candidates whose per-channel ranges were measured. Returns the
 * tensors equalized. Exact in float (up to rounding): every scale moved is undone downstream.
 */
export function equalizeChannels(
  model: ModelProto,
  src: TensorSource,
  candidates: EqualizeCandidate[],
  stats: ReadonlyMap<string, ActivationStats>,
): string[] {
  const g = model.graph as GraphProto;
  const names = new Names(model);
  const inits = new Map(g.initializer.map((t) => [t.name, t]));
  const done: string[] = [];
  for (const cand of candidates) {
    const a = stats.get(cand.tensor)?.channelAbsMax;
    const readers = cand.convs.map((conv) => {
      const w = inits.get(conv.input[1] ?? '') as TensorProto;
      const group = groupOf(conv);
      const perGroup = w.dims[1] ?? 0;
      const outChannels = w.dims[0] ?? 0;
      return {
        w,
        wv: tensorValues(w, src),
        perGroup,
        outChannels,
        outPerGroup: outChannels / group,
        inner: w.dims.slice(2).reduce((x, y) => x * y, 1),
      };
    });
    const channels = readers[0] ? readers[0].perGroup * (readers[0].outChannels / readers[0].outPerGroup) : 0;
    if (!a || a.length !== channels || channels < 2) continue;
    // Weight range per input channel, over the group-1 readers' output channels that read it (a
    // depthwise reader takes any k_c for free: its weights are quantized per channel).
    const depthwise = readers.every((r) => r.perGroup === 1);
    const wmax = new Float64Array(channels);
    for (const r of readers) {
      if (r.perGroup === 1 && !depthwise) continue;
      for (let o = 0; o < r.outChannels; o++) {
        const base = Math.floor(o / r.outPerGroup) * r.perGroup;
        for (let j = 0; j < r.perGroup; j++)
          for (let i = 0; i < r.inner; i++) {
            const v = Math.abs(r.wv[(o * r.perGroup + j) * r.inner + i] as number);
            if (v > (wmax[base + j] as number)) wmax[base + j] = v;
          }
      }
    }
    const top = Math.max(...a);
    if (!(top > 0) || !Number.isFinite(top)) continue;
    const k = new Float64Array(channels);
    for (let c = 0; c < channels; c++) {
      const ac = a[c] as number;
      const wc = wmax[c] as number;
      const raw = !(ac > 0) || !(wc > 0) ? 1 : depthwise ? top / ac : Math.sqrt(wc / ac);
      k[c] = raw;
    }
    // Group 1: only relative sizes matter; keep the largest activation channel as it was.
    if (!depthwise) {
      let ref = 0;
      for (let c = 1; c < channels; c++) if ((a[c] as number) > (a[ref] as number)) ref = c;
      const r = k[ref] as number;
      for (let c = 0; c < channels; c++) k[c] = (k[c] as number) / r;
    }
    for (let c = 0; c < channels; c++) k[c] = Math.min(MAX_FACTOR, Math.max(1 / MAX_FACTOR, k[c] as number));
    if (k.every((x) => Math.abs(x - 1) < 1e-3)) continue;

    // Upstream: multiply channel c by k_c.
    const rank = readers[0]!.w.dims.length;
    const channelDims = [1, channels, ...new Array<number>(rank - 2).fill(1)];
    const scaled = (t: TensorProto | undefined, base: string): string => {
      const v = t ? tensorValues(t, src) : new Float64Array([1]);
      const name = names.fresh(`${base}_equalized`);
      const per = Float32Array.from({ length: channels }, (_, c) => (v.length === 1 ? v[0]! : v[c]!) * k[c]!);
      g.initializer.push(f32Tensor(name, channelDims, per));
      return name;
    };
    const up = cand.upstream;
    if (up.kind === 'affine') {
      for (const n of [up.mul, up.add]) {
        if (!n) continue;
        const i = n.input.findIndex((x) => inits.has(x));
        n.input[i] = scaled(inits.get(n.input[i] ?? ''), n.input[i] ?? 'affine');
      }
    } else {
      const pw = inits.get(up.conv.input[1] ?? '') as TensorProto;
      const pv = tensorValues(pw, src);
      const per = pv.length / channels;
      pw.data = { kind: 'bytes', bytes: bytesOf(Float32Array.from(pv, (v, i) => v * k[Math.floor(i / per)]!)) };
      pw.externalData = [];
      const pb = up.conv.input[2] ? inits.get(up.conv.input[2]) : undefined;
      if (pb) {
        const bv = tensorValues(pb, src);
        pb.data = { kind: 'bytes', bytes: bytesOf(Float32Array.from(bv, (v, c) => v * k[c]!)) };
        pb.externalData = [];
      }
    }
    // Downstream: each reader's weights for input channel c divided by k_c.
    for (const r of readers) {
      const nw = new Float32Array(r.wv.length);
      for (let o = 0; o < r.outChannels; o++) {
        const base = Math.floor(o / r.outPerGroup) * r.perGroup;
        for (let j = 0; j < r.perGroup; j++)
          for (let i = 0; i < r.inner; i++) {
            const at = (o * r.perGroup + j) * r.inner + i;
            nw[at] = (r.wv[at] as number) / (k[base + j] as number);
          }
      }
      r.w.data = { kind: 'bytes', bytes: bytesOf(nw) };
      r.w.externalData = [];
    }
    done.push(cand.tensor);
  }
  return done;
}
