/**
 * Small helpers for rewriting an ONNX graph in place: attributes, float and int64 initializers,
 * fresh names, read counts. Shared by the graph rewrites (opset conversion, INT8 preparation and
 * Q/DQ, channel equalization, folds).
 */
import type { AttributeProto, GraphProto, ModelProto, NodeProto, TensorProto } from './model';
import { ATTR } from './model';
import { DataType } from './dtypes';

export function attrOf(n: NodeProto, name: string): AttributeProto | undefined {
  return n.attribute.find((a) => a.name === name);
}

export const intAttr = (name: string, i: number): AttributeProto => ({
  name,
  type: ATTR.INT,
  i,
  refAttrName: '',
  docString: '',
});
export const strAttr = (name: string, s: string): AttributeProto => ({
  name,
  type: ATTR.STRING,
  s: new TextEncoder().encode(s),
  refAttrName: '',
  docString: '',
});

export function setAttr(n: NodeProto, a: AttributeProto): void {
  n.attribute = [...n.attribute.filter((x) => x.name !== a.name), a];
}

export function dropAttr(n: NodeProto, ...names: string[]): void {
  n.attribute = n.attribute.filter((x) => !names.includes(x.name));
}

export function tensor(name: string, dataType: number, dims: number[], bytes: Uint8Array): TensorProto {
  return { name, dataType, dims, data: { kind: 'bytes', bytes }, externalData: [], docString: '' };
}

export const bytesOf = (a: Float32Array | Int8Array | Uint8Array | Int32Array | BigInt64Array): Uint8Array =>
  new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

export const f32Tensor = (name: string, dims: number[], v: ArrayLike<number>) =>
  tensor(name, DataType.FLOAT, dims, bytesOf(Float32Array.from(v)));
export const i64Tensor = (name: string, v: readonly number[]) =>
  tensor(name, DataType.INT64, [v.length], bytesOf(BigInt64Array.from(v.map((x) => BigInt(x)))));
export const isDefaultDomain = (n: NodeProto) => n.domain === '' || n.domain === 'ai.onnx';

/** Every name in a graph and its bodies (tensors, nodes), for picking new unique names. */
function collectNames(g: GraphProto, into: Set<string>): void {
  for (const v of [...g.input, ...g.output, ...g.valueInfo]) into.add(v.name);
  for (const t of g.initializer) into.add(t.name);
  for (const n of g.node) {
    into.add(n.name);
    for (const x of [...n.input, ...n.output]) into.add(x);
    for (const a of n.attribute) {
      if (a.g) collectNames(a.g, into);
      for (const sg of a.graphs ?? []) collectNames(sg, into);
    }
  }
}

export class Names {
  private used = new Set<string>();
  constructor(model: ModelProto) {
    if (model.graph) collectNames(model.graph, this.used);
  }
  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }
}

/** Names read by the nodes of `g` and of every body inside it (outer-scope reads included). */
function readsIn(g: GraphProto, into: Map<string, number>): void {
  for (const n of g.node) {
    for (const x of n.input) if (x) into.set(x, (into.get(x) ?? 0) + 1);
    for (const a of n.attribute) {
      if (a.g) readsIn(a.g, into);
      for (const sg of a.graphs ?? []) readsIn(sg, into);
      // A body's outputs may name outer tensors directly.
      for (const sg of a.g ? [a.g] : (a.graphs ?? []))
        for (const o of sg.output) into.set(o.name, (into.get(o.name) ?? 0) + 1);
    }
  }
}

export function readCounts(g: GraphProto): Map<string, number> {
  const m = new Map<string, number>();
  readsIn(g, m);
  for (const o of g.output) m.set(o.name, (m.get(o.name) ?? 0) + 1);
  return m;
}

export function node(
  opType: string,
  input: string[],
  output: string[],
  name: string,
  attribute: AttributeProto[] = [],
): NodeProto {
  return { input, output, name, opType, domain: '', overload: '', attribute, docString: '' };
}

/** After nodes were removed: value infos of tensors nothing makes, and initializers nothing reads. */
export function dropDead(g: GraphProto): void {
  const live = new Set<string>();
  for (const n of g.node) for (const o of n.output) live.add(o);
  for (const v of g.input) live.add(v.name);
  g.valueInfo = g.valueInfo.filter((v) => live.has(v.name));
  dropUnusedInitializers(g);
}

/** Drops initializers nothing reads any more. */
export function dropUnusedInitializers(g: GraphProto): void {
  const reads = readCounts(g);
  const inputs = new Set(g.input.map((v) => v.name));
  g.initializer = g.initializer.filter((t) => reads.has(t.name) || inputs.has(t.name));
}
