/**
 * What Compare's form choices amount to, for the form that shows them and the store that runs on
 * them: the variants compared, how image inputs are preprocessed, and the variant the
 * mixed-precision search starts from. Pure: no store, no API.
 */
import type { Comparison, Variant } from '../../../electron/shared/api/contract';
import { judgedCosine } from '../../../electron/shared/compare/metrics';

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
