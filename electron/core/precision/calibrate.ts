/**
 * Calibration for INT8: feed a model samples (seeded random tensors, or the user's .npy/.npz files
 * in ModelOpt's layout, or images: the input data of core/inputs) and measure the activations it computes — min, max, |x| max and, for the
 * histogram calibrators, a histogram of |x| — then turn a histogram into a clipping threshold the
 * way TensorRT's calibrators do (max, percentile, entropy = KL divergence, MSE).
 *
 * Activations are exposed by opening a copy of the model whose graph outputs are the tensors
 * wanted, run by ONNX Runtime with graph optimizations disabled (so every tensor exists exactly as
 * the model computes it). Memory stays bounded: at most `maxTensorsPerPass` tensors are exposed at
 * a time, every sample's outputs are folded into running statistics and dropped, and histograms
 * take two passes over the data (|x| max first, then bins over [0, |x| max]) as onnxruntime's
 * calibrator and TensorRT's entropy calibrator do.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as ort from 'onnxruntime-node';
import type { Calibrator } from '../../shared/api/variants';
import { KilnError } from '../../shared/api/errors';
import { openExposed, runFeeds, tensorOutput } from '../backends/onnxruntime/session';
import { inputFeeds, sampleCount, type InputData } from '../inputs/feeds';
import { modelInputs } from '../inputs/specs';
import { analyzeModel } from '../onnx/analyze';
import type { IRGraph } from '../onnx/ir';
import { TENSOR_INITIALIZER, TENSOR_INPUT } from '../onnx/ir';
import type { ValueInfoProto } from '../onnx/model';
import { halfArrayToFloat32 } from '../onnx/half';
import { makeTempDir, removeTempDir } from '../../platform/temp-dirs';

// ---- activation statistics ---------------------------------------------------------------------

export interface ActivationStats {
  min: number;
  max: number;
  absMax: number;
  /** Finite values seen. */
  count: number;
  /** Histogram of |x| over [0, absMax] (bins of equal width). */
  histogram?: { bins: Float64Array; absMax: number };
  /** max |x| per channel (axis 1), for the tensors CollectOptions.channels names. */
  channelAbsMax?: Float64Array;
}

export interface CollectOptions {
  /** Tensor names to measure (default: every float activation of the main graph, inputs included). */
  tensors?: string[];
  histogram?: boolean;
  /** Histogram bins (default 2048, as TensorRT's entropy calibrator). */
  bins?: number;
  signal?: AbortSignal;
  onProgress?: (fraction: number, stage: string) => void;
  /** Tensors exposed per ONNX Runtime session (default 200): bounds memory on big models. */
  maxTensorsPerPass?: number;
  /** Of the tensors measured, those whose max |x| is also kept per channel (axis 1). */
  channels?: string[];
}

const FLOAT_TYPES: Record<string, number> = { float32: 1, float16: 10, float64: 11 };

/** Values of an output tensor as numbers (float16 decoded). */
function floatView(t: ort.Tensor): ArrayLike<number> | null {
  if (t.type === 'float32' || t.type === 'float64') return t.data as Float32Array | Float64Array;
  if (t.type === 'float16') {
    return halfArrayToFloat32(t.data as Uint16Array);
  }
  return null;
}

function newStats(): ActivationStats {
  return { min: Infinity, max: -Infinity, absMax: 0, count: 0 };
}

function accumulate(s: ActivationStats, v: ArrayLike<number>): void {
  let min = s.min;
  let max = s.max;
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i] as number;
    if (x - x !== 0) continue; // NaN or ±Inf
    if (x < min) min = x;
    if (x > max) max = x;
    n++;
  }
  s.min = min;
  s.max = max;
  s.absMax = Math.max(Math.abs(min), Math.abs(max), s.absMax);
  s.count += n;
}

/** max |x| per index of axis 1 (NCHW channels, or the features of [N, C]). */
function accumulateChannels(s: ActivationStats, v: ArrayLike<number>, dims: readonly number[]): void {
  const channels = dims[1] ?? 1;
  const inner = dims.slice(2).reduce((a, b) => a * b, 1);
  const m = (s.channelAbsMax ??= new Float64Array(channels));
  if (m.length !== channels) return;
  for (let i = 0; i < v.length; i++) {
    const x = Math.abs(v[i] as number);
    const c = Math.floor(i / inner) % channels;
    if (x > (m[c] as number) && x !== Infinity) m[c] = x;
  }
}

function fillHistogram(h: { bins: Float64Array; absMax: number }, v: ArrayLike<number>): void {
  const bins = h.bins;
  const last = bins.length - 1;
  const per = h.absMax > 0 ? bins.length / h.absMax : 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i] as number;
    if (x - x !== 0) continue;
    const b = Math.floor(Math.abs(x) * per);
    bins[b > last ? last : b] = (bins[b > last ? last : b] as number) + 1;
  }
}

function cancelled(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new KilnError('CANCELLED', `${what} was cancelled`);
}

/**
 * Runs the calibration data through the model and returns statistics per tensor name. Tensors
 * that never got a finite value have min = +Infinity, max = -Infinity and count 0.
 */
export async function collectActivationStats(
  modelPath: string,
  data: InputData,
  opts: CollectOptions = {},
): Promise<Map<string, ActivationStats>> {
  const a = await analyzeModel(modelPath);
  const file = a.opened.displayName;
  const { ir, shapes } = a;
  const model = a.opened.model;
  const graph = model.graph;
  if (!graph) throw new KilnError('NOT_ONNX', `${file} has no graph`, { file });
  const main = ir.graphs[0] as IRGraph;
  const bins = opts.bins ?? 2048;
  if (!Number.isInteger(bins) || bins < 1)
    throw new KilnError('INVALID_ARGUMENT', `histogram bins must be ≥ 1, not ${bins}`);
  const perPass = opts.maxTensorsPerPass ?? 200;
  if (!Number.isInteger(perPass) || perPass < 1)
    throw new KilnError('INVALID_ARGUMENT', `maxTensorsPerPass must be ≥ 1, not ${perPass}`);
  const what = `Calibrating ${file}`;

  // Which tensors: ids in the main graph, and their element types.
  const byName = new Map<string, number>();
  for (let t = 0; t < ir.tensorCount; t++) if (ir.tensorGraph[t] === 0) byName.set(ir.tensorName[t] as string, t);
  const isConstant = (t: number) => {
    if ((ir.tensorFlags[t] as number) & TENSOR_INITIALIZER) return true;
    const p = ir.tensorProducer[t] as number;
    return p >= 0 && ir.nodes[p]?.opType === 'Constant';
  };
  const inputNames = new Set(modelInputs(graph).map((i) => i.name));
  let wanted: string[];
  if (opts.tensors) {
    wanted = [...new Set(opts.tensors)];
    for (const name of wanted) {
      const t = byName.get(name);
      if (t === undefined)
        throw new KilnError('INVALID_ARGUMENT', `${file} has no tensor "${name}" in its main graph`, { file });
      if (isConstant(t))
        throw new KilnError('INVALID_ARGUMENT', `"${name}" in ${file} is a constant, not an activation`, { file });
    }
  } else {
    wanted = [];
    for (const [name, t] of byName) {
      const flags = ir.tensorFlags[t] as number;
      const produced =
        (ir.tensorProducer[t] as number) >= main.nodeStart && (ir.tensorProducer[t] as number) < main.nodeEnd;
      if (isConstant(t) || !(produced || (flags & TENSOR_INPUT && inputNames.has(name)))) continue;
      if ((shapes.types[t]?.dtype ?? '') in FLOAT_TYPES) wanted.push(name);
    }
  }
  const stats = new Map<string, ActivationStats>();
  for (const name of wanted) stats.set(name, newStats());
  const fromFeeds = wanted.filter((n) => inputNames.has(n));
  const exposed = wanted.filter((n) => !inputNames.has(n));

  const inputs = modelInputs(graph);
  const groups: string[][] = [];
  for (let i = 0; i < exposed.length; i += perPass) groups.push(exposed.slice(i, i + perPass));
  const histogram = opts.histogram ?? false;
  const passes = histogram ? 2 : 1;
  const perChannel = new Set(opts.channels ?? []);
  // Samples per pass: known for random data; counted on the first pass for files.
  let samples = sampleCount(data);
  const totalPasses = Math.max(1, groups.length) * passes;
  let passesDone = 0;
  const progress = (k: number, stage: string) => {
    if (!opts.onProgress) return;
    const within = samples ? Math.min(1, k / samples) : 0;
    opts.onProgress(Math.min(1, (passesDone + within) / totalPasses), stage);
  };

  const observe = (name: string, values: ArrayLike<number>, pass: number) => {
    const s = stats.get(name) as ActivationStats;
    if (pass === 0) accumulate(s, values);
    else if (s.histogram) fillHistogram(s.histogram, values);
  };
  const startHistograms = (names: string[]) => {
    for (const name of names) {
      const s = stats.get(name) as ActivationStats;
      s.histogram = { bins: new Float64Array(bins), absMax: s.absMax };
    }
  };

  const tmp = makeTempDir('calib');
  try {
    // Graph inputs (and nothing else) when no tensor needs exposing: run the data through without ORT.
    if (groups.length === 0) {
      for (let pass = 0; pass < passes; pass++) {
        if (pass === 1) startHistograms(fromFeeds);
        let k = 0;
        for await (const feeds of inputFeeds(inputs, data, file)) {
          cancelled(opts.signal, what);
          for (const name of fromFeeds) {
            const v = floatView(feeds[name] as ort.Tensor);
            if (v) observe(name, v, pass);
          }
          progress(++k, pass === 0 ? 'Measuring ranges' : 'Filling histograms');
        }
        samples ??= k;
        passesDone++;
      }
      return stats;
    }
    for (const [g, group] of groups.entries()) {
      cancelled(opts.signal, what);
      const outputs: ValueInfoProto[] = group.map((name) => {
        const t = byName.get(name) as number;
        const elemType = FLOAT_TYPES[shapes.types[t]?.dtype ?? ''] ?? 1;
        return tensorOutput(name, elemType);
      });
      const exposedPath = path.join(tmp, `expose-${g}.onnx`);
      const session = await openExposed(
        a.opened,
        outputs,
        exposedPath,
        { cpu: true, optimization: 'disabled', quiet: true },
        (err) =>
          new KilnError(
            'UNSUPPORTED',
            `ONNX Runtime cannot load ${file} for calibration: ${err instanceof Error ? err.message : String(err)}`,
            { file },
          ),
      );
      fs.rmSync(exposedPath, { force: true });
      const inputsHere = g === 0 ? fromFeeds : [];
      try {
        for (let pass = 0; pass < passes; pass++) {
          if (pass === 1) startHistograms([...group, ...inputsHere]);
          const stage = `${pass === 0 ? 'Measuring ranges' : 'Filling histograms'}${groups.length > 1 ? ` (tensors ${g * perPass + 1}–${g * perPass + group.length} of ${exposed.length})` : ''}`;
          let k = 0;
          for await (const feeds of inputFeeds(inputs, data, file)) {
            cancelled(opts.signal, what);
            const out = await runFeeds(session, feeds, file, `on calibration sample ${k + 1}`);
            for (const name of group) {
              const t = out[name];
              const v = t ? floatView(t) : null;
              if (v) observe(name, v, pass);
              if (v && t && pass === 0 && perChannel.has(name))
                accumulateChannels(stats.get(name) as ActivationStats, v, t.dims);
              t?.dispose();
            }
            for (const name of inputsHere) {
              const v = floatView(feeds[name] as ort.Tensor);
              if (v) observe(name, v, pass);
            }
            progress(++k, stage);
          }
          if (k === 0) throw new KilnError('INVALID_ARGUMENT', `the calibration data for ${file} holds no samples`);
          samples ??= k;
          passesDone++;
        }
      } finally {
        await session.release();
      }
    }
    return stats;
  } finally {
    removeTempDir(tmp);
  }
}

// ---- thresholds from histograms ---------------------------------------------------------------

export type CalibratorKind = Calibrator;

/**
 * Threshold covering `percentile` % of the values: the upper edge of the first bin where the
 * cumulative count reaches it (so at least that share of |x| lies within the threshold).
 */
export function percentileThreshold(bins: ArrayLike<number>, absMax: number, percentile: number): number {
  if (!(percentile > 0 && percentile <= 100))
    throw new KilnError('INVALID_ARGUMENT', `percentile must be in (0, 100], not ${percentile}`);
  let total = 0;
  for (let i = 0; i < bins.length; i++) total += bins[i] as number;
  if (total === 0 || absMax === 0) return absMax;
  const target = (percentile / 100) * total;
  let c = 0;
  for (let i = 0; i < bins.length; i++) {
    c += bins[i] as number;
    if (c >= target * (1 - 1e-12)) return ((i + 1) * absMax) / bins.length;
  }
  return absMax;
}

/**
 * TensorRT's entropy calibration (EntropyCalibrator2, as NVIDIA's pytorch-quantization implements
 * it): for every candidate of i = startBin … bins kept bins, the reference distribution P is the
 * first i bins with the outliers added to the last; the candidate Q is those bins merged into
 * `levels` quantization levels and expanded back over the non-empty bins; the threshold is the
 * upper edge of bin i with the smallest KL(P‖Q) (the last one on ties). The zero bin takes the
 * count of bin 1, as there, so exact zeros (ReLU) do not dominate.
 */
export function entropyThreshold(
  histogram: ArrayLike<number>,
  absMax: number,
  opts: { levels?: number; startBin?: number; stride?: number } = {},
): number {
  const n = histogram.length;
  const levels = opts.levels ?? 128;
  const start = Math.max(1, Math.min(opts.startBin ?? 128, n));
  const stride = opts.stride ?? 1;
  if (absMax === 0 || n === 0) return absMax;
  const bins = Float64Array.from(histogram);
  if (n > 1) bins[0] = bins[1] as number;
  // Prefix sums over bins: counts, non-empty bins, and Σ b·ln b — each candidate then costs O(levels).
  const S = new Float64Array(n + 1);
  const C = new Float64Array(n + 1);
  const L = new Float64Array(n + 1);
  for (let j = 0; j < n; j++) {
    const b = bins[j] as number;
    S[j + 1] = (S[j] as number) + b;
    C[j + 1] = (C[j] as number) + (b > 0 ? 1 : 0);
    L[j + 1] = (L[j] as number) + (b > 0 ? b * Math.log(b) : 0);
  }
  const total = S[n] as number;
  if (total === 0) return absMax;
  const logT = Math.log(total);
  let best = Infinity;
  let bestI = n;
  for (let i = start; i <= n; i += stride) {
    const kept = S[i] as number; // Σ Q before normalising: each level's mean times its non-empty bins
    const outliers = total - kept;
    const last = bins[i - 1] as number;
    let kl = 0;
    if (outliers > 0 && last === 0)
      kl = Infinity; // P has mass in the last bin, Q none
    else if (kept > 0) {
      const logKept = Math.log(kept);
      // Bin j is in level floor(j·levels / i): level l spans [ceil(l·i/levels), ceil((l+1)·i/levels)).
      let a = 0;
      for (let l = 0; l < levels && a < i; l++) {
        const e = Math.min(i, Math.ceil(((l + 1) * i) / levels));
        const count = (C[e] as number) - (C[a] as number);
        if (count > 0) {
          const sum = (S[e] as number) - (S[a] as number);
          // Σ over the level's non-empty bins of p·ln(p/q), p = b/T, q = (sum/count)/kept.
          const logQ = Math.log(sum / count) - logKept;
          kl += ((L[e] as number) - (L[a] as number)) / total - (sum / total) * (logT + logQ);
          if (outliers > 0 && e === i) {
            // The last bin holds the outliers in P: swap its term.
            const p0 = last / total;
            const p1 = (last + outliers) / total;
            kl += p1 * (Math.log(p1) - logQ) - p0 * (Math.log(p0) - logQ);
          }
        }
        a = e;
      }
    }
    if (kl <= best) {
      best = kl;
      bestI = i;
    }
  }
  return (bestI * absMax) / n;
}

/**
 * The threshold (an upper bin edge) minimising the mean squared error of quantizing the
 * histogram's values — bin centres — to `levels` steps of threshold/levels, values beyond the
 * threshold clipped to it.
 */
export function mseThreshold(
  histogram: ArrayLike<number>,
  absMax: number,
  opts: { levels?: number; stride?: number } = {},
): number {
  const n = histogram.length;
  const levels = opts.levels ?? 127;
  const stride = opts.stride ?? 1;
  if (absMax === 0 || n === 0) return absMax;
  const width = absMax / n;
  // Suffix moments of the clipped part: Σc, Σc·x, Σc·x² over bins from j on.
  const c0 = new Float64Array(n + 1);
  const c1 = new Float64Array(n + 1);
  const c2 = new Float64Array(n + 1);
  for (let j = n - 1; j >= 0; j--) {
    const c = histogram[j] as number;
    const x = (j + 0.5) * width;
    c0[j] = (c0[j + 1] as number) + c;
    c1[j] = (c1[j + 1] as number) + c * x;
    c2[j] = (c2[j + 1] as number) + c * x * x;
  }
  let best = Infinity;
  let bestI = n;
  for (let i = n; i >= 1; i -= stride) {
    const t = i * width;
    const step = t / levels;
    // Bins from i on have centres ≥ t: clipped to t.
    let err = Math.max(0, (c2[i] as number) - 2 * t * (c1[i] as number) + t * t * (c0[i] as number));
    for (let j = 0; j < i && err < best; j++) {
      const c = histogram[j] as number;
      if (c === 0) continue;
      const x = (j + 0.5) * width;
      const d = x - Math.round(x / step) * step;
      err += c * d * d;
    }
    if (err < best) {
      best = err;
      bestI = i;
    }
  }
  return bestI * width;
}

/**
 * The clipping threshold on |x| a calibrator picks for these statistics. `unsigned` (one-sided
 * tensors quantized to UINT8) doubles the levels the entropy and MSE searches quantize to.
 * Entropy needs a histogram with at least as many values as bins: on fewer (a per-channel gate
 * seen on a few samples) the KL search over mostly empty bins clips at random, so |x| max is
 * used and `onFallback` says so.
 */
export function calibratedThreshold(
  s: ActivationStats,
  calibrator: CalibratorKind,
  opts: { percentile?: number; unsigned?: boolean; onFallback?: (reason: string) => void } = {},
): number {
  if (calibrator === 'max' || !s.histogram || s.absMax === 0) return s.absMax;
  const { bins, absMax } = s.histogram;
  if (calibrator === 'percentile') return percentileThreshold(bins, absMax, opts.percentile ?? 99.99);
  if (calibrator === 'entropy' && s.count < bins.length) {
    opts.onFallback?.(`${s.count} values are too few for a ${bins.length}-bin entropy search: |x| max used`);
    return s.absMax;
  }
  if (calibrator === 'entropy') return entropyThreshold(bins, absMax, { levels: opts.unsigned ? 256 : 128 });
  return mseThreshold(bins, absMax, { levels: opts.unsigned ? 255 : 127 });
}
