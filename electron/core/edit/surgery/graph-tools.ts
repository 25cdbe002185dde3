/**
 * The graph plumbing every edit needs and none should write twice: reads of one tensor rewired to
 * another through every body that sees it, a tensor renamed everywhere, a tensor bypassed while the
 * graph's output names stay what callers know, and the main graph's inferred types by name. These
 * change the graph they are given in place: edits call them on their copy (model-copy.ts), whose
 * node lists, names and declarations are their own and whose attributes, types and tensor data are
 * shared with the input, so they never write into those.
 */
import type { GraphProto, ModelProto, NodeProto } from '../../onnx/model';
import { buildIR } from '../../onnx/ir';
import { inferShapes } from '../../onnx/shapes';
import type { TensorSource } from '../../onnx/values';
import type { TensorType } from '../../shapes/types';

/** Where weights held as offsets are read from when an edit needs their values (in-memory tensors need none). */
export const NO_SOURCE: TensorSource = { path: '' };

/** Every body (If/Loop/Scan attribute graph) held by the nodes of `g`, one level down. */
export function bodiesOf(g: GraphProto): GraphProto[] {
  const out: GraphProto[] = [];
  for (const n of g.node)
    for (const a of n.attribute) {
      if (a.g) out.push(a.g);
      for (const sg of a.graphs ?? []) out.push(sg);
    }
  return out;
}

/** Whether `g` itself defines `name` (a body that does hides the outer tensor of that name). */
export function definesName(g: GraphProto, name: string): boolean {
  return (
    g.input.some((v) => v.name === name) ||
    g.initializer.some((t) => t.name === name) ||
    g.node.some((n) => n.output.includes(name))
  );
}

/** Names a body reads from the scope around it (what it does not define itself). */
function outerReads(body: GraphProto, into: Set<string>): void {
  for (const n of body.node) for (const x of n.input) if (x && !definesName(body, x)) into.add(x);
  for (const o of body.output) if (!definesName(body, o.name)) into.add(o.name);
  for (const b of bodiesOf(body)) {
    const inner = new Set<string>();
    outerReads(b, inner);
    for (const x of inner) if (!definesName(body, x)) into.add(x);
  }
}

/** Every tensor node `n` reads: its inputs and what its bodies read from outside them. */
export function readsOf(n: NodeProto): string[] {
  const reads = new Set(n.input.filter((x) => x));
  for (const a of n.attribute) for (const b of a.g ? [a.g] : (a.graphs ?? [])) outerReads(b, reads);
  return [...reads];
}

/** Reads of `from` in `g` and in every body that sees it (the graph's outputs too) become reads of `to`. */
export function replaceReads(g: GraphProto, from: string, to: string, includeOutputs = true): void {
  for (const n of g.node) for (let i = 0; i < n.input.length; i++) if (n.input[i] === from) n.input[i] = to;
  for (const b of bodiesOf(g)) {
    if (definesName(b, from)) continue;
    replaceReads(b, from, to);
  }
  if (includeOutputs) for (const o of g.output) if (o.name === from) o.name = to;
}

/** Renames tensor `from` to `to` everywhere in `g` and the bodies that see it: producer, readers, declarations. */
export function renameTensor(g: GraphProto, from: string, to: string): void {
  for (const n of g.node) {
    for (let i = 0; i < n.input.length; i++) if (n.input[i] === from) n.input[i] = to;
    for (let i = 0; i < n.output.length; i++) if (n.output[i] === from) n.output[i] = to;
  }
  for (const v of [...g.input, ...g.output, ...g.valueInfo]) if (v.name === from) v.name = to;
  for (const t of g.initializer) if (t.name === from) t.name = to;
  for (const s of g.sparseInitializer) {
    if (s.values?.name === from) s.values.name = to;
  }
  for (const b of bodiesOf(g)) {
    if (definesName(b, from)) continue;
    renameTensor(b, from, to);
  }
}

/** The graph's output names and its input and initializer names. */
function interfaceNames(g: GraphProto): { outputs: Set<string>; sources: Set<string> } {
  return {
    outputs: new Set(g.output.map((o) => o.name)),
    sources: new Set([...g.input.map((v) => v.name), ...g.initializer.map((t) => t.name)]),
  };
}

/**
 * Tensor `gone` stops existing and `keep` takes its place. Readers of `gone` read `keep`; when
 * `gone` is a graph output its name stays (callers know it): `keep` is renamed to it when a node
 * of `g` makes `keep` and nothing outside sees that name, else an Identity makes it. Returns the
 * Identity node added, if one was.
 */
export function bypassTensor(g: GraphProto, gone: string, keep: string, identityName: string): NodeProto | null {
  replaceReads(g, gone, keep, false);
  const { outputs, sources } = interfaceNames(g);
  if (!outputs.has(gone)) {
    g.valueInfo = g.valueInfo.filter((v) => v.name !== gone);
    return null;
  }
  const madeHere = g.node.some((n) => n.output.includes(keep));
  if (madeHere && !outputs.has(keep) && !sources.has(keep)) {
    g.valueInfo = g.valueInfo.filter((v) => v.name !== gone);
    // The output's declaration keeps its name; `keep`'s own value_info goes with its old name.
    g.valueInfo = g.valueInfo.filter((v) => v.name !== keep);
    for (const n of g.node) {
      for (let i = 0; i < n.input.length; i++) if (n.input[i] === keep) n.input[i] = gone;
      for (let i = 0; i < n.output.length; i++) if (n.output[i] === keep) n.output[i] = gone;
    }
    for (const b of bodiesOf(g)) if (!definesName(b, keep) && !definesName(b, gone)) replaceReads(b, keep, gone);
    return null;
  }
  const id: NodeProto = {
    input: [keep],
    output: [gone],
    name: identityName,
    opType: 'Identity',
    domain: '',
    overload: '',
    attribute: [],
    docString: '',
  };
  g.node.push(id);
  return id;
}

/** The main graph's tensor types by name, from Kiln's shape inference (declared types refined). */
export function mainGraphTypes(model: ModelProto, src: TensorSource = NO_SOURCE): Map<string, TensorType> {
  const ir = buildIR(model);
  const shapes = inferShapes(model, ir, src);
  const out = new Map<string, TensorType>();
  for (let t = 0; t < ir.tensorCount; t++) {
    if (ir.tensorGraph[t] !== 0) continue;
    const ty = shapes.types[t];
    if (ty) out.set(ir.tensorName[t] as string, ty);
  }
  return out;
}

/** "1×3×224×224", "?×128" (unknown dims as ?), "unknown shape". */
export function dimsText(t: TensorType | undefined): string {
  if (!t || t.dims === null) return 'unknown shape';
  if (t.dims.length === 0) return 'a scalar';
  return t.dims.map((d) => (d === null ? '?' : String(d))).join('×');
}

/** Orders `g`'s nodes so every node comes after the nodes it reads from, bodies' outer reads included (stable for sorted graphs). */
export function sortTopologically(g: GraphProto): void {
  const producer = new Map<string, number>();
  g.node.forEach((n, i) => n.output.forEach((o) => o && producer.set(o, i)));
  const state = new Uint8Array(g.node.length);
  const bodyReads: (string[] | undefined)[] = [];
  const order: NodeProto[] = [];
  const visit = (start: number) => {
    const stack: [number, number][] = [[start, 0]];
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as [number, number];
      const [i, k] = top;
      const n = g.node[i] as NodeProto;
      if (state[i] === 2) {
        stack.pop();
        continue;
      }
      state[i] = 1;
      const hasBody = n.attribute.some((a) => a.g || a.graphs);
      const reads = hasBody ? (bodyReads[i] ??= readsOf(n)) : n.input;
      if (k < reads.length) {
        top[1]++;
        const p = producer.get(reads[k] as string);
        if (p !== undefined && state[p] === 0) stack.push([p, 0]);
        continue;
      }
      state[i] = 2;
      order.push(n);
      stack.pop();
    }
  };
  for (let i = 0; i < g.node.length; i++) if (state[i] === 0) visit(i);
  g.node = order;
}

export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
