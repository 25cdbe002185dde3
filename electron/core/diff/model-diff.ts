/**
 * Model diff (issue 23, item 4): what changed from model A to model B. Nodes are paired (by name,
 * then by structure: pairing.ts); a pair differs in its op, an attribute, its output count, or
 * where an input comes from (an input is the same when it comes from the paired node's same
 * output, the same — or structurally paired — initializer, or the same graph input). Initializers
 * are paired by name, then by the slot of a paired node that reads them, and compared by value
 * (tensor-diff.ts). Only changes are listed. Two models that share too little to be versions of
 * one network are said to be unrelated instead of listing every node as added and removed.
 */
import type { ChangedNode, InitializerChange, ModelDiff, NodeFieldChange, NodeRef } from '../../shared/api/diff';
import { throwIfCancelled, type JobContext } from '../jobs/context';
import { dtypeName } from '../onnx/dtypes';
import { TENSOR_INITIALIZER, TENSOR_INPUT } from '../onnx/ir';
import type { AttributeProto } from '../onnx/model';
import type { TensorSource } from '../onnx/values';
import type { DiffIR, DiffModel } from './diff-model';
import { headerChanges, ioChanges } from './header';
import { attributeText, sameAttribute } from './node-text';
import { diffSide, initializerNames, pairNodes, type DiffSide, type Pairing } from './pairing';
import { sharedWeights as weightsInCommon, type WeightKey } from './shared-weights';
import { tensorDelta } from './tensor-diff';

export type { DiffModel } from './diff-model';

/**
 * Below both shares the two models are called unrelated (their nodes are not listed one by one),
 * unless at least SAME_WEIGHTS of their weights are the same bytes (shared-weights.ts).
 */
export const UNRELATED_BELOW = { nameShare: 0.2, unchangedShare: 0.4 };
export const SAME_WEIGHTS = 0.8;
/** Readers listed per changed initializer (the view colours them). */
const MAX_READERS = 64;

interface Ctx {
  a: DiffSide;
  b: DiffSide;
  srcA: TensorSource;
  srcB: TensorSource;
  p: Pairing;
  /** Tensor id in A (initializer or graph input) -> its counterpart in B, -1 where none. */
  tensorAtoB: Int32Array;
}

const srcOf = (o: DiffModel['opened']): TensorSource => ({ path: o.path, bytes: o.bytes });
const isInit = (s: DiffSide, t: number) => ((s.ir.tensorFlags[t] as number) & TENSOR_INITIALIZER) !== 0;

function ref(s: DiffSide, local: number): NodeRef {
  const id = s.g.nodeStart + local;
  return { node: local, name: s.ir.nodeName[id] as string, op: s.ir.ops[s.ir.nodeOp[id] as number] as string };
}

const refName = (r: NodeRef) => r.name || `${r.op} #${r.node}`;

function outputIndex(ir: DiffIR, node: number, t: number): number {
  for (let k = ir.nodeOutputStart[node] as number; k < (ir.nodeOutputStart[node + 1] as number); k++)
    if (ir.nodeOutputs[k] === t) return k - (ir.nodeOutputStart[node] as number);
  return -1;
}

/** Outputs per node the source keys tell apart (a node with more is keyed as no other source). */
const KEY_OUTPUTS = 2 ** 20;

/**
 * Where tensor `t` of a side comes from, as a number in B's terms: equal numbers, the same source.
 * -1: no input; output k of B's node y: y * 2^20 + k (≥ 0); tensor u of B: -2 - u. NaN, equal to
 * nothing, where A's source has no counterpart in B or B's is a name the graph does not make (a
 * number rather than a string: this runs for every input of every paired node).
 */
function sourceKey(c: Ctx, side: 'a' | 'b', t: number): number {
  if (t < 0) return -1;
  const s = side === 'a' ? c.a : c.b;
  const p = s.ir.tensorProducer[t] as number;
  if (p >= s.g.nodeStart && p < s.g.nodeEnd) {
    const local = p - s.g.nodeStart;
    const inB = side === 'a' ? (c.p.aToB[local] as number) : local;
    const k = outputIndex(s.ir, p, t);
    return inB >= 0 && k < KEY_OUTPUTS ? inB * KEY_OUTPUTS + k : NaN;
  }
  if (side === 'a') {
    const u = c.tensorAtoB[t] as number;
    return u >= 0 ? -2 - u : NaN;
  }
  return (s.ir.tensorFlags[t] as number) & (TENSOR_INITIALIZER | TENSOR_INPUT) ? -2 - t : NaN;
}

/** Where tensor `t` comes from, in words. */
function sourceText(s: DiffSide, t: number): string | null {
  if (t < 0) return null;
  const p = s.ir.tensorProducer[t] as number;
  if (p >= s.g.nodeStart && p < s.g.nodeEnd) {
    const k = outputIndex(s.ir, p, t);
    return `${refName(ref(s, p - s.g.nodeStart))}${k > 0 ? ` output ${k}` : ''}`;
  }
  const name = s.ir.tensorName[t] as string;
  if (isInit(s, t)) return `initializer ${name}`;
  if ((s.ir.tensorFlags[t] as number) & TENSOR_INPUT) return `input ${name}`;
  return name;
}

/** Pairs A's graph inputs and initializers with B's: by name, then initializers by the slot of a paired node. */
function pairTensors(c: Ctx): void {
  const inB = new Map(c.b.g.inputs.map((t) => [c.b.ir.tensorName[t] as string, t]));
  const inputsA = c.a.g.inputs.filter((t) => !isInit(c.a, t));
  const inputsB = c.b.g.inputs.filter((t) => !isInit(c.b, t));
  const taken = new Uint8Array(c.b.ir.tensorCount);
  const link = (t: number, u: number) => {
    c.tensorAtoB[t] = u;
    taken[u] = 1;
  };
  inputsA.forEach((t, i) => {
    const u = inB.get(c.a.ir.tensorName[t] as string) ?? (inputsA.length === inputsB.length ? inputsB[i] : undefined);
    if (u !== undefined) link(t, u);
  });
  const initB = initializerNames(c.b);
  for (const [name, t] of initializerNames(c.a)) {
    const u = initB.get(name);
    if (u !== undefined) link(t, u);
  }
  for (let x = 0; x < c.a.n; x++) {
    const y = c.p.aToB[x] as number;
    if (y < 0) continue;
    const ia = c.a.g.nodeStart + x;
    const ib = c.b.g.nodeStart + y;
    const startA = c.a.ir.nodeInputStart[ia] as number;
    const startB = c.b.ir.nodeInputStart[ib] as number;
    const n = Math.min(
      (c.a.ir.nodeInputStart[ia + 1] as number) - startA,
      (c.b.ir.nodeInputStart[ib + 1] as number) - startB,
    );
    for (let k = 0; k < n; k++) {
      const t = c.a.ir.nodeInputs[startA + k] as number;
      const u = c.b.ir.nodeInputs[startB + k] as number;
      if (t < 0 || u < 0 || !isInit(c.a, t) || !isInit(c.b, u)) continue;
      if ((c.tensorAtoB[t] as number) >= 0 || taken[u]) continue;
      link(t, u);
    }
  }
}

/** Attribute lists that are the same: the same names in the same order, each value the same. */
function sameAttributes(c: Ctx, x: AttributeProto[], y: AttributeProto[]): boolean {
  if (x.length !== y.length) return false;
  for (let k = 0; k < x.length; k++) {
    const p = x[k]!;
    const q = y[k]!;
    if (p.name !== q.name || !sameAttribute(p, c.srcA, q, c.srcB)) return false;
  }
  return true;
}

/** What differs inside a pair of nodes (null: nothing; the list is made only when something does). */
function nodeChanges(c: Ctx, x: number, y: number): NodeFieldChange[] | null {
  const ia = c.a.g.nodeStart + x;
  const ib = c.b.g.nodeStart + y;
  let out: NodeFieldChange[] | null = null;
  const add = (f: NodeFieldChange) => (out ??= []).push(f);
  const opA = c.a.ir.ops[c.a.ir.nodeOp[ia] as number] as string;
  const opB = c.b.ir.ops[c.b.ir.nodeOp[ib] as number] as string;
  if (opA !== opB) add({ what: 'op', name: '', a: opA, b: opB });
  const na = c.a.ir.nodes[ia]!;
  const nb = c.b.ir.nodes[ib]!;
  if (!sameAttributes(c, na.attribute, nb.attribute)) {
    const attrsB = new Map(nb.attribute.map((at) => [at.name, at]));
    for (const at of na.attribute) {
      const bt = attrsB.get(at.name);
      attrsB.delete(at.name);
      if (!bt) add({ what: 'attribute', name: at.name, a: attributeText(at, c.srcA), b: null });
      else if (!sameAttribute(at, c.srcA, bt, c.srcB))
        add({ what: 'attribute', name: at.name, a: attributeText(at, c.srcA), b: attributeText(bt, c.srcB) });
    }
    for (const bt of attrsB.values()) add({ what: 'attribute', name: bt.name, a: null, b: attributeText(bt, c.srcB) });
  }
  const inStartA = c.a.ir.nodeInputStart[ia] as number;
  const inStartB = c.b.ir.nodeInputStart[ib] as number;
  const insA = (c.a.ir.nodeInputStart[ia + 1] as number) - inStartA;
  const insB = (c.b.ir.nodeInputStart[ib + 1] as number) - inStartB;
  for (let k = 0; k < Math.max(insA, insB); k++) {
    const t = k < insA ? (c.a.ir.nodeInputs[inStartA + k] as number) : -1;
    const u = k < insB ? (c.b.ir.nodeInputs[inStartB + k] as number) : -1;
    if (sourceKey(c, 'a', t) !== sourceKey(c, 'b', u))
      add({ what: 'input', name: `input ${k}`, a: sourceText(c.a, t), b: sourceText(c.b, u) });
  }
  const outsA = (c.a.ir.nodeOutputStart[ia + 1] as number) - (c.a.ir.nodeOutputStart[ia] as number);
  const outsB = (c.b.ir.nodeOutputStart[ib + 1] as number) - (c.b.ir.nodeOutputStart[ib] as number);
  if (outsA !== outsB) add({ what: 'output-count', name: '', a: String(outsA), b: String(outsB) });
  return out;
}

/** Main-graph readers of tensor `t` (local ids), at most MAX_READERS. */
function readersOf(s: DiffSide, t: number): number[] {
  const out: number[] = [];
  for (
    let k = s.ir.consumerStart[t] as number;
    k < (s.ir.consumerStart[t + 1] as number) && out.length < MAX_READERS;
    k++
  ) {
    const id = s.ir.consumers[k] as number;
    if (id >= s.g.nodeStart && id < s.g.nodeEnd) out.push(id - s.g.nodeStart);
  }
  return out;
}

/**
 * Weights removed in A and added in B that are the same bytes under another name (an exporter's
 * renaming): one 'renamed' entry each instead of a removal and an addition. `keys`: both models'
 * weight keys, read only when the weights were what related the two models.
 */
function pairRenamedByContent(
  out: InitializerChange[],
  keys: { a: readonly WeightKey[]; b: readonly WeightKey[] },
  c: Ctx,
): InitializerChange[] {
  const added = new Map<string, InitializerChange[]>();
  const keyB = new Map(keys.b.map((w) => [c.b.ir.tensorName[w.tensor] as string, w.key]));
  const keyA = new Map(keys.a.map((w) => [c.a.ir.tensorName[w.tensor] as string, w.key]));
  for (const x of out) {
    const k = x.change === 'added' ? keyB.get(x.name) : undefined;
    if (k) added.set(k, [...(added.get(k) ?? []), x]);
  }
  const gone = new Set<InitializerChange>();
  const result: InitializerChange[] = [];
  for (const x of out) {
    if (x.change !== 'removed') continue;
    const k = keyA.get(x.name);
    const match = k ? added.get(k)?.shift() : undefined;
    if (!match) continue;
    gone.add(x).add(match);
    result.push({
      ...x,
      change: 'renamed',
      nameB: match.name,
      b: match.b,
      // As for any weight of the same bytes: nothing moved, nothing decoded.
      maxAbsDiff: 0,
      cosine: null,
      readers: match.readers,
    });
  }
  return [...out.filter((x) => !gone.has(x)), ...result];
}

function initializerChanges(c: Ctx): InitializerChange[] {
  const out: InitializerChange[] = [];
  const typeOf = (s: DiffSide, t: number) => {
    const p = s.ir.initializers[s.ir.tensorInitializer[t] as number]!;
    return { dtype: dtypeName(p.dataType), dims: p.dims.slice() };
  };
  const pairedB = new Set<number>();
  for (const [name, t] of initializerNames(c.a)) {
    const u = c.tensorAtoB[t] as number;
    if (u < 0 || !isInit(c.b, u)) {
      out.push({
        change: 'removed',
        name,
        a: typeOf(c.a, t),
        b: null,
        maxAbsDiff: null,
        cosine: null,
        readers: readersOf(c.a, t),
      });
      continue;
    }
    pairedB.add(u);
    const ta = c.a.ir.initializers[c.a.ir.tensorInitializer[t] as number]!;
    const tb = c.b.ir.initializers[c.b.ir.tensorInitializer[u] as number]!;
    const d = tensorDelta(ta, c.srcA, tb, c.srcB);
    const nameB = c.b.ir.tensorName[u] as string;
    if (d.equal && nameB === name) continue;
    out.push({
      change: d.equal ? 'renamed' : 'changed',
      name,
      ...(nameB !== name ? { nameB } : {}),
      a: typeOf(c.a, t),
      b: typeOf(c.b, u),
      maxAbsDiff: d.maxAbsDiff,
      cosine: d.cosine,
      readers: readersOf(c.b, u),
    });
  }
  for (const [name, u] of initializerNames(c.b)) {
    if (!pairedB.has(u))
      out.push({
        change: 'added',
        name,
        a: null,
        b: typeOf(c.b, u),
        maxAbsDiff: null,
        cosine: null,
        readers: readersOf(c.b, u),
      });
  }
  return out;
}

/** 62,464: what toLocaleString('en-US') writes for a count, without its first call loading ICU's locale data (~30 ms). */
const grouped = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
const plural = (n: number, word: string) => `${grouped(n)} ${word}${n === 1 ? '' : 's'}`;
const percent = (x: number) => `${Math.round(x * 100)}%`;

/** Diffs two opened models (their IRs built). `ctx` hears progress and cancel between stages. */
export function diffModels(A: DiffModel, B: DiffModel, ctx?: JobContext): ModelDiff {
  const start = performance.now();
  const a = diffSide(A.ir);
  const b = diffSide(B.ir);
  const p = pairNodes(a, b);
  if (ctx) throwIfCancelled(ctx, 'The diff');
  const c: Ctx = {
    a,
    b,
    srcA: srcOf(A.opened),
    srcB: srcOf(B.opened),
    p,
    tensorAtoB: new Int32Array(A.ir.tensorCount).fill(-1),
  };
  pairTensors(c);

  const changed: ChangedNode[] = [];
  const renamed: ModelDiff['nodes']['renamed'] = [];
  let unchanged = 0;
  for (let x = 0; x < a.n; x++) {
    const y = p.aToB[x] as number;
    if (y < 0) continue;
    const changes = nodeChanges(c, x, y);
    // References are made only for what is listed: most pairs are the same node, listed nowhere.
    if (changes) changed.push({ a: ref(a, x), b: ref(b, y), changes });
    else {
      unchanged++;
      if (a.ir.nodeName[a.g.nodeStart + x] !== b.ir.nodeName[b.g.nodeStart + y])
        renamed.push({ a: ref(a, x), b: ref(b, y) });
    }
  }
  if (ctx) throwIfCancelled(ctx, 'The diff');
  const removed: NodeRef[] = [];
  for (let x = 0; x < a.n; x++) if (p.aToB[x] === -1) removed.push(ref(a, x));
  const added: NodeRef[] = [];
  for (let y = 0; y < b.n; y++) if (p.bToA[y] === -1) added.push(ref(b, y));
  const header = headerChanges(A.opened.model, B.opened.model);
  const inputs = ioChanges(A.opened.model, B.opened.model, 'input');
  const outputs = ioChanges(A.opened.model, B.opened.model, 'output');

  const larger = Math.max(1, a.n, b.n);
  const unchangedShare = unchanged / larger;
  const pairedShare = (p.byName + p.byStructure) / larger;
  const byNodes =
    (a.n === 0 && b.n === 0) ||
    p.nameShare >= UNRELATED_BELOW.nameShare ||
    unchangedShare >= UNRELATED_BELOW.unchangedShare;
  // Another export of one network (a new exporter, another opset) renames every node and folds its
  // shape arithmetic otherwise: its weights are still the same bytes. Read only when nodes fall short.
  if (!byNodes) ctx?.progress({ fraction: null, stage: 'Comparing the weights' });
  const { share: sharedWeights, keys } = byNodes
    ? { share: null, keys: null }
    : weightsInCommon(a, c.srcA, b, c.srcB, SAME_WEIGHTS, () => {
        if (ctx) throwIfCancelled(ctx, 'The diff');
      });
  const sameWeights = sharedWeights !== null && sharedWeights >= SAME_WEIGHTS;
  const related = byNodes || sameWeights;
  const initializers =
    sameWeights && keys ? pairRenamedByContent(initializerChanges(c), keys, c) : initializerChanges(c);
  const identical =
    header.length +
      inputs.length +
      outputs.length +
      changed.length +
      renamed.length +
      added.length +
      removed.length +
      initializers.length ===
    0;
  const fa = A.opened.displayName;
  const fb = B.opened.displayName;
  let verdict: string;
  if (identical)
    verdict =
      A.opened.sha256 === B.opened.sha256
        ? `No changes: ${fa} and ${fb} are the same file, byte for byte.`
        : `No changes: ${fa} and ${fb} hold the same model (the files differ only in how it is encoded).`;
  else if (!related)
    verdict = `${fa} and ${fb} have almost nothing in common: ${percent(p.nameShare)} of node names match and ${percent(unchangedShare)} of nodes pair up unchanged. They look like different models, so their nodes are not listed one by one.`;
  else {
    const parts = [
      added.length && `${plural(added.length, 'node')} added`,
      removed.length && `${plural(removed.length, 'node')} removed`,
      changed.length && `${plural(changed.length, 'node')} changed`,
      renamed.length && `${plural(renamed.length, 'node')} renamed`,
      initializers.length && `${plural(initializers.length, 'initializer')} changed, added or removed`,
      inputs.length + outputs.length && `${plural(inputs.length + outputs.length, 'input or output')} changed`,
      header.length && `${plural(header.length, 'model field')} changed (${header.map((h) => h.field).join(', ')})`,
    ].filter(Boolean);
    verdict = `${fa} → ${fb}: ${parts.join('; ')}.`;
    if (sameWeights)
      verdict += ` Few nodes match (${percent(p.nameShare)} of names, ${percent(unchangedShare)} of nodes unchanged), but ${Math.floor(sharedWeights * 100)}% of the weights are the same bytes: another export of the same network (another exporter or opset).`;
    else if (renamed.length > 0 && renamed.length === unchanged && p.byName === 0)
      verdict += ' Every node has a new name: the two pair up by structure.';
  }
  const notes: string[] = [];
  const bodies = (ir: DiffIR) => ir.graphs.length - 1;
  if (bodies(A.ir) + bodies(B.ir) > 0)
    notes.push(
      'If/Loop/Scan bodies and local functions are compared as part of the node that holds them (an attribute).',
    );
  return {
    a: { file: fa, nodes: a.n, sha256: A.opened.sha256 },
    b: { file: fb, nodes: b.n, sha256: B.opened.sha256 },
    identical,
    related,
    verdict,
    match: { nameShare: p.nameShare, pairedShare, byName: p.byName, byStructure: p.byStructure, sharedWeights },
    header,
    inputs,
    outputs,
    nodes: related ? { added, removed, changed, renamed } : { added: [], removed: [], changed: [], renamed: [] },
    initializers: related ? initializers : [],
    notes,
    ms: performance.now() - start,
  };
}
