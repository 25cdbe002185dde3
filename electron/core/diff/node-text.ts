/**
 * A node's attributes as the diff compares and shows them: one readable text per value (what a
 * user reads in "kernel_shape: [3, 3] → [5, 5]") and one key per value that is equal exactly when
 * the values are (tensor attributes by their bytes, bodies by their nodes). Kept apart from the
 * pairing and the diff so both speak of attributes the same way.
 */
import { createHash } from 'node:crypto';
import type { DiffIR } from './diff-model';
import { ATTR, type AttributeProto, type GraphProto, type NodeProto, type TensorProto } from '../onnx/model';
import { dtypeName } from '../onnx/dtypes';
import { valueInfo } from '../onnx/summary';
import { tensorRawBytes, tensorValues, type TensorSource } from '../onnx/values';

const MAX_LIST = 16;
const MAX_TEXT = 200;

const num = (v: number) => (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(7))));
const list = (xs: readonly (number | string)[]) =>
  `[${xs
    .slice(0, MAX_LIST)
    .map((x) => (typeof x === 'number' ? num(x) : JSON.stringify(x)))
    .join(', ')}${xs.length > MAX_LIST ? `, … ${xs.length - MAX_LIST} more` : ''}]`;
const utf8 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');
const cut = (s: string) => (s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT - 1)}…` : s);

export const tensorTypeText = (t: TensorProto) => `${dtypeName(t.dataType)}[${t.dims.join(', ')}]`;

/** A tensor attribute: its type, and its first values when they can be read. */
function tensorText(t: TensorProto, src: TensorSource | null): string {
  if (!src) return tensorTypeText(t);
  try {
    const v = tensorValues(t, src);
    return `${tensorTypeText(t)} ${list(Array.from(v.subarray(0, MAX_LIST + 1)))}`;
  } catch {
    return tensorTypeText(t);
  }
}

function graphText(g: GraphProto): string {
  const ops = g.node.map((n) => n.opType);
  return `graph ${g.name || '(unnamed)'} of ${ops.length} node${ops.length === 1 ? '' : 's'} ${list(ops)}`;
}

/** What an attribute holds, in words a user reads (lists and tensors cut short). */
export function attributeText(a: AttributeProto, src: TensorSource | null): string {
  switch (a.type) {
    case ATTR.FLOAT:
      return num(a.f ?? 0);
    case ATTR.INT:
      return String(a.i ?? 0);
    case ATTR.STRING:
      return cut(JSON.stringify(utf8(a.s ?? new Uint8Array(0))));
    case ATTR.FLOATS:
    case ATTR.INTS:
      return list((a.type === ATTR.FLOATS ? a.floats : a.ints) ?? []);
    case ATTR.STRINGS:
      return cut(list((a.strings ?? []).map(utf8)));
    case ATTR.TENSOR:
      return a.t ? tensorText(a.t, src) : 'tensor';
    case ATTR.TENSORS:
      return list((a.tensors ?? []).map((t) => tensorTypeText(t)));
    case ATTR.GRAPH:
      return a.g ? graphText(a.g) : 'graph';
    case ATTR.GRAPHS:
      return `${(a.graphs ?? []).length} graphs`;
    default:
      return a.refAttrName ? `ref ${a.refAttrName}` : `attribute of type ${a.type}`;
  }
}

function tensorKey(t: TensorProto, src: TensorSource | null): string {
  let bytes = '';
  if (src) {
    try {
      bytes = createHash('sha1').update(tensorRawBytes(t, src)).digest('hex');
    } catch {
      bytes = 'unreadable';
    }
  }
  return `${tensorTypeText(t)}#${bytes}`;
}

/** A body, compared by its nodes (ops, names, wiring and attributes) and initializer types. */
function graphKey(g: GraphProto, src: TensorSource | null): string {
  const h = createHash('sha1');
  for (const n of g.node)
    h.update(`${n.domain}:${n.opType}|${n.input.join(',')}|${n.output.join(',')}|${nodeAttributesKey(n, src)}\n`);
  for (const t of g.initializer) h.update(`${t.name}=${tensorKey(t, src)}\n`);
  return h.digest('hex');
}

/** Equal for two attributes exactly when their values are (`src` null: tensors by type only). */
export function attributeKey(a: AttributeProto, src: TensorSource | null): string {
  switch (a.type) {
    case ATTR.TENSOR:
      return a.t ? tensorKey(a.t, src) : '';
    case ATTR.TENSORS:
      return (a.tensors ?? []).map((t) => tensorKey(t, src)).join(';');
    case ATTR.GRAPH:
      return a.g ? graphKey(a.g, src) : '';
    case ATTR.GRAPHS:
      return (a.graphs ?? []).map((g) => graphKey(g, src)).join(';');
    case ATTR.FLOAT:
      return `f${a.f ?? 0}`;
    case ATTR.FLOATS:
      return `fs${(a.floats ?? []).join(',')}`;
    case ATTR.INT:
      return `i${a.i ?? 0}`;
    case ATTR.INTS:
      return `is${(a.ints ?? []).join(',')}`;
    case ATTR.STRING:
      return 's' + utf8(a.s ?? new Uint8Array(0));
    case ATTR.STRINGS:
      return `ss${JSON.stringify((a.strings ?? []).map(utf8))}`;
    default:
      return `${a.type}:${a.refAttrName}`;
  }
}

/** Two numbers as their texts compare (NaN equals NaN), without making the texts. */
const sameNumber = (x: number, y: number) => x === y || (Number.isNaN(x) && Number.isNaN(y));

function sameNumbers(x: readonly number[] | undefined, y: readonly number[] | undefined): boolean {
  const p = x ?? [];
  const q = y ?? [];
  if (p.length !== q.length) return false;
  for (let k = 0; k < p.length; k++) if (!sameNumber(p[k] as number, q[k] as number)) return false;
  return true;
}

/**
 * The same answer as comparing attributeKey(a, srcA) with attributeKey(b, srcB), without making
 * keys for numbers and number lists (almost every attribute of a large graph): the diff asks this
 * of every attribute of every paired node.
 */
export function sameAttribute(a: AttributeProto, srcA: TensorSource, b: AttributeProto, srcB: TensorSource): boolean {
  if (a.type === b.type) {
    switch (a.type) {
      case ATTR.INT:
        return (a.i ?? 0) === (b.i ?? 0);
      case ATTR.FLOAT:
        return sameNumber(a.f ?? 0, b.f ?? 0);
      case ATTR.INTS:
        return sameNumbers(a.ints, b.ints);
      case ATTR.FLOATS:
        return sameNumbers(a.floats, b.floats);
    }
  }
  return attributeKey(a, srcA) === attributeKey(b, srcB);
}

function nodeAttributesKey(n: Pick<NodeProto, 'attribute'>, src: TensorSource | null): string {
  return n.attribute
    .map((a) => `${a.name}=${attributeKey(a, src)}`)
    .sort()
    .join('|');
}

/** A node's attributes as one string, tensors by type only (cheap: the pairing buckets leftovers by it). */
export function attributeSignature(n: Pick<NodeProto, 'attribute'>): string {
  return nodeAttributesKey(n, null);
}

/** The declared types of a node's outputs (`float32[batch, 16]`, `?` where none), for the pairing. */
export function declaredShapeText(ir: DiffIR, id: number): string {
  const out: string[] = [];
  for (let k = ir.nodeOutputStart[id] as number; k < (ir.nodeOutputStart[id + 1] as number); k++) {
    const t = ir.nodeOutputs[k] as number;
    const d = t >= 0 ? (ir.tensorDeclared[t] as number) : -1;
    if (d < 0) out.push('?');
    else {
      const v = valueInfo(ir.declared[d]!);
      out.push(`${v.dtype}[${(v.dims ?? []).join(',')}]`);
    }
  }
  return out.join(';');
}
