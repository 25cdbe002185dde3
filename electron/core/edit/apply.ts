/**
 * Runs a list of edits, in order, through one registry of kind → edit function, each on the model
 * the one before produced. The input model is never changed; an edit that fails stops the list
 * (nothing after it runs, nothing is written). Errors are given the file's name here, so the edits
 * themselves only name the node or tensor.
 */
import type { AppliedEdit, Edit, EditKind } from '../../shared/api/edits';
import { KilnError } from '../../shared/api/errors';
import type { ModelProto } from '../onnx/model';
import { fold } from './fold';
import { int64ToInt32 } from './int64';
import { toOpset } from './opset';
import { dynamicBatch, setShapes } from './shapes';
import type { EditStep, KnownTypes } from './step';
import type { TensorSource } from '../onnx/values';
import { dequantize } from './dequantize';
import { upcast } from './upcast';
import { remove } from './surgery/remove';
import { extract } from './surgery/extract';
import { addOutputs } from './surgery/outputs';
import { rename } from './surgery/rename';
import { plugin } from './surgery/plugin';

type EditOf<K extends EditKind> = Extract<Edit, { kind: K }>;
/**
 * `src` reads weights the model still holds as the file's (external data; in-memory ones need none);
 * `known` is what the edit before worked out about `model` (see step.ts).
 */
type EditFn<K extends EditKind> = (
  model: ModelProto,
  edit: EditOf<K>,
  src: TensorSource,
  known: KnownTypes,
) => EditStep;

/** Every edit Kiln can apply; a kind missing here is refused as not available in this build. */
const REGISTRY: { [K in EditKind]?: EditFn<K> } = {
  fold,
  shapes: setShapes,
  dynamicBatch,
  int64ToInt32,
  opset: toOpset,
  dequantize,
  upcast,
  remove,
  extract,
  addOutputs,
  rename,
  plugin,
};

/** Whether this build can apply edits of `kind`. */
export function canApply(kind: EditKind): boolean {
  return REGISTRY[kind] !== undefined;
}

export interface AppliedSteps {
  model: ModelProto;
  applied: AppliedEdit[];
  notes: string[];
  /** What the last edit worked out about `model` (see step.ts): the check after reads it. */
  known: KnownTypes;
}

function runOne(model: ModelProto, edit: Edit, src: TensorSource, known: KnownTypes): EditStep {
  const fn = REGISTRY[edit.kind] as EditFn<typeof edit.kind> | undefined;
  if (!fn) throw new KilnError('UNAVAILABLE', `the "${edit.kind}" edit is not available in this build`);
  return fn(model, edit as never, src, known);
}

/**
 * Applies `edits` in order to `model` (a model whose weights are in memory: see detachWeights;
 * `src` is the file it came from, for weights kept as external data; `given`, what is known of
 * `model` already, such as the IR the readiness check built of it).
 */
export function applyEdits(
  model: ModelProto,
  edits: readonly Edit[],
  file: string,
  src: TensorSource = { path: '' },
  given: KnownTypes = {},
): AppliedSteps {
  let current = model;
  let known: KnownTypes = given;
  const applied: AppliedEdit[] = [];
  const notes: string[] = [];
  for (const edit of edits) {
    const nodesBefore = current.graph?.node.length ?? 0;
    let step: EditStep;
    try {
      step = runOne(current, edit, src, known);
    } catch (err) {
      if (err instanceof KilnError && !err.file)
        throw new KilnError(err.code, `${file}: ${err.message}`, {
          file,
          ...(err.details ? { details: err.details } : {}),
        });
      throw err;
    }
    current = step.model;
    known = step.known ?? {};
    applied.push({
      kind: edit.kind,
      summary: step.summary,
      nodesBefore,
      nodesAfter: current.graph?.node.length ?? 0,
      exact: step.exact,
    });
    notes.push(...step.notes.map((n) => `${edit.kind}: ${n}`));
  }
  return { model: current, applied, notes, known };
}
