/**
 * What a variant is called, made from what its recipe says — the precision, and for INT8 the target,
 * calibrator, FP16 for the rest, whether it was checked, the layers pinned to FP32 and what it was
 * calibrated on — so two variants of one model that differ in any of these are told apart wherever
 * they are named (cards, the profile picker, Compare's columns and charts, reports):
 * `model.int8-trt-mse-fp16-mixed2.calib-32.3fa9c1.onnx`.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Recipe } from '../../shared/api/variants';
import { classifyInputFiles } from '../inputs/files';
import { calibratorOf } from './int8-variant';

/** Bytes of each calibration file that go into its data's short hash (enough to tell data sets apart). */
const HASHED_BYTES = 1 << 20;

/** Characters a name segment keeps: file-name safe, everything else becomes `_`. */
const segment = (s: string) => s.replace(/[^A-Za-z0-9_+.-]/g, '_').slice(0, 40);
const stem = (p: string) => path.basename(p).replace(/\.[^.]*$/, '');

/** What a recipe asks for, in a few dash-joined words: `fp16`, `int8-trt-mse-fp16-unchecked-mixed3`. */
function recipeWords(r: Recipe): string {
  const words =
    r.precision === 'int8'
      ? [
          'int8',
          r.flavour === 'tensorrt' ? 'trt' : 'ort',
          calibratorOf(r),
          ...(r.highPrecision === 'fp16' ? ['fp16'] : []),
          ...(r.accuracyCheck ? [] : ['unchecked']),
        ]
      : [r.precision];
  // A recipe with pinned nodes is a mixed variant: say how many are pinned.
  const pinned = r.excludeNodes.length + (r.precision === 'int8' ? r.fp32Nodes.length : 0);
  return [...words, ...(pinned > 0 ? [`mixed${pinned}`] : [])].join('-');
}

/**
 * A short hash of calibration files: their names, sizes and first MiB, so the same data gives the
 * same name wherever it was uploaded from, and different data of the same file names does not.
 */
function dataHash(files: readonly string[]): string {
  const h = createHash('sha256');
  const buffer = Buffer.alloc(HASHED_BYTES);
  for (const f of files) {
    const fd = fs.openSync(f, 'r');
    try {
      const n = fs.readSync(fd, buffer, 0, HASHED_BYTES, 0);
      h.update(`${path.basename(f)}\0${fs.fstatSync(fd).size}\0`).update(buffer.subarray(0, n));
    } finally {
      fs.closeSync(fd);
    }
  }
  return h.digest('hex').slice(0, 6);
}

/**
 * What a variant was calibrated on: `random32` (seeded samples), `calib-32.3fa9c1` (a folder, or
 * files of one folder, and how many), `line-0000+15.3fa9c1` (files from several folders — browser
 * uploads —, the first and how many more), `val.3fa9c1` (one file). Null when there is nothing to
 * say (FP16) or the files cannot be read (making the variant says why).
 */
function dataWords(r: Recipe, calibrationPaths: readonly string[]): string | null {
  if (r.precision !== 'int8') return null;
  if (calibrationPaths.length === 0) return `random${r.samples}${r.seed === 1 ? '' : `-seed${r.seed}`}`;
  let files: string[];
  try {
    files = classifyInputFiles(calibrationPaths).paths;
  } catch {
    return null;
  }
  const parents = new Set(calibrationPaths.map((p) => path.dirname(p)));
  const folder =
    calibrationPaths.length === 1 && fs.statSync(calibrationPaths[0]!).isDirectory()
      ? path.basename(calibrationPaths[0]!)
      : calibrationPaths.length > 1 && parents.size === 1
        ? path.basename([...parents][0]!)
        : null;
  const label =
    folder !== null
      ? `${segment(folder)}-${files.length}`
      : `${segment(stem(files[0]!))}${files.length > 1 ? `+${files.length - 1}` : ''}`;
  return `${label}.${dataHash(files)}`;
}

/** `<model>.<recipe words>[.<data words>][.<fixed inputs>].onnx` */
export function variantName(displayName: string, recipe: Recipe, calibrationPaths: readonly string[]): string {
  const fixed = Object.entries(recipe.fixedInputs ?? {}).map(([k, v]) => segment(`${k}${v}`));
  const data = dataWords(recipe, calibrationPaths);
  return [displayName.replace(/\.onnx$/i, ''), recipeWords(recipe), ...(data ? [data] : []), ...fixed, 'onnx'].join(
    '.',
  );
}
