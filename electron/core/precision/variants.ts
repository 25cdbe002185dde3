/**
 * Precision variants as files: each recipe applied to a model is written once (atomically) under
 * the variants folder, named by the model's hash and the recipe's, with the recipe in
 * metadata_props (`kiln.recipe`) so the file says how it was made wherever it goes. The name people
 * see is made from the recipe (variant-name.ts) unless its user gave one, and kept beside the file.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Recipe, Variant } from '../../shared/api/variants';
import { variantPath } from '../../platform/paths';
import { givenVariantName, writeVariantName } from '../../platform/variant-names';
import { throwIfCancelled, type JobContext } from '../jobs/context';
import { resolveShapes } from '../inputs/specs';
import { analyzeModel, type ModelAnalysis } from '../onnx/analyze';
import { writeModelFile } from '../onnx/write';
import { collectActivationStats } from './calibrate';
import { autocastFp16 } from './fp16';
import type { CalibrationReuse } from './int8/types';
import { int8Variant } from './int8-variant';
import { stampRecipe } from '../onnx/recipe-meta';
import { asksToSpecialize, withSpecialized } from './specialize';
import { variantName } from './variant-name';
import { writeProven, writerOf } from './verify-written';

const CPU_FP16 =
  'ONNX Runtime on CPU runs most FP16 ops by casting to FP32 (emulation): its FP16 speed is not what a GPU gives';

export async function makeVariant(
  modelPath: string,
  displayName: string,
  recipe: Recipe,
  ctx: JobContext,
  /** reuse: calibration statistics shared by a search's candidates; agreement: false skips measuring it (the search compares anyway). */
  extra: { calibrationPaths?: string[]; reuse?: CalibrationReuse; agreement?: boolean } = {},
): Promise<Variant> {
  const t0 = performance.now();
  ctx.progress({ fraction: null, stage: `Reading ${displayName}` });
  const a = await analyzeModel(modelPath, displayName);
  const recipeJson = JSON.stringify(recipe);
  const id = variantId(a.summary.sha256, recipeJson);
  const out = variantPath(id);
  // A name its user gave it stays (the same recipe made again is the same variant); else what the recipe says.
  const given = givenVariantName(id);
  const name = given ?? variantName(displayName, recipe, extra.calibrationPaths ?? []);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const source = `${a.summary.fileName} sha256:${a.summary.sha256}`;
  const calibrationCachePath = `${out}.calib.cache`;
  const specialized = asksToSpecialize(recipe);
  const timed = isTimedRecipe(recipe);
  /** A timed variant's id, once its outcome is known (set where its file is placed). */
  let madeId = id;
  // Written under a temp name beside `out`, proven loadable, and only then renamed to `out`; the name
  // is kept beside the file once the variant is made: it follows the variant everywhere.
  const made = await writeProven(
    out,
    writerOf(recipe, specialized),
    name,
    async (tmp) => {
      const target = { id, name, out: tmp, t0, source };
      const int8Target = {
        ...target,
        calibrationPaths: extra.calibrationPaths ?? [],
        reuse: extra.reuse,
        agreement: extra.agreement ?? true,
        calibrationCachePath,
      };
      if (!specialized)
        return recipe.precision === 'int8'
          ? int8Variant(a, recipe, int8Target, ctx)
          : fp16Variant(a, recipe, target, ctx);
      // Specialized first: the precision rewrite then reaches the nodes that If branches hid.
      ctx.progress({ fraction: null, stage: `Specializing ${displayName}` });
      return withSpecialized(a, recipe, async (spec) => {
        const s = await analyzeModel(spec.outPath, displayName);
        const v =
          recipe.precision === 'int8'
            ? await int8Variant(s, recipe, int8Target, ctx)
            : await fp16Variant(s, recipe, target, ctx);
        return { ...v, notes: [spec.note, ...v.notes] };
      });
    },
    [calibrationCachePath],
    // A timed recipe's file goes under the id of what it kept float: each outcome keeps its own file.
    timed ? (v) => variantPath((madeId = variantId(a.summary.sha256, recipeJson, keptFloat(v)))) : undefined,
  );
  if (!timed) {
    writeVariantName(id, name, given !== null);
    return made;
  }
  const madeGiven = givenVariantName(madeId);
  // Its outcome in its name too, so two outcomes of one recipe read apart: how many nodes stayed float.
  const madeName = madeGiven ?? name.replace(/\.onnx$/, `.float${keptFloat(made).length}.onnx`);
  writeVariantName(madeId, madeName, madeGiven !== null);
  return { ...made, id: madeId, name: madeName };
}

/**
 * A variant's id: the source's hash and the recipe's. An ONNX Runtime INT8 recipe with the speed
 * check chooses what stays float from timings on this machine, so making it twice can write two
 * different files: its id also hashes what it kept float (`keptFloat`), so a second outcome never
 * replaces the file, profiles and comparisons of the first. Every other recipe makes one file.
 */
export function variantId(sourceSha256: string, recipeJson: string, keptFloat?: readonly string[]): string {
  const h = createHash('sha256').update(recipeJson);
  if (keptFloat) h.update(`\0kept float:${[...keptFloat].sort().join('\0')}`);
  return `${sourceSha256.slice(0, 16)}-${h.digest('hex').slice(0, 16)}`;
}

/** Whether a recipe's file depends on timings (the ONNX Runtime INT8 speed check). */
export function isTimedRecipe(recipe: Recipe): boolean {
  return recipe.precision === 'int8' && recipe.flavour === 'onnxruntime' && recipe.speedGuard;
}

const keptFloat = (v: Variant) => v.kept.map((k) => k.node);

/** Writes the analysed model (as rewritten in place) with its recipe and source in metadata_props. */
function writeWithRecipe(a: ModelAnalysis, recipe: Recipe, t: Target) {
  const model = a.opened.model;
  stampRecipe(model, recipe, t.source);
  return writeModelFile(model, t.out, { source: a.opened.bytes });
}

export interface Target {
  id: string;
  name: string;
  /** Where to write the variant: a temp name beside its file, renamed there once proven loadable. */
  out: string;
  t0: number;
  /** The source model as `name sha256:…`, for metadata_props. */
  source: string;
}

async function fp16Variant(
  a: ModelAnalysis,
  recipe: Extract<Recipe, { precision: 'fp16' }>,
  t: Target,
  ctx: JobContext,
): Promise<Variant> {
  const notes: string[] = [];
  // Activation ranges on seeded samples: nodes whose outputs pass dataMax stay FP32.
  let activationAbsMax: Map<string, number> | undefined;
  if (recipe.calibrationSamples > 0) {
    let shapes: Record<string, number[]> | null = null;
    try {
      shapes = resolveShapes(a.summary.inputs, recipe.shapes);
    } catch (err) {
      notes.push(`activation ranges were not measured (${(err as Error).message}): only weights were checked`);
    }
    if (shapes) {
      const stats = await collectActivationStats(
        a.opened.path,
        { kind: 'random', samples: recipe.calibrationSamples, seed: 1, shapes },
        { signal: ctx.signal, onProgress: (fraction, stage) => ctx.progress({ fraction, stage }) },
      );
      activationAbsMax = new Map([...stats].map(([k, v]) => [k, v.absMax]));
      notes.push(`activation ranges measured on ${recipe.calibrationSamples} seeded random samples`);
    }
  }
  ctx.progress({ fraction: null, stage: `Converting ${a.summary.fileName} to FP16` });
  const report = autocastFp16(a, {
    dataMax: recipe.dataMax,
    keepIOTypes: recipe.keepIOTypes,
    ...(recipe.maxReductionDepth !== undefined ? { maxReductionDepth: recipe.maxReductionDepth } : {}),
    excludeOps: recipe.excludeOps,
    excludeNodes: recipe.excludeNodes,
    includeOps: recipe.includeOps,
    includeNodes: recipe.includeNodes,
    ...(activationAbsMax ? { activationAbsMax } : {}),
  });
  if (report.fp16Nodes === 0 && report.fp32Nodes.length === 0)
    notes.push('no node computes in FP32 here: nothing was converted (a model stored in FP16 needs no FP16 variant)');
  notes.push(CPU_FP16);
  throwIfCancelled(ctx, 'Making the variant');
  const written = writeWithRecipe(a, recipe, t);
  const nodes = a.summary.nodes;
  return {
    id: t.id,
    name: t.name,
    recipe,
    bytes: written.bytes,
    ms: performance.now() - t.t0,
    nodesByPrecision: {
      fp16: report.fp16Nodes,
      fp32: report.fp32Nodes.length,
      other: nodes - report.fp16Nodes - report.fp32Nodes.length,
    },
    kept: report.fp32Nodes.map((k) => ({ ...k, precision: 'fp32' })),
    converted: { fp16: report.fp16Names },
    castsInserted: report.castsInserted,
    weightsConverted: report.initializersConverted,
    qdqPairs: 0,
    notes,
  };
}
