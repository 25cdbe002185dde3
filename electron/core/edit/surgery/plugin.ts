/**
 * Replacing a node, or a connected group of nodes, with one custom-domain op that a TensorRT plugin
 * implements — what ONNX-GraphSurgeon users write by hand before `trtexec --staticPlugins`. The
 * TensorRT ONNX parser imports an op it does not know through the plugin registry, by the op's
 * name (and its `plugin_version` / `plugin_namespace` attributes when present), whatever its
 * domain; the domain is imported into the model so ONNX tools accept the file.
 *
 * The new op reads what the group reads from outside it (weights included, in first-read order)
 * and makes what the outside reads from the group (graph outputs included). A single node keeps
 * its inputs and outputs in place and its attributes unless others are given. A group that is not
 * connected, or that a path leaves and re-enters (the op would have to run before itself), is
 * refused by name. The outputs keep their inferred types in value_info so TensorRT and Kiln's
 * checks still know their shapes; ONNX Runtime cannot run the result without the op's kernel.
 */
import { KilnError } from '../../../shared/api/errors';
import type { Edit } from '../../../shared/api/edits';
import { Names } from '../../onnx/graph-edit';
import { ATTR, type AttributeProto, type GraphProto, type ModelProto, type NodeProto } from '../../onnx/model';
import type { TensorSource } from '../../onnx/values';
import type { EditStep } from '../step';
import { declared } from './extract';
import { copyModel } from '../model-copy';
import { mainGraphTypes, NO_SOURCE, plural, sortTopologically } from './graph-tools';

type PluginEdit = Extract<Edit, { kind: 'plugin' }>;

/** Domains whose ops are ONNX's own or ONNX Runtime's, not a plugin's. */
const NOT_PLUGIN_DOMAINS = new Set(['', 'ai.onnx', 'ai.onnx.ml', 'com.microsoft', 'ai.onnx.training']);

function attributeOf(name: string, v: number | string | number[]): AttributeProto {
  const a: AttributeProto = { name, type: ATTR.UNDEFINED, refAttrName: '', docString: '' };
  if (typeof v === 'string') return { ...a, type: ATTR.STRING, s: new TextEncoder().encode(v) };
  if (typeof v === 'number')
    return Number.isInteger(v) ? { ...a, type: ATTR.INT, i: v } : { ...a, type: ATTR.FLOAT, f: v };
  return v.every((x) => Number.isInteger(x))
    ? { ...a, type: ATTR.INTS, ints: v }
    : { ...a, type: ATTR.FLOATS, floats: v };
}

const label = (n: NodeProto) => n.name || n.opType;

/** The group's nodes in graph order, refused when not connected or when a path re-enters it. */
function checkGroup(g: GraphProto, group: NodeProto[]): void {
  const inGroup = new Set(group);
  const producer = new Map<string, NodeProto>();
  for (const n of g.node) for (const o of n.output) if (o) producer.set(o, n);
  // Connected: walk tensors between members, both directions.
  const seen = new Set<NodeProto>([group[0] as NodeProto]);
  const todo = [group[0] as NodeProto];
  while (todo.length > 0) {
    const n = todo.pop() as NodeProto;
    for (const m of group) {
      if (seen.has(m)) continue;
      const linked = m.input.some((x) => x && n.output.includes(x)) || n.input.some((x) => x && m.output.includes(x));
      if (linked) {
        seen.add(m);
        todo.push(m);
      }
    }
  }
  const apart = group.filter((n) => !seen.has(n));
  if (apart.length > 0)
    throw new KilnError(
      'INVALID_ARGUMENT',
      `the nodes to replace are not connected: ${apart.map(label).join(', ')} share no tensor with ${label(group[0] as NodeProto)}'s part of the group`,
    );
  // Convex: nothing outside the group reads a member's output and leads back into the group.
  const readers = new Map<string, NodeProto[]>();
  for (const n of g.node) for (const x of n.input) if (x) (readers.get(x) ?? readers.set(x, []).get(x)!).push(n);
  const reached = new Set<NodeProto>();
  const tensors = group.flatMap((n) => n.output).filter((o) => o);
  while (tensors.length > 0) {
    const t = tensors.pop() as string;
    for (const r of readers.get(t) ?? []) {
      if (inGroup.has(r)) {
        const p = producer.get(t);
        if (p && !inGroup.has(p))
          throw new KilnError(
            'INVALID_ARGUMENT',
            `the nodes to replace cannot become one op: node "${label(p)}" lies on a path that leaves the group and comes back to "${label(r)}"; add it to the group`,
          );
        continue;
      }
      if (reached.has(r)) continue;
      reached.add(r);
      tensors.push(...r.output.filter((o) => o));
    }
  }
}

export function plugin(model: ModelProto, edit: PluginEdit, src: TensorSource = NO_SOURCE): EditStep {
  const op = edit.op.trim();
  if (!op || !/^[A-Za-z_][A-Za-z0-9_.]*$/.test(op))
    throw new KilnError(
      'INVALID_ARGUMENT',
      op
        ? `"${op}" cannot name a plugin op: use the name the plugin registers (letters, digits, _ and .)`
        : 'a plugin op needs a name: the one the TensorRT plugin registers',
    );
  const domain = edit.domain.trim();
  if (NOT_PLUGIN_DOMAINS.has(domain))
    throw new KilnError(
      'INVALID_ARGUMENT',
      `a plugin op needs a custom domain (such as trt.plugins), not ${domain ? `"${domain}"` : 'the default ONNX domain'}`,
    );
  const out = copyModel(model);
  const g = out.graph;
  if (!g) throw new KilnError('INVALID_ARGUMENT', 'the model has no graph to edit');
  const wanted = [...new Set(edit.nodes)];
  for (const name of wanted)
    if (!g.node.some((n) => n.name === name))
      throw new KilnError('INVALID_ARGUMENT', `there is no node named "${name}" in the main graph`);
  const group = g.node.filter((n) => wanted.includes(n.name));
  const single = group.length === 1 ? (group[0] as NodeProto) : null;
  if (!single) checkGroup(g, group);

  let inputs: string[];
  let outputs: string[];
  if (single) {
    inputs = single.input.slice();
    outputs = single.output.slice();
  } else {
    const madeInside = new Set(group.flatMap((n) => n.output));
    inputs = [...new Set(group.flatMap((n) => n.input).filter((x) => x && !madeInside.has(x)))];
    const readOutside = new Set([
      ...g.node.filter((n) => !group.includes(n)).flatMap((n) => n.input),
      ...g.output.map((o) => o.name),
    ]);
    outputs = group.flatMap((n) => n.output).filter((o) => o && readOutside.has(o));
  }
  const attribute = edit.attributes
    ? Object.entries(edit.attributes).map(([k, v]) => attributeOf(k, v))
    : single
      ? single.attribute
      : [];
  const name = single ? single.name : new Names(out).fresh(`${op}_plugin`);
  const replacement: NodeProto = {
    input: inputs,
    output: outputs,
    name,
    opType: op,
    domain,
    overload: '',
    attribute,
    docString: '',
  };

  // The op takes the place of the group's last node: everything it reads is made before that.
  const last = g.node.reduce((at, n, i) => (group.includes(n) ? i : at), -1);
  g.node = g.node.flatMap((n, i) => (i === last ? [replacement] : group.includes(n) ? [] : [n]));
  // An outside reader of an earlier member's output may sit before that place: order again.
  if (!single) sortTopologically(g);
  if (!out.opsetImport.some((o) => o.domain === domain)) out.opsetImport.push({ domain, version: 1 });

  const types = mainGraphTypes(model, src);
  const internal = new Set(group.flatMap((n) => n.output).filter((o) => !outputs.includes(o)));
  g.valueInfo = g.valueInfo.filter((v) => !internal.has(v.name));
  const declaredNames = new Set([...g.valueInfo, ...g.output].map((v) => v.name));
  for (const o of outputs) {
    const t = types.get(o);
    if (o && !declaredNames.has(o) && t?.dtype) g.valueInfo.push(declared(o, t, 'a plugin output'));
  }
  const notes = [
    `TensorRT builds ${op} only with a plugin library that registers it loaded (trtexec --staticPlugins or --dynamicPlugins)`,
    'ONNX Runtime cannot run the result without a kernel for the op: its outputs are not compared with the parent’s',
  ];
  if (!attribute.some((a) => a.name === 'plugin_version'))
    notes.push('the parser asks the plugin registry for version "1" unless a plugin_version attribute says otherwise');
  return {
    model: out,
    summary: single
      ? `replaced ${single.opType} node ${single.name} with plugin op ${domain}::${op}`
      : `replaced ${plural(group.length, 'node')} (${group.map(label).join(', ')}) with plugin op ${domain}::${op}`,
    exact: false,
    notes,
  };
}
