/**
 * How far a variant's output is from the reference's, in the terms Polygraphy and accuracy
 * reports use: absolute and relative error percentiles, L2, cosine similarity, PSNR and SNR, and
 * top-k agreement for classifier-like outputs; pass/fail against thresholds (thresholds.ts), with
 * the reason for each miss in words.
 */
import { DEFAULT_THRESHOLDS, elementwise, tolerance, type Thresholds } from './thresholds';

export interface ErrorMetrics {
  count: number;
  maxAbs: number;
  meanAbs: number;
  medianAbs: number;
  p99Abs: number;
  maxRel: number;
  meanRel: number;
  l2: number;
  cosine: number;
  psnr: number;
  snr: number;
  /** Elements outside atol + rtol·|ref| (Polygraphy's elementwise check); null when atol/rtol were not asked. */
  mismatched: number | null;
  /** Histogram of |error| over [0, maxAbs], 32 bins. */
  histogram: number[];
}

const BINS = 32;

function percentileOfSorted(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

/** Cosine from dot product and squared norms: two zero vectors agree, one zero vector does not; NaN stays NaN. */
export function cosineOf(dot: number, rr: number, gg: number): number {
  return rr === 0 && gg === 0 ? 1 : rr === 0 || gg === 0 ? 0 : dot / Math.sqrt(rr * gg);
}

export function errorMetrics(
  ref: ArrayLike<number>,
  got: ArrayLike<number>,
  t: Thresholds = DEFAULT_THRESHOLDS,
): ErrorMetrics {
  const n = Math.min(ref.length, got.length);
  const abs = new Float64Array(n);
  let sumAbs = 0;
  let maxAbs = 0;
  let maxRel = 0;
  let sumRel = 0;
  let dot = 0;
  let rr = 0;
  let gg = 0;
  let se = 0;
  let peak = 0;
  let mismatched = 0;
  const atol = t.atol ?? 0;
  const rtol = t.rtol ?? 0;
  for (let i = 0; i < n; i++) {
    const r = ref[i] as number;
    const g = got[i] as number;
    const e = Math.abs(g - r);
    const bad = !Number.isFinite(e);
    const ae = bad ? Infinity : e;
    abs[i] = ae;
    sumAbs += ae;
    if (ae > maxAbs) maxAbs = ae;
    const rel = ae / Math.max(Math.abs(r), 1e-12);
    sumRel += rel;
    if (rel > maxRel) maxRel = rel;
    dot += r * g;
    rr += r * r;
    gg += g * g;
    se += ae * ae;
    if (Math.abs(r) > peak) peak = Math.abs(r);
    if (bad || ae > atol + rtol * Math.abs(r)) mismatched++;
  }
  const sorted = abs.slice().sort();
  const mse = n ? se / n : 0;
  const histogram = new Array<number>(BINS).fill(0);
  if (maxAbs > 0 && Number.isFinite(maxAbs))
    for (const e of abs) histogram[Math.min(BINS - 1, Math.floor((e / maxAbs) * BINS))]! += 1;
  else histogram[0] = n;
  const cosine = cosineOf(dot, rr, gg);
  return {
    count: n,
    maxAbs,
    meanAbs: n ? sumAbs / n : 0,
    medianAbs: percentileOfSorted(sorted, 50),
    p99Abs: percentileOfSorted(sorted, 99),
    maxRel,
    meanRel: n ? sumRel / n : 0,
    l2: Math.sqrt(se),
    cosine,
    psnr: mse === 0 ? Infinity : 10 * Math.log10((peak * peak) / mse),
    snr: se === 0 ? Infinity : 10 * Math.log10(rr / se),
    mismatched: elementwise(t) ? mismatched : null,
    histogram,
  };
}

/**
 * The k largest classes of one row, by one pass keeping a sorted list of k (a recognizer's rows
 * have 6,625 classes: sorting each cost 80 % of a comparison). Ties go to the lower class.
 */
function topClasses(x: ArrayLike<number>, offset: number, classes: number, k: number): number[] {
  const idx: number[] = [];
  const val: number[] = [];
  for (let c = 0; c < classes; c++) {
    const v = x[offset + c] as number;
    if (idx.length === k && !(v > (val[k - 1] as number))) continue;
    let at = 0;
    while (at < val.length && !((val[at] as number) < v)) at++;
    idx.splice(at, 0, c);
    val.splice(at, 0, v);
    if (idx.length > k) {
      idx.pop();
      val.pop();
    }
  }
  return idx.sort((a, b) => a - b);
}

/** Share of rows (last axis = classes) whose top-k classes agree as sets. */
export function topKAgreement(ref: ArrayLike<number>, got: ArrayLike<number>, classes: number, k: number): number {
  const rows = Math.floor(Math.min(ref.length, got.length) / classes);
  if (rows === 0 || classes < 2) return 1;
  const n = Math.min(k, classes);
  let same = 0;
  for (let r = 0; r < rows; r++) {
    const a = topClasses(ref, r * classes, classes, n);
    const b = topClasses(got, r * classes, classes, n);
    if (a.every((c, i) => c === b[i])) same++;
  }
  return same / rows;
}

/** Cosine of each sample's slice (`bounds`: where each sample starts, and the end) and the lowest. */
export function worstSampleCosine(
  ref: ArrayLike<number>,
  got: ArrayLike<number>,
  bounds: readonly number[],
): { index: number; cosine: number } {
  let worst = { index: 0, cosine: 1 };
  for (let s = 0; s + 1 < bounds.length; s++) {
    let ab = 0;
    let aa = 0;
    let bb = 0;
    for (let i = bounds[s]!; i < bounds[s + 1]!; i++) {
      const a = ref[i]!;
      const b = got[i]!;
      ab += a * b;
      aa += a * a;
      bb += b * b;
    }
    // Both all zero agree, one all zero does not; NaN/Inf give NaN, which fails every comparison below.
    const c = cosineOf(ab, aa, bb);
    if (Number.isNaN(c) ? !Number.isNaN(worst.cosine) : c < worst.cosine) worst = { index: s, cosine: c };
  }
  return worst;
}

const pct = (x: number) => `${+(x * 100).toFixed(2)} %`;

/**
 * The verdict on one output, with the reason for each threshold missed. `worst`: the sample that
 * agrees least (thresholds hold per sample); `top1`: the output's top-1 agreement when it holds
 * class scores (judged then), else null or absent.
 */
export function passes(
  m: ErrorMetrics,
  t: Thresholds,
  worst?: { index: number; cosine: number },
  top1?: number | null,
): { pass: boolean; failed: string[] } {
  const failed: string[] = [];
  // NaN fails every comparison: written as "not ≥", so a NaN output never passes.
  if (!(m.cosine >= t.cosine)) failed.push(`cosine ${m.cosine.toFixed(5)} < ${t.cosine}`);
  else if (worst && !(worst.cosine >= t.cosine))
    failed.push(`cosine of sample ${worst.index + 1} ${worst.cosine.toFixed(5)} < ${t.cosine}`);
  // A threshold left out (a caller's partial object) is off, as null is.
  const { snr = null, psnr = null, top1: minTop1 = null } = t;
  if (snr !== null && !(m.snr >= snr)) failed.push(`SNR ${m.snr.toFixed(1)} dB < ${snr} dB`);
  if (psnr !== null && !(m.psnr >= psnr)) failed.push(`PSNR ${m.psnr.toFixed(1)} dB < ${psnr} dB`);
  if (minTop1 !== null && top1 !== undefined && top1 !== null && !(top1 >= minTop1))
    failed.push(`top-1 agreement ${pct(top1)} < ${pct(minTop1)}`);
  if (elementwise(t) && m.mismatched !== null && m.mismatched > 0)
    failed.push(
      `${m.mismatched} of ${m.count} elements outside atol ${tolerance(t.atol)} + rtol ${tolerance(t.rtol)}·|ref|`,
    );
  return { pass: failed.length === 0, failed };
}

/** The lowest cosine (pooled or worst sample) over the outputs a variant is judged on. */
export function judgedCosine(v: {
  perOutput: { judged: boolean; metrics: { cosine: number }; worstSample: { cosine: number } }[];
}): number {
  return Math.min(...v.perOutput.filter((o) => o.judged).map((o) => Math.min(o.metrics.cosine, o.worstSample.cosine)));
}
