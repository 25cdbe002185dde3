/**
 * What an INT8 call asks for, at both ends of the run: the options checked before any work, and
 * the recipe written into the file it makes (metadata_props `kiln.recipe`, with `kiln.source`), so
 * the file says how it was made wherever it goes.
 */
import * as path from 'node:path';
import { CALIBRATORS, CalibratorSchema } from '../../../shared/api/variants';
import { KilnError } from '../../../shared/api/errors';
import type { ModelProto } from '../../onnx/model';
import { stampRecipe } from '../../onnx/recipe-meta';
import type { Int8Options } from './types';

/** Throws INVALID_ARGUMENT for a flavour, calibrator or percentile Kiln does not have. */
export function validateOptions(opts: Int8Options): void {
  if (opts.flavour !== 'tensorrt' && opts.flavour !== 'onnxruntime')
    throw new KilnError(
      'INVALID_ARGUMENT',
      `flavour must be 'tensorrt' or 'onnxruntime', not '${String(opts.flavour)}'`,
    );
  if (!CalibratorSchema.safeParse(opts.calibrator).success)
    throw new KilnError(
      'INVALID_ARGUMENT',
      `calibrator must be ${CALIBRATORS.join(', ')}, not '${String(opts.calibrator)}'`,
    );
  const p = opts.percentile ?? 99.99;
  if (!(p > 0 && p <= 100)) throw new KilnError('INVALID_ARGUMENT', `percentile must be in (0, 100], not ${p}`);
}

/** The recipe as `kiln.recipe` records it. */
export function recipeOfOptions(opts: Int8Options): Record<string, unknown> {
  const data =
    opts.data.kind === 'random'
      ? { kind: 'random', samples: opts.data.samples, seed: opts.data.seed, shapes: opts.data.shapes }
      : opts.data.kind === 'images'
        ? {
            kind: 'images',
            images: opts.data.paths.length,
            first: path.basename(opts.data.paths[0] ?? ''),
            preprocess: opts.data.preprocess,
            shapes: opts.data.shapes,
          }
        : { kind: 'npz', files: opts.data.paths.map((p) => path.basename(p)) };
  return {
    precision: 'int8',
    flavour: opts.flavour,
    calibrator: opts.calibrator,
    ...(opts.calibrator === 'percentile' ? { percentile: opts.percentile ?? 99.99 } : {}),
    perChannel: opts.perChannel ?? true,
    equalize: opts.equalize ?? opts.flavour === 'tensorrt',
    include: opts.include ?? {},
    exclude: opts.exclude ?? {},
    data,
  };
}

/** Writes the recipe and the source (`name sha256:…` unless the options name one) into `pm`'s metadata_props. */
export function stampInt8Recipe(pm: ModelProto, opts: Int8Options, source: string): void {
  stampRecipe(pm, recipeOfOptions(opts), opts.source ?? source);
}
