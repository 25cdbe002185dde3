/**
 * What Compare's form choices amount to, for the form that shows them and the store that runs on
 * them: the variants compared (by the names they have now), how image inputs are preprocessed, the
 * thresholds typed, and the variant the mixed-precision search starts from. Pure: no store, no API.
 */
import type { Variant } from '../../../electron/shared/api/variants';
import type { Comparison } from '../../../electron/shared/api/comparison';
import { judgedCosine } from '../../../electron/shared/compare/metrics';
import type { Thresholds } from '../../../electron/shared/compare/thresholds';

/** The variants ticked; none ticked means all. */
export function chosenVariants(variants: readonly Variant[], picked: ReadonlySet<string>): Variant[] {
  return variants.filter((v) => picked.has(v.id) || picked.size === 0);
}

/** Images are preprocessed as the chosen INT8 variant's calibration images were (else Kiln's default). */
export function calibrationOf(chosen: readonly Variant[]) {
  const calibrated = chosen.find((v) => v.recipe.precision === 'int8' && v.recipe.calibrationFiles.length > 0);
  const preprocess = calibrated?.recipe.precision === 'int8' ? calibrated.recipe.preprocess : undefined;
  return { calibrated, preprocess };
}

/** Whether any of the picked input files is an image (not .npy/.npz). */
export function hasImages(files: readonly File[]): boolean {
  return files.some((f) => !/\.(npy|npz)$/i.test(f.name));
}

/**
 * Search from the variant that misses most in the last comparison (INT8 or FP16), else the first
 * chosen FP16/INT8 variant, else (undefined) a plain FP16 recipe. Its own pins stay; the search adds to them.
 */
export function searchOrigin(
  result: Comparison | null,
  variants: readonly Variant[],
  chosen: readonly Variant[],
): Variant | undefined {
  const worstFirst = [...(result?.variants ?? [])]
    .filter((r) => !r.pass)
    .sort((a, b) => judgedCosine(a) - judgedCosine(b))
    .map((r) => variants.find((v) => v.id === r.id));
  return [...worstFirst, ...chosen].find((v) => v && (v.recipe.precision === 'fp16' || v.recipe.precision === 'int8'));
}

/** A comparison's variants under the names they have now (a variant renamed since keeps its column). */
export function withNames(result: Comparison, variants: readonly Variant[]): Comparison {
  const names = new Map(variants.map((v) => [v.id, v.name]));
  return { ...result, variants: result.variants.map((v) => ({ ...v, name: names.get(v.id) ?? v.name })) };
}

/** The thresholds as the form holds them, as typed: '' is off (all but cosine); top-1 in percent. */
export type ThresholdFields = Record<keyof Thresholds, string>;

export function thresholdFields(t: Thresholds): ThresholdFields {
  const text = (x: number | null) => (x === null ? '' : String(x));
  return {
    cosine: String(t.cosine),
    snr: text(t.snr),
    psnr: text(t.psnr),
    top1: t.top1 === null ? '' : String(+(t.top1 * 100).toFixed(4)),
    atol: text(t.atol),
    rtol: text(t.rtol),
  };
}

/** The thresholds the fields say, or what is wrong with them (in words, naming the field). */
export function parseThresholds(f: ThresholdFields): Thresholds | string {
  const cosine = Number(f.cosine);
  if (f.cosine.trim() === '' || !(cosine > 0 && cosine <= 1)) return 'the cosine threshold must be in (0, 1]';
  /** null for an empty field, the number, or undefined when it is not one `ok` takes. */
  const optional = (text: string, ok: (x: number) => boolean) => {
    if (text.trim() === '') return null;
    const x = Number(text);
    return Number.isFinite(x) && ok(x) ? x : undefined;
  };
  const snr = optional(f.snr, () => true);
  const psnr = optional(f.psnr, () => true);
  const top1 = optional(f.top1, (x) => x >= 0 && x <= 100);
  const atol = optional(f.atol, (x) => x >= 0);
  const rtol = optional(f.rtol, (x) => x >= 0);
  if (snr === undefined) return 'the SNR threshold must be a number of dB (or empty: not judged)';
  if (psnr === undefined) return 'the PSNR threshold must be a number of dB (or empty: not judged)';
  if (top1 === undefined) return 'the top-1 agreement threshold must be a percentage, 0 to 100 (or empty: not judged)';
  if (atol === undefined || rtol === undefined) return 'atol and rtol must be numbers ≥ 0 (or empty: not judged)';
  return { cosine, snr, psnr, top1: top1 === null ? null : top1 / 100, atol, rtol };
}
