/**
 * Precision variants as files: each recipe applied to a model is written once (atomically) under
 * the variants folder, named by the model's hash and the recipe's, with the recipe in
 * metadata_props (`kiln.recipe`) so the file says how it was made wherever it goes.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Recipe, Variant } from '../../api/contract';
import { KilnError } from '../../api/errors';
import type { JobContext } from '../backends/backend';
import { analyzeModel } from '../onnx/analyze';
import { writeModelFile } from '../onnx/write';
import { autocastFp16 } from './fp16';

export function variantsDir(): string {
  return process.env.KILN_VARIANTS_DIR ?? path.join(os.homedir(), '.cache', 'kiln', 'variants');
}

const ID = /^([a-f0-9]{16})-([a-f0-9]{16})$/;

/** Where variant `id` lives; refuses anything that is not an id Kiln made. */
export function variantPath(id: string): string {
  const m = ID.exec(id);
  if (!m) throw new KilnError('INVALID_ARGUMENT', `"${id}" is not a variant id`);
  return path.join(variantsDir(), m[1]!, `${m[2]}.onnx`);
}

function recipeName(r: Recipe): string {
  // A recipe with pinned nodes is a mixed variant: say how many are pinned.
  return r.excludeNodes.length > 0 ? `${r.precision}-mixed${r.excludeNodes.length}` : r.precision;
}

export async function makeVariant(
  modelPath: string,
  displayName: string,
  recipe: Recipe,
  ctx: JobContext,
): Promise<Variant> {
  const t0 = performance.now();
  ctx.progress({ fraction: null, stage: `Reading ${displayName}` });
  const a = await analyzeModel(modelPath, displayName);
  const recipeJson = JSON.stringify(recipe);
  const id = `${a.summary.sha256.slice(0, 16)}-${createHash('sha256').update(recipeJson).digest('hex').slice(0, 16)}`;
  const out = variantPath(id);
  const base = displayName.replace(/\.onnx$/i, '');
  const name = `${base}.${recipeName(recipe)}.onnx`;
  const notes: string[] = [];

  ctx.progress({ fraction: null, stage: `Converting ${displayName} to FP16` });
  const report = autocastFp16(a, {
    dataMax: recipe.dataMax,
    keepIOTypes: recipe.keepIOTypes,
    ...(recipe.maxReductionDepth !== undefined ? { maxReductionDepth: recipe.maxReductionDepth } : {}),
    excludeOps: recipe.excludeOps,
    excludeNodes: recipe.excludeNodes,
    includeOps: recipe.includeOps,
    includeNodes: recipe.includeNodes,
  });
  if (recipe.calibrationSamples > 0)
    notes.push(
      'activation ranges were not measured: calibration is not wired into FP16 yet, only weights were checked',
    );
  notes.push(
    'ONNX Runtime on CPU runs most FP16 ops by casting to FP32 (emulation): its FP16 speed is not what a GPU gives',
  );
  if (ctx.signal.aborted) throw new KilnError('CANCELLED', 'Making the variant was cancelled');

  const model = a.opened.model;
  model.metadataProps = [
    ...model.metadataProps.filter((p) => p.key !== 'kiln.recipe' && p.key !== 'kiln.source'),
    { key: 'kiln.recipe', value: recipeJson },
    { key: 'kiln.source', value: `${displayName} sha256:${a.summary.sha256}` },
  ];
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const written = writeModelFile(model, out, { source: a.opened.bytes });
  const nodes = a.summary.nodes;
  return {
    id,
    name,
    recipe,
    bytes: written.bytes,
    ms: performance.now() - t0,
    nodesByPrecision: {
      fp16: report.fp16Nodes,
      fp32: report.fp32Nodes.length,
      other: nodes - report.fp16Nodes - report.fp32Nodes.length,
    },
    kept: report.fp32Nodes.map((k) => ({ ...k, precision: 'fp32' })),
    castsInserted: report.castsInserted,
    weightsConverted: report.initializersConverted,
    notes,
  };
}
