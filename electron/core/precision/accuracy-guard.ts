/**
 * INT8 must agree with FP32 on the user's own data. The variant runs beside FP32 on calibration
 * samples (on ONNX Runtime: a TensorRT variant's Q/DQ too); while its worst cosine (any float output,
 * any sample) is under the floor, the INT8 layer (or run of neighbours) whose float version helps
 * most goes float, and then each layer of a run goes back to INT8 if the floor still holds. All float
 * is exact, so the floor is always met in the end. The FP32 outputs are held once (up to
 * REFERENCE_BYTES), the variant's are compared one sample at a time. Outputs too small for a
 * per-sample cosine (a VAD's speech probability) are judged pooled over the samples.
 */
import type * as ort from 'onnxruntime-node';
import { cosineOf } from '../../shared/compare/metrics';
import { openSession } from '../backends/onnxruntime/session';

export interface AccuracyStep {
  /** The layer made float. */
  node: string;
  /** Worst cosine once it is float. */
  worst: number;
}

export interface AccuracyResult {
  /** Nodes to keep float (names): the ones given plus the ones this check added. */
  excluded: string[];
  /** Worst cosine of the variant as given, and as returned. */
  before: number;
  worst: number;
  steps: AccuracyStep[];
  samples: number;
}

type Feeds = Record<string, ort.Tensor>;

/** Most candidates tried per round; more layers than this are tried in runs of neighbours. */
const ROUND = 8;
/** Most evaluations in all (each a quantization and a run of the samples). */
const MAX_TRIES = 24;
/** Most evaluations giving layers of a run back to INT8 once the floor is met. */
const GIVE_BACK_TRIES = 16;

/** FP32 outputs the check holds for its samples; past this, later samples are left out (bounds memory). */
const REFERENCE_BYTES = 512 * 2 ** 20;

const session = (file: string) => openSession(file, { optimization: 'all', quiet: true });

/** Each float output of one run, in output order (a view: read it before the next run). */
function floatOutputs(s: ort.InferenceSession, out: ort.InferenceSession.OnnxValueMapType): Float32Array[] {
  return s.outputNames.map((n) => out[n]?.data).filter((d): d is Float32Array => d instanceof Float32Array);
}

/**
 * Per sample, an output this small (a VAD's speech probability: 1 value, whose cosine is its sign)
 * is judged pooled. Two values already mean something: a two-class classifier's near-ties (judged
 * pooled, PP-OCR's direction classifier met the floor while a held-back tie fell to 0.966).
 */
const POOL_BELOW = 2;
/** A sample whose reference is this much quieter (RMS) than the output's average is judged pooled too. */
const QUIET = 0.1;

/** FP32's outputs on the samples, and each output's RMS over all of them. */
interface Reference {
  outputs: Float32Array[][];
  level: number[];
  samples: Feeds[];
}

/** Runs FP32 on the samples, as many as fit in REFERENCE_BYTES (at least one). */
async function referenceOf(fp32Path: string, samples: Feeds[], budget = REFERENCE_BYTES): Promise<Reference> {
  const s = await session(fp32Path);
  try {
    const outputs: Float32Array[][] = [];
    let bytes = 0;
    for (const feeds of samples) {
      const got = floatOutputs(s, await s.run(feeds)).map((d) => Float32Array.from(d));
      bytes += got.reduce((n, d) => n + d.byteLength, 0);
      if (outputs.length > 0 && bytes > budget) break;
      outputs.push(got);
    }
    const level = (outputs[0] ?? []).map((_, k) => {
      let ss = 0;
      let n = 0;
      for (const o of outputs) {
        const d = o[k] ?? new Float32Array();
        for (const v of d) ss += v * v;
        n += d.length;
      }
      return Math.sqrt(ss / Math.max(1, n));
    });
    return { outputs, level, samples: samples.slice(0, outputs.length) };
  } finally {
    await s.release();
  }
}

/** dot, |r|², |g|² of two vectors (float64 sums). */
function sums(r: Float32Array, g: Float32Array): [number, number, number] {
  let dot = 0;
  let rr = 0;
  let gg = 0;
  for (let i = 0; i < r.length; i++) {
    const a = r[i] as number;
    const b = g[i] as number;
    dot += a * b;
    rr += a * a;
    gg += b * b;
  }
  return [dot, rr, gg];
}

/** The cosine the comparisons report; NaN (a NaN or inf output) counts as -1. */
function judged(dot: number, rr: number, gg: number): number {
  const c = cosineOf(dot, rr, gg);
  return Number.isNaN(c) ? -1 : c;
}

/**
 * The lowest cosine of `file` to the reference, per float output: the worst sample's, and the
 * cosine pooled over all samples. A sample is judged alone when the output has more than one value
 * and its reference is not near silence (a recurrent state after quiet audio: there a cosine
 * measures rounding noise against nothing). The variant's outputs are read one sample at a time.
 */
async function worstAgainst(ref: Reference, file: string): Promise<number> {
  const s = await session(file);
  try {
    let worst = 1;
    const pooled = ref.level.map(() => [0, 0, 0]);
    for (let i = 0; i < ref.samples.length; i++) {
      const got = floatOutputs(s, await s.run(ref.samples[i]!));
      const want = ref.outputs[i]!;
      if (got.length !== want.length) return -1;
      for (let k = 0; k < want.length; k++) {
        const r = want[k]!;
        const g = got[k]!;
        if (g.length !== r.length) return -1;
        const [dot, rr, gg] = sums(r, g);
        const p = pooled[k]!;
        p[0]! += dot;
        p[1]! += rr;
        p[2]! += gg;
        if (r.length >= POOL_BELOW && Math.sqrt(rr / r.length) >= QUIET * ref.level[k]!)
          worst = Math.min(worst, judged(dot, rr, gg));
      }
    }
    for (const [dot, rr, gg] of pooled) worst = Math.min(worst, judged(dot!, rr!, gg!));
    return worst;
  } finally {
    await s.release();
  }
}

/** Worst cosine of `variantPath` to `fp32Path` on `samples` (per output: worst sample and pooled). */
export async function worstAgreement(
  fp32Path: string,
  variantPath: string,
  samples: Feeds[],
): Promise<{ worst: number; samples: number }> {
  const ref = await referenceOf(fp32Path, samples);
  return { worst: await worstAgainst(ref, variantPath), samples: ref.samples.length };
}

/**
 * `quantize(excluded)` writes the INT8 model with `excluded` float and returns its path; `int8Path`
 * is the variant with `excluded` as given; `int8Nodes` in graph order. Stops at the floor, when
 * cancelled, or when MAX_TRIES evaluations are spent (then every INT8 layer goes float: exact, and
 * never slower than FP32 since the folds alone are faster).
 */
export async function guardInt8Accuracy(
  fp32Path: string,
  int8Path: string,
  int8Nodes: string[],
  excluded: string[],
  samples: Feeds[],
  quantize: (excluded: string[]) => Promise<string>,
  opts: {
    floor: number;
    signal?: AbortSignal;
    onStep?: (stage: string) => void;
    /** FP32 output bytes held (default REFERENCE_BYTES): the samples beyond it are left out. */
    referenceBytes?: number;
  },
): Promise<AccuracyResult> {
  opts.onStep?.(`Running FP32 on ${samples.length} calibration samples`);
  const ref = await referenceOf(fp32Path, samples, opts.referenceBytes);
  opts.onStep?.(`Checking INT8 against FP32 on ${ref.samples.length} calibration samples`);
  const before = await worstAgainst(ref, int8Path);
  let worst = before;
  let current = [...excluded];
  let left = [...int8Nodes];
  const steps: AccuracyStep[] = [];
  let tries = 0;
  while (worst < opts.floor && left.length > 0 && !opts.signal?.aborted) {
    // Candidates: single layers, or, with many layers left, runs of neighbours in graph order
    // (at most ROUND of them), so a round costs at most ROUND evaluations.
    const size = Math.ceil(left.length / ROUND);
    const candidates = Array.from({ length: Math.ceil(left.length / size) }, (_, i) =>
      left.slice(i * size, (i + 1) * size),
    );
    if (left.length === 1 || tries + candidates.length > MAX_TRIES) {
      // The last layer, or no budget for another round: all float (exact up to rounding).
      current = [...current, ...left];
      worst = await worstAgainst(ref, await quantize(current));
      for (const n of left) steps.push({ node: n, worst });
      left = [];
      break;
    }
    let best: { nodes: string[]; worst: number } | null = null;
    for (const nodes of candidates) {
      if (opts.signal?.aborted) break;
      opts.onStep?.(`Checking accuracy with ${nodes.length === 1 ? nodes[0] : `${nodes.length} layers`} in float`);
      tries++;
      const w = await worstAgainst(ref, await quantize([...current, ...nodes]));
      if (!best || w > best.worst) best = { nodes, worst: w };
    }
    if (!best) break;
    const chosen = best;
    current = [...current, ...chosen.nodes];
    left = left.filter((n) => !chosen.nodes.includes(n));
    for (const node of chosen.nodes) steps.push({ node, worst: chosen.worst });
    worst = chosen.worst;
  }
  // A run made float whole can hold layers that do not need it: each goes back to INT8 while the
  // floor holds, the last chosen first (later runs mattered less).
  if (worst >= opts.floor && steps.length > 1) {
    let budget = GIVE_BACK_TRIES;
    for (const step of [...steps].reverse()) {
      if (budget-- <= 0 || opts.signal?.aborted) break;
      opts.onStep?.(`Checking accuracy with ${step.node} back in INT8`);
      const without = current.filter((n) => n !== step.node);
      const w = await worstAgainst(ref, await quantize(without));
      if (w < opts.floor) continue;
      current = without;
      worst = w;
      steps.splice(steps.indexOf(step), 1);
    }
  }
  return { excluded: current, before, worst, steps, samples: ref.samples.length };
}
