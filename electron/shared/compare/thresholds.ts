/**
 * The one set of accuracy thresholds a precision variant is judged by: Compare's verdict (app, API,
 * CLI), the mixed-precision search's target, and the floor the INT8 accuracy check holds on the
 * calibration data all start from here, so no two places disagree on what "accurate enough" means.
 * Why each default is what it is (README, "Verdicts"):
 *
 * - cosine ≥ 0.99 on every sample: the goal Kiln's INT8 was built and measured against (README's
 *   precision tables: held-back worst-sample cosine). Checked per sample, as Polygraphy does.
 * - SNR ≥ 17 dB: the same bar as the cosine goal for an error that is noise (1 − cos ≈ 1/(2·SNR),
 *   so cosine 0.99 is SNR 17.0 dB), which also catches what cosine cannot see: an output scaled or
 *   shifted as a whole.
 * - top-1 agreement ≥ 99 % on outputs that hold class scores: an INT8 classifier is accepted at
 *   about a point of top-1 lost; with fewer than 100 rows compared that is every row.
 * - PSNR and atol/rtol are off unless asked: PSNR is never below SNR (the peak is never below the
 *   RMS), so it adds nothing next to SNR; atol = rtol = 1e-5 is Polygraphy's default for comparing
 *   two FP32 runs, which every FP16 or INT8 variant misses by design, however good it is.
 * - The INT8 check's floor, 0.993: the goal plus a margin, since samples the check never saw agree
 *   less than the ones its choices were fitted to (PP-OCRv4 det: fitted to 0.99 on 8 samples, 0.987
 *   held-back; to 0.993 on 32, 0.990).
 */
import { z } from 'zod';

/** What a precision variant must reach: cosine to FP32 on every held-back sample. */
export const COSINE_GOAL = 0.99;
/** The INT8 accuracy check's floor on its calibration samples: the goal plus a margin for unseen ones. */
export const CHECK_FLOOR = 0.993;
/** SNR (dB) matching the cosine goal for noise-like error: −10·log10(2·(1 − 0.99)). */
export const SNR_GOAL = 17;
/** Share of rows of a class-score output whose top class agrees with FP32's. */
export const TOP1_GOAL = 0.99;

/** Every threshold but cosine can be off (null): not judged, still measured and shown. */
export const ThresholdsSchema = z.object({
  /** Pooled and on every sample. */
  cosine: z.number().min(-1).max(1).default(COSINE_GOAL),
  snr: z.number().nullable().default(SNR_GOAL),
  psnr: z.number().nullable().default(null),
  /** Judged on outputs that hold class scores (Softmax or LogSoftmax outputs, logits). */
  top1: z.number().min(0).max(1).nullable().default(TOP1_GOAL),
  /** Polygraphy's elementwise check, |err| ≤ atol + rtol·|ref|: on when either is given (the other then counts as 0). */
  atol: z.number().min(0).nullable().default(null),
  rtol: z.number().min(0).nullable().default(null),
});
export type Thresholds = z.output<typeof ThresholdsSchema>;

export const DEFAULT_THRESHOLDS: Thresholds = ThresholdsSchema.parse({});

/** A tolerance as people write it: 1e-5, not 0.00001. */
export const tolerance = (x: number | null): string =>
  x !== null && x !== 0 && Math.abs(x) < 1e-3 ? x.toExponential() : String(x ?? 0);

/** Whether the elementwise atol/rtol check is asked for. */
export const elementwise = (t: Thresholds): boolean => (t.atol ?? null) !== null || (t.rtol ?? null) !== null;

/** The thresholds in words, as a verdict was reached by them: "cosine ≥ 0.99 on every sample, SNR ≥ 17 dB, …". */
export function describeThresholds(t: Thresholds): string {
  const parts = [`cosine ≥ ${t.cosine} on every sample`];
  if (t.snr !== null) parts.push(`SNR ≥ ${t.snr} dB`);
  if (t.psnr !== null) parts.push(`PSNR ≥ ${t.psnr} dB`);
  if (t.top1 !== null) parts.push(`top-1 agreement ≥ ${+(t.top1 * 100).toFixed(2)} % on class scores`);
  if (elementwise(t)) parts.push(`|err| ≤ atol ${tolerance(t.atol)} + rtol ${tolerance(t.rtol)}·|ref|`);
  return parts.join(', ');
}
