/**
 * Removing a node by bypassing it: its first input takes the place of its first output, which is
 * only the same computation's shape when the two tensors have the same type and shape — so that is
 * checked, and a node whose output differs from its input is refused with both shapes named (the
 * user meant to drop an Identity, a Dropout, a Cast that does nothing, not to rewire a Reshape).
 * Its other outputs must be unused. The graph's output names stay what callers know. `src` is where
 * weights held as file offsets are read from (shape inference needs small constants such as a
 * Reshape's shape); it may be left out for a model held in memory.
 */
import { KilnError } from '../../../shared/api/errors';
import type { Edit } from '../../../shared/api/edits';
import { dropUnusedInitializers, Names } from '../../onnx/graph-edit';
import type { ModelProto, NodeProto } from '../../onnx/model';
import type { TensorSource } from '../../onnx/values';
import type { TensorType } from '../../shapes/types';
import type { EditStep } from '../step';
import { copyModel } from '../model-copy';
import { bypassTensor, dimsText, mainGraphTypes, NO_SOURCE, plural } from './graph-tools';

/** Ops whose bypass leaves every output as it was (at inference). */
const NO_OPS = new Set(['Identity', 'Dropout']);

function sameType(a: TensorType | undefined, b: TensorType | undefined): boolean {
  if (!a || !b || !a.dtype || a.dtype !== b.dtype || a.dims === null || b.dims === null) return false;
  return a.dims.length === b.dims.length && a.dims.every((d, i) => d !== null && d === b.dims?.[i]);
}

function typeText(t: TensorType | undefined): string {
  return t ? `${t.dtype || 'unknown type'} ${dimsText(t)}` : 'unknown type and shape';
}

export function remove(
  model: ModelProto,
  edit: Extract<Edit, { kind: 'remove' }>,
  src: TensorSource = NO_SOURCE,
): EditStep {
  const out = copyModel(model);
  const g = out.graph;
  if (!g) throw new KilnError('INVALID_ARGUMENT', 'the model has no graph to remove nodes from');
  const types = mainGraphTypes(model, src);
  const names = new Names(out);
  const notes: string[] = [];
  const removed: string[] = [];
  for (const name of new Set(edit.nodes)) {
    const node = g.node.find((n) => n.name === name);
    if (!node) throw new KilnError('INVALID_ARGUMENT', `there is no node named "${name}" in the main graph`);
    const input = node.input[0];
    const output = node.output[0];
    if (!input || !output)
      throw new KilnError(
        'INVALID_ARGUMENT',
        `node "${name}" (${node.opType}) cannot be bypassed: it has no ${input ? 'output' : 'input'} to take the place of the other`,
      );
    const tin = types.get(input);
    const tout = types.get(output);
    if (!sameType(tin, tout))
      throw new KilnError(
        'INVALID_ARGUMENT',
        `node "${name}" (${node.opType}) cannot be removed: its input ${input} is ${typeText(tin)} and its output ${output} is ${typeText(tout)}; a node is bypassed only where the two are the same`,
      );
    const readers = new Map<string, NodeProto[]>();
    for (const n of g.node) for (const x of n.input) if (x) (readers.get(x) ?? readers.set(x, []).get(x)!).push(n);
    const graphOutputs = new Set(g.output.map((o) => o.name));
    for (const extra of node.output.slice(1)) {
      if (!extra) continue;
      const reader = readers.get(extra)?.[0];
      if (reader || graphOutputs.has(extra))
        throw new KilnError(
          'INVALID_ARGUMENT',
          `node "${name}" (${node.opType}) cannot be removed: its output ${extra} is ${reader ? `read by node "${reader.name || reader.opType}"` : 'a graph output'}`,
        );
    }
    g.node = g.node.filter((n) => n !== node);
    const identity = bypassTensor(g, output, input, names.fresh(`${name}_bypass`));
    if (identity)
      notes.push(`${output} is a graph output and ${input} is not made by a node: an Identity keeps the output's name`);
    removed.push(`${name} (${node.opType})`);
  }
  dropUnusedInitializers(g);
  const exact = edit.nodes.every((n) => NO_OPS.has(model.graph?.node.find((x) => x.name === n)?.opType ?? ''));
  if (!exact)
    notes.push('the removed nodes computed something: outputs may change (the exactness measure says how far)');
  return {
    model: out,
    summary: `removed ${plural(removed.length, 'node')}: ${removed.join(', ')}`,
    exact,
    notes,
  };
}
