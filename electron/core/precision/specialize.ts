/**
 * Specializing a model for the inputs it will be deployed with: input shapes made concrete, chosen
 * inputs frozen to a value (silero VAD's sample rate `sr`), and every If whose condition that
 * decides replaced by the branch it takes, until no decided If is left. Models exported from
 * PyTorch hide their whole network in such branches (sample-rate switches, "squeeze if the batch
 * is 1"), where precision rewrites, calibration and TensorRT's fusions cannot reach it.
 *
 * The variant keeps its interface: a frozen input stays a graph input that nothing reads, so
 * callers feed it as before, but the variant answers only for the values and shapes it was
 * specialized for (its notes say which).
 */
import * as path from 'node:path';
import { KilnError } from '../../shared/api/errors';
import { resolveShapes } from '../inputs/specs';
import { analyzeModelBytes, type ModelAnalysis } from '../onnx/analyze';
import { encodeModel } from '../onnx/encode';
import type { GraphProto, NodeProto, TensorProto, ValueInfoProto } from '../onnx/model';
import { writeModelFile } from '../onnx/write';
import { makeTempDir, removeTempDir } from '../../platform/temp-dirs';

export interface SpecializeOptions {
  /** Concrete dims per input name (every dim of a named input becomes fixed). */
  shapes: Record<string, number[]>;
  /** Inputs frozen to one value (scalars or one-element tensors). */
  values: Record<string, number>;
}

export interface SpecializeResult {
  outPath: string;
  /** If nodes replaced by the branch they take (nested ones counted too). */
  ifsInlined: number;
  /** Nodes dropped because nothing read them any more (the frozen inputs' comparisons). */
  deadNodes: number;
  note: string;
}

/** Rounds of inlining: each round lifts one level of nested Ifs into the main graph. */
const MAX_ROUNDS = 32;

const ELEMENT: Record<number, { bytes: number; set: (v: DataView, x: number) => void }> = {
  1: { bytes: 4, set: (v, x) => v.setFloat32(0, x, true) },
  6: { bytes: 4, set: (v, x) => v.setInt32(0, x, true) },
  7: { bytes: 8, set: (v, x) => v.setBigInt64(0, BigInt(Math.trunc(x)), true) },
  9: { bytes: 1, set: (v, x) => v.setUint8(0, x ? 1 : 0) },
  11: { bytes: 8, set: (v, x) => v.setFloat64(0, x, true) },
};

/** Renames reads of `from` to `to` in g and every body inside it. */
function renameReads(g: GraphProto, from: string, to: string): void {
  for (const n of g.node) {
    n.input = n.input.map((x) => (x === from ? to : x));
    for (const a of n.attribute) for (const b of a.g ? [a.g] : (a.graphs ?? [])) renameReads(b, from, to);
  }
  for (const o of g.output) if (o.name === from) o.name = to;
}

function freeze(g: GraphProto, input: ValueInfoProto, value: number, file: string): void {
  const t = input.type;
  const shape = t && t.kind === 'tensor' ? t.shape : null;
  const elem = t && t.kind === 'tensor' ? ELEMENT[t.elemType] : undefined;
  if (!t || t.kind !== 'tensor' || !elem)
    throw new KilnError('INVALID_ARGUMENT', `${file}: input ${input.name} cannot be frozen (not a numeric tensor)`, {
      file,
    });
  const dims = (shape ?? []).map((d) => d.value ?? 1);
  if (dims.some((d) => d !== 1))
    throw new KilnError(
      'INVALID_ARGUMENT',
      `${file}: input ${input.name} has shape [${dims.join(', ')}]; only scalars and one-element inputs can be frozen`,
      { file },
    );
  const bytes = new Uint8Array(elem.bytes);
  elem.set(new DataView(bytes.buffer), value);
  const taken = new Set([...g.initializer.map((x) => x.name), ...g.node.flatMap((n) => n.output)]);
  let name = `${input.name}_frozen`;
  for (let i = 1; taken.has(name); i++) name = `${input.name}_frozen_${i}`;
  const init: TensorProto = {
    name,
    dataType: t.elemType,
    dims: shape ? dims : [],
    data: { kind: 'bytes', bytes },
    externalData: [],
    docString: `${input.name} frozen to ${value} by Kiln`,
  };
  g.initializer.push(init);
  renameReads(g, input.name, name);
}

/** The branch each main-graph If takes, where shape inference knows its condition. */
function decidedIfs(a: ModelAnalysis): Map<NodeProto, GraphProto> {
  const { ir, shapes } = a;
  const out = new Map<NodeProto, GraphProto>();
  const main = ir.graphs[0];
  if (!main) return out;
  for (let k = main.nodeStart; k < main.nodeEnd; k++) {
    const id = ir.topo[k] as number;
    const n = ir.nodes[id] as NodeProto;
    if (n.opType !== 'If' || (n.domain !== '' && n.domain !== 'ai.onnx')) continue;
    const cond = ir.nodeInputs[ir.nodeInputStart[id] as number] as number;
    const c = cond >= 0 ? shapes.consts.get(cond) : undefined;
    const v = c?.values.length === 1 ? c.values[0] : undefined;
    if (typeof v !== 'number') continue;
    const branch = n.attribute.find((x) => x.name === (v ? 'then_branch' : 'else_branch'))?.g;
    if (branch && branch.output.length === n.output.length) out.set(n, branch);
  }
  return out;
}

/** Replaces each decided If by its branch's nodes, and an Identity per output. */
function inline(g: GraphProto, decided: Map<NodeProto, GraphProto>): void {
  const nodes: NodeProto[] = [];
  for (const n of g.node) {
    const body = decided.get(n);
    if (!body) {
      nodes.push(n);
      continue;
    }
    nodes.push(...body.node);
    g.initializer.push(...body.initializer);
    g.sparseInitializer.push(...body.sparseInitializer);
    g.valueInfo.push(...body.valueInfo);
    n.output.forEach((out, k) => {
      const from = (body.output[k] as ValueInfoProto).name;
      if (out) nodes.push(identity(from, out, `${n.name || out}_branch_output_${k}`));
    });
  }
  g.node = nodes;
}

function identity(from: string, to: string, name: string): NodeProto {
  return {
    input: [from],
    output: [to],
    name,
    opType: 'Identity',
    domain: '',
    overload: '',
    attribute: [],
    docString: '',
  };
}

/** Names read by g's nodes, its bodies (outer-scope reads) and its outputs. */
function reads(g: GraphProto, into: Set<string>): void {
  for (const n of g.node) {
    for (const x of n.input) if (x) into.add(x);
    for (const a of n.attribute)
      for (const b of a.g ? [a.g] : (a.graphs ?? [])) {
        reads(b, into);
        for (const o of b.output) into.add(o.name);
      }
  }
  for (const o of g.output) into.add(o.name);
}

/** Drops main-graph nodes whose outputs nothing reads (a node with no outputs is kept), then unread initializers. */
function dropDeadNodes(g: GraphProto): number {
  let dropped = 0;
  for (;;) {
    const read = new Set<string>();
    reads(g, read);
    const kept = g.node.filter((n) => n.output.length === 0 || n.output.some((o) => o && read.has(o)));
    if (kept.length === g.node.length) break;
    dropped += g.node.length - kept.length;
    g.node = kept;
  }
  const read = new Set<string>();
  reads(g, read);
  g.initializer = g.initializer.filter((t) => read.has(t.name));
  const made = new Set([...g.node.flatMap((n) => n.output), ...g.input.map((v) => v.name)]);
  g.valueInfo = g.valueInfo.filter((v) => made.has(v.name));
  return dropped;
}

/**
 * Writes the model of `a` specialized for `opts` to `outPath` (`a`'s model is changed on the way).
 * Throws KilnError naming the file when an input named in `opts` does not exist or cannot be frozen.
 */
export function specializeModel(a: ModelAnalysis, outPath: string, opts: SpecializeOptions): SpecializeResult {
  const file = a.opened.displayName;
  const g0 = a.opened.model.graph;
  if (!g0) throw new KilnError('NOT_ONNX', `${file} has no graph`, { file });
  const inits = new Set(g0.initializer.map((t) => t.name));
  const inputs = new Map(g0.input.filter((v) => !inits.has(v.name)).map((v) => [v.name, v]));
  for (const name of [...Object.keys(opts.shapes), ...Object.keys(opts.values)])
    if (!inputs.has(name))
      throw new KilnError(
        'INVALID_ARGUMENT',
        `${file} has no input "${name}" (its inputs are: ${[...inputs.keys()].join(', ')})`,
        { file },
      );
  for (const [name, dims] of Object.entries(opts.shapes)) {
    const v = inputs.get(name) as ValueInfoProto;
    if (v.type?.kind === 'tensor') v.type.shape = dims.map((d) => ({ value: d }));
  }
  for (const [name, value] of Object.entries(opts.values)) freeze(g0, inputs.get(name) as ValueInfoProto, value, file);

  // Each round re-infers (inlined branches expose the Ifs nested in them) and inlines what is decided.
  let bytes = encodeModel(a.opened.model, { source: a.opened.bytes });
  let b = analyzeModelBytes(bytes, a.opened.path, file);
  let ifsInlined = 0;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const decided = decidedIfs(b);
    if (decided.size === 0) break;
    inline(b.opened.model.graph as GraphProto, decided);
    ifsInlined += decided.size;
    bytes = encodeModel(b.opened.model, { source: b.opened.bytes });
    b = analyzeModelBytes(bytes, a.opened.path, file);
  }
  const deadNodes = dropDeadNodes(b.opened.model.graph as GraphProto);
  writeModelFile(b.opened.model, outPath, { source: bytes });

  const what = [
    ...Object.entries(opts.shapes)
      .filter(([, d]) => d.length > 0)
      .map(([k, d]) => `${k}:${d.join('x')}`),
    ...Object.entries(opts.values).map(([k, v]) => `${k}=${v}`),
  ].join(', ');
  const note =
    `specialized for ${what || 'the model as declared'}: ${ifsInlined} If node${ifsInlined === 1 ? '' : 's'} replaced by the branch taken` +
    (deadNodes ? `, ${deadNodes} node${deadNodes === 1 ? '' : 's'} nothing read any more dropped` : '') +
    `; the variant answers only for these${Object.keys(opts.values).length ? ' (frozen inputs are still accepted, and ignored)' : ''}`;
  return { outPath: path.resolve(outPath), ifsInlined, deadNodes, note };
}

/** What a recipe says about specialization (recipes built in code may lack the fields). */
interface SpecializingRecipe {
  shapes: Record<string, number[]>;
  specialize?: boolean;
  fixedInputs?: Record<string, number>;
}

export function asksToSpecialize(r: SpecializingRecipe): boolean {
  return Boolean(r.specialize) || Object.keys(r.fixedInputs ?? {}).length > 0;
}

/** Runs `fn` on a temp copy of `a`'s model specialized as `recipe` says; the copy is removed afterwards. */
export async function withSpecialized<T>(
  a: ModelAnalysis,
  recipe: SpecializingRecipe,
  fn: (spec: SpecializeResult) => Promise<T>,
): Promise<T> {
  const dir = makeTempDir('specialized');
  try {
    const spec = specializeModel(a, path.join(dir, 'specialized.onnx'), {
      shapes: resolveShapes(a.summary.inputs, recipe.shapes),
      values: recipe.fixedInputs ?? {},
    });
    return await fn(spec);
  } finally {
    removeTempDir(dir);
  }
}
