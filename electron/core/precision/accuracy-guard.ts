/**
 * INT8 on ONNX Runtime must also agree with FP32 on the user's own data, not only be faster. After
 * the speed check, the variant runs beside FP32 on a few calibration samples; while its worst
 * cosine (any float output, any sample) is under the floor, each layer still INT8 is tried in
 * float and the one that helps most stays float. All float is exact, so the floor is always met in
 * the end; usually one or two layers do it (PP-OCRv4 rec: one 1×1 Conv took the worst held-back
 * sample from 1.0 to 0.94 for a 3% gain). Outputs too small for a per-sample cosine (a VAD's speech
 * probability) are judged pooled over the samples.
 */
import * as ort from 'onnxruntime-node';
import { errorMetrics } from '../compare/metrics';

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

async function outputsOf(file: string, samples: Feeds[]): Promise<Float32Array[][]> {
  const s = await ort.InferenceSession.create(file, { graphOptimizationLevel: 'all', logSeverityLevel: 3 });
  try {
    const all: Float32Array[][] = [];
    for (const feeds of samples) {
      const out = await s.run(feeds);
      all.push(
        s.outputNames
          .map((n) => out[n]?.data)
          .filter((d): d is Float32Array => d instanceof Float32Array)
          .map((d) => Float32Array.from(d)),
      );
    }
    return all;
  } finally {
    await s.release();
  }
}

/**
 * Per sample, an output this small (a VAD's speech probability: 1 value, whose cosine is its sign)
 * is judged pooled. Two values already mean something: a two-class classifier's near-ties (judged
 * pooled, PP-OCR's direction classifier met the floor while a held-back tie fell to 0.966).
 */
const POOL_BELOW = 2;
/** A sample whose reference is this much quieter (RMS) than the output's average is judged pooled too. */
const QUIET = 0.1;

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const rms = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0) / Math.max(1, v.length));

/**
 * The lowest cosine to the reference, per float output: the worst sample's, and the cosine pooled
 * over all samples. A sample is judged alone when the output is large enough for its cosine to mean
 * something and its reference is not near silence (a recurrent state after quiet audio: there a
 * cosine measures rounding noise against nothing).
 */
function worstCosine(ref: Float32Array[][], got: Float32Array[][]): number {
  let worst = 1;
  const outputs = ref[0]?.length ?? 0;
  for (let k = 0; k < outputs; k++) {
    const r = ref.map((s) => s[k] ?? new Float32Array());
    const g = got.map((s) => s[k] ?? new Float32Array());
    if (g.some((x, i) => x.length !== r[i]!.length)) return -1;
    const pooled = errorMetrics(concat(r), concat(g)).cosine;
    worst = Math.min(worst, Number.isNaN(pooled) ? -1 : pooled);
    const level = rms(concat(r));
    r.forEach((x, i) => {
      if (x.length < POOL_BELOW || rms(x) < QUIET * level) return;
      const c = errorMetrics(x, g[i]!).cosine;
      worst = Math.min(worst, Number.isNaN(c) ? -1 : c);
    });
  }
  return worst;
}

/** Worst cosine of `variantPath` to `fp32Path` on `samples` (per output: worst sample and pooled). */
export async function worstAgreement(fp32Path: string, variantPath: string, samples: Feeds[]): Promise<number> {
  return worstCosine(await outputsOf(fp32Path, samples), await outputsOf(variantPath, samples));
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
  opts: { floor: number; signal?: AbortSignal; onStep?: (stage: string) => void },
): Promise<AccuracyResult> {
  opts.onStep?.(`Checking INT8 against FP32 on ${samples.length} calibration samples`);
  const ref = await outputsOf(fp32Path, samples);
  const before = worstCosine(ref, await outputsOf(int8Path, samples));
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
      worst = worstCosine(ref, await outputsOf(await quantize(current), samples));
      for (const n of left) steps.push({ node: n, worst });
      left = [];
      break;
    }
    let best: { nodes: string[]; worst: number } | null = null;
    for (const nodes of candidates) {
      if (opts.signal?.aborted) break;
      opts.onStep?.(`Checking accuracy with ${nodes.length === 1 ? nodes[0] : `${nodes.length} layers`} in float`);
      tries++;
      const w = worstCosine(ref, await outputsOf(await quantize([...current, ...nodes]), samples));
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
      const w = worstCosine(ref, await outputsOf(await quantize(without), samples));
      if (w < opts.floor) continue;
      current = without;
      worst = w;
      steps.splice(steps.indexOf(step), 1);
    }
  }
  return { excluded: current, before, worst, steps, samples: samples.length };
}
