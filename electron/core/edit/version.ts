/**
 * An edit run, start to finish, and the new version it makes: read the parent, apply the edits to a
 * copy, stamp the edit log, write the result under a temp name in the variants folder, run it
 * beside the parent (exactness), refuse it when edits meant to be exact moved an output, and only
 * then rename it into place — so nothing is written unless every edit succeeded. The new version
 * is a variant file (same id format and folder as precision variants), so open, profile, compare
 * and download take it as {kind: 'variant'} unchanged; the parent file is never touched.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Edit, EditReport } from '../../shared/api/edits';
import { KilnError } from '../../shared/api/errors';
import type { TrtMajor } from '../trt/support';
import { tempPathBeside } from '../../platform/atomic-write';
import { variantPath } from '../../platform/paths';
import { writeVariantName } from '../../platform/variant-names';
import { throwIfCancelled, type JobContext } from '../jobs/context';
import { modelStructureCached } from '../onnx/analyze';
import type { ModelIR } from '../onnx/ir';
import type { ModelProto } from '../onnx/model';
import type { OpenedModel } from '../onnx/open';
import { inferShapes } from '../onnx/shapes';
import { writeModelFile } from '../onnx/write';
import { checkModel } from '../trt/check';
import { checkPayload } from '../trt/check-payload';
import { predictFusions } from '../trt/fusion';
import { applyEdits } from './apply';
import { nodeChanges } from './changes';
import { editLogOf, stampEditLog } from './edit-log';
import { measureExactness } from './exactness';
import { refuseOpsetPastTrt } from './opset';
import { detachWeights } from './model-copy';
import type { KnownTypes } from './step';
import { typesKnown } from './known-types';
import { irOf } from './reuse-ir';

export interface EditRun {
  edits: Edit[];
  /** Re-check the result for this TensorRT major (absent: no check). */
  trt?: TrtMajor;
  /** Real input files for the exactness measure (none: seeded inputs). */
  inputPaths?: string[];
  /** What the new version is called ("bert.trt10.onnx"); absent: named by its edits. */
  name?: string;
  /** Notes the caller adds (fix: the edits it chose, those it could not apply). */
  notes?: string[];
}

/** "bert-tiny.onnx" + [fold, shapes] → "bert-tiny.fold-shapes.onnx". */
function nameFor(parent: string, edits: readonly Edit[]): string {
  const base = parent.replace(/\.onnx$/i, '');
  const kinds = [...new Set(edits.map((e) => e.kind))];
  return `${base}.${kinds.length > 3 ? 'edited' : kinds.join('-')}.onnx`;
}

/**
 * The readiness check of an edit's result, on the model in memory (the objects the file was just
 * encoded from: reading the file back would decode the same graph again). `parent` is where tensors
 * the result still reads from the source file are read. `known` is what the last edit worked out
 * about the result (see step.ts): with every tensor's type known, shape inference is not run again.
 */
export function checkResult(
  model: ModelProto,
  parent: OpenedModel,
  displayName: string,
  fileBytes: number,
  trt: TrtMajor,
  known: KnownTypes = {},
): EditReport['check'] {
  const ir = irOf(model, known.ir);
  const src = { path: parent.path, bytes: parent.bytes };
  const shapes = (known.typeOf && typesKnown(ir, known.typeOf)) || inferShapes(model, ir, src, { costs: false });
  const opened: OpenedModel = { ...parent, model, displayName, fileBytes, sha256: '', warnings: [] };
  return checkPayload(checkModel({ opened, ir, shapes }, trt), ir, predictFusions(ir));
}

/** Applies `run.edits` to the analysed parent and writes the new version; see the header. */
export async function editAnalysed(
  parent: { opened: OpenedModel; ir?: ModelIR },
  run: EditRun,
  ctx: JobContext,
): Promise<EditReport> {
  const { opened } = parent;
  const file = opened.displayName;
  ctx.progress({ fraction: null, stage: `Editing ${file}` });
  if (run.trt) refuseOpsetPastTrt(run.edits, run.trt, file);
  const detached = detachWeights(opened.model, { path: opened.path, bytes: opened.bytes });
  // The parent's IR (when the caller built one) describes the detached copy too: edits reuse it.
  const given = parent.ir ? { ir: parent.ir } : {};
  const { model, applied, notes, known } = applyEdits(detached, run.edits, file, { path: opened.path }, given);
  throwIfCancelled(ctx, 'The edit');
  stampEditLog(model, editLogOf(opened.model), {
    parent: file,
    parentSha256: opened.sha256,
    edits: run.edits,
    applied,
  });
  const name = run.name ?? nameFor(file, run.edits);
  const recipe = createHash('sha256')
    .update(`edit:${JSON.stringify(run.edits)}`)
    .digest('hex');
  const id = `${opened.sha256.slice(0, 16)}-${recipe.slice(0, 16)}`;
  const out = variantPath(id);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const tmp = tempPathBeside(out);
  try {
    const written = writeModelFile(model, tmp, { source: opened.bytes, decoded: opened.model });
    ctx.progress({ fraction: null, stage: `Running ${name} beside ${file}` });
    const { exactness, moved } = await measureExactness(opened.path, opened.model, tmp, model, {
      inputPaths: run.inputPaths ?? [],
      // ONNX Runtime's optimizations match ops by version: across opsets they round differently.
      ...(run.edits.some((e) => e.kind === 'opset') ? { optimization: 'disabled' as const } : {}),
    });
    throwIfCancelled(ctx, 'The edit');
    if (moved !== null && applied.every((a) => a.exact)) {
      const o = exactness.outputs.find((x) => x.name === moved);
      throw new KilnError(
        'UNSUPPORTED',
        `${file}: the edits (${applied.map((a) => a.kind).join(', ')}) should leave the outputs unchanged, but output ${moved} moved by up to ${o?.maxAbs.toPrecision(3)} (cosine ${o?.cosine.toFixed(6)}): refused, nothing was written`,
        { file },
      );
    }
    fs.renameSync(tmp, out);
    writeVariantName(id, name);
    if (run.trt) ctx.progress({ fraction: null, stage: `Checking ${name} against TensorRT ${run.trt}` });
    const check = run.trt ? checkResult(model, opened, name, written.bytes, run.trt, known) : null;
    return {
      source: { kind: 'variant', variantId: id },
      fileName: name,
      bytes: written.bytes,
      parent: file,
      applied,
      changes: nodeChanges(opened.model, model),
      exactness,
      check,
      notes: [
        ...(run.notes ?? []),
        ...notes,
        ...(exactness.skipped ? [`outputs not measured: ${exactness.skipped}`] : []),
      ],
    };
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** The `model.edit` job: reads the model at `modelPath` and edits it. */
export async function editModelFile(
  modelPath: string,
  displayName: string,
  run: EditRun,
  ctx: JobContext,
): Promise<EditReport> {
  ctx.progress({ fraction: null, stage: `Reading ${displayName}` });
  // Only the decoded model is needed (the app has it already when the model is open there).
  return editAnalysed(await modelStructureCached(modelPath, displayName), run, ctx);
}
