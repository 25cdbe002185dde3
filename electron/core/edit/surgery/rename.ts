/**
 * Renaming a tensor or a node. A tensor is renamed everywhere it is named — the node that makes
 * it, every reader (If/Loop/Scan bodies that read it from outside included, unless a body defines
 * the same name itself), graph inputs and outputs, initializers and value_info. A new name that a
 * tensor (or, for a node, another node) has already is refused: ONNX names are the wiring, and a
 * clash would silently join two tensors.
 */
import { KilnError } from '../../../shared/api/errors';
import type { Edit } from '../../../shared/api/edits';
import type { GraphProto, ModelProto, NodeProto } from '../../onnx/model';
import type { EditStep } from '../step';
import { copyModel } from '../model-copy';
import { bodiesOf, renameTensor } from './graph-tools';

function forEachGraph(g: GraphProto, fn: (g: GraphProto) => void): void {
  fn(g);
  for (const b of bodiesOf(g)) forEachGraph(b, fn);
}

function tensorNames(g: GraphProto): Set<string> {
  const names = new Set<string>();
  forEachGraph(g, (x) => {
    for (const v of [...x.input, ...x.output, ...x.valueInfo]) names.add(v.name);
    for (const t of x.initializer) names.add(t.name);
    for (const n of x.node) for (const t of [...n.input, ...n.output]) if (t) names.add(t);
  });
  return names;
}

function nodesNamed(g: GraphProto, name: string): NodeProto[] {
  const found: NodeProto[] = [];
  forEachGraph(g, (x) => found.push(...x.node.filter((n) => n.name === name)));
  return found;
}

export function rename(model: ModelProto, edit: Extract<Edit, { kind: 'rename' }>): EditStep {
  const { from, to, what } = edit;
  if (from === to) throw new KilnError('INVALID_ARGUMENT', `the ${what} ${from} already has that name`);
  const out = copyModel(model);
  const g = out.graph;
  if (!g) throw new KilnError('INVALID_ARGUMENT', 'the model has no graph to rename in');
  if (what === 'node') {
    const nodes = nodesNamed(g, from);
    if (nodes.length === 0) throw new KilnError('INVALID_ARGUMENT', `there is no node named "${from}"`);
    if (nodesNamed(g, to).length > 0)
      throw new KilnError('INVALID_ARGUMENT', `cannot rename node "${from}" to "${to}": a node named "${to}" exists`);
    for (const n of nodes) n.name = to;
    const notes = nodes.length > 1 ? [`${nodes.length} nodes were named "${from}": all renamed`] : [];
    return { model: out, summary: `renamed node ${from} to ${to}`, exact: true, notes };
  }
  const names = tensorNames(g);
  const inMain =
    g.input.some((v) => v.name === from) ||
    g.initializer.some((t) => t.name === from) ||
    g.node.some((n) => n.output.includes(from) || n.input.includes(from)) ||
    g.output.some((o) => o.name === from);
  if (!inMain) throw new KilnError('INVALID_ARGUMENT', `there is no tensor named "${from}" in the main graph`);
  if (names.has(to))
    throw new KilnError('INVALID_ARGUMENT', `cannot rename tensor "${from}" to "${to}": a tensor named "${to}" exists`);
  renameTensor(g, from, to);
  const notes: string[] = [];
  if (g.input.some((v) => v.name === to)) notes.push(`${from} was a graph input: callers feed it as ${to} now`);
  if (g.output.some((v) => v.name === to)) notes.push(`${from} was a graph output: callers read it as ${to} now`);
  return { model: out, summary: `renamed tensor ${from} to ${to}`, exact: true, notes };
}
