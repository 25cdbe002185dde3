/**
 * The main graph's payload straight from the file's bytes (onnx/graph-scan.ts), without decoding
 * the model or building its IR: what `model.graph` sends first, so a large model is on screen
 * while the full decode runs afterwards. It is the payload `graphPayloadFromIR(ir, 0)` makes of
 * the same file, field for field (test/unit/graph/from-wire.test.ts holds them together): in the
 * main graph every name is one tensor, so the file's interned name ids serve as tensor keys, and
 * the IR's rules for which declaration, initializer or Constant gives a tensor its type are
 * followed here on the scanned columns.
 *
 * Tensor names stay bytes: the payload's `tensorName` is made of strings only if something reads
 * it, and the engine host sends them on as the file's own bytes (`encodedNames`). At 125k nodes a
 * string for each of the 165k names, and encoding them again for the page, was a quarter of the
 * host's work before the graph could leave.
 */
import { lazily, type EncodedNames, type NameColumn } from '../../shared/api/graph-codec';
import type { GraphPayload } from '../../shared/api/graph-payload';
import { dtypeName } from '../onnx/dtypes';
import type { DecodeLimits } from '../onnx/limits';
import type { ValueInfoProto } from '../onnx/model';
import type { StringTable } from '../onnx/wire';
import { scanMainGraph, type GraphScan, type ScannedTensor } from '../onnx/graph-scan';
import { payloadColumns } from './columns';
import { declaredType } from './from-ir';
import type { PayloadTensorType } from './payload';

/** Payload of the main graph of ModelProto bytes. Throws what scanMainGraph throws. */
export function graphPayloadFromWire(bytes: Uint8Array, limits: Partial<DecodeLimits> = {}): GraphPayload {
  return graphPayloadFromScan(scanMainGraph(bytes, limits));
}

/** Payload of a finished scan (a whole buffer's, or one that read the bytes as they arrived). */
export function graphPayloadFromScan(s: GraphScan): GraphPayload {
  const K = s.names.size;
  // Which names are inputs, (dense) initializers (the last of a name counts), sparse ones.
  const isInput = new Uint8Array(K);
  const lastInit = new Int32Array(K).fill(-1);
  const isSparse = new Uint8Array(K);
  for (const v of s.inputs) if (v.nameId! >= 0) isInput[v.nameId!] = 1;
  s.initializers.forEach((t, i) => {
    if (t.nameId >= 0) lastInit[t.nameId] = i;
  });
  for (const id of s.sparseInitializers) if (id >= 0) isSparse[id] = 1;
  const isInitializer = (t: number) => lastInit[t]! >= 0 && !isSparse[t];

  const inputs: number[] = [];
  for (const v of s.inputs) if (v.nameId! >= 0 && !isInitializer(v.nameId!)) inputs.push(v.nameId!);
  const initializers: number[] = [];
  s.initializers.forEach((t, i) => {
    if (t.nameId >= 0 && lastInit[t.nameId] === i && !isSparse[t.nameId]) initializers.push(t.nameId);
  });
  const outputs: number[] = [];
  for (const v of s.outputs) if (v.nameId! >= 0) outputs.push(v.nameId!);

  const { columns, keys, payloadOf } = payloadColumns({
    keyCount: K,
    nodeCount: s.nodeCount,
    nodeOp: s.nodeOp,
    opName: s.opName,
    nodeName: (i) => s.nodeName[i] || `${s.nodeOpType[i] || 'node'}_${i}`,
    nodeBase: 0,
    nodeInputStart: s.nodeInputStart,
    nodeInputs: s.nodeInputs,
    nodeOutputStart: s.nodeOutputStart,
    nodeOutputs: s.nodeOutputs,
    graphInputs: inputs,
    initializers,
    graphOutputs: outputs,
    // made below, when read
    tensorName: () => '',
  });
  const payload: GraphPayload = {
    ...columns,
    tensorType: tensorTypes(s, keys, payloadOf, { isInput, lastInit, isSparse }),
    subgraphs: s.subgraphs,
  };
  lazily(payload, 'tensorName', () => Array.from(keys, (key) => s.names.value(key)));
  encodedOf.set(payload, { tensorName: () => tensorNameBytes(s.names, keys) });
  return payload;
}

/** How a payload made here has its names encoded, made when asked for. */
const encodedOf = new WeakMap<GraphPayload, Partial<Record<NameColumn, () => EncodedNames>>>();

/** The lists of names of a payload made here, encoded from the file's bytes (for encodeGraphPayload). */
export function encodedNames(payload: GraphPayload): Partial<Record<NameColumn, EncodedNames>> {
  const made = encodedOf.get(payload);
  if (!made) return {};
  return Object.fromEntries(Object.entries(made).map(([key, make]) => [key, make()]));
}

const utf8 = new TextEncoder();

/**
 * The tensor names as encodeGraphPayload writes them, copied from the file's bytes: an ASCII name's
 * bytes are its text; any other is decoded and encoded again, so the page reads back exactly what
 * the names' strings would have given (a file's invalid UTF-8 included).
 */
function tensorNameBytes(names: StringTable, keys: Int32Array): EncodedNames {
  const lengths = new Uint32Array(keys.length);
  const others = new Map<number, Uint8Array>();
  let total = 0;
  for (let p = 0; p < keys.length; p++) {
    const id = keys[p]!;
    if (names.isAscii(id)) {
      lengths[p] = names.byteLength(id);
      total += lengths[p]!;
    } else {
      const text = names.value(id);
      const bytes = utf8.encode(text);
      others.set(p, bytes);
      lengths[p] = text.length;
      total += bytes.byteLength;
    }
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (let p = 0; p < keys.length; p++) {
    const id = keys[p]!;
    if (names.isAscii(id)) {
      names.copyBytes(id, bytes, at);
      at += lengths[p]!;
    } else {
      const other = others.get(p)!;
      bytes.set(other, at);
      at += other.byteLength;
    }
  }
  return { lengths, bytes };
}

/**
 * Each tensor's declared type as the IR gives it (from-ir.ts tensorTypes): the first declaration
 * with a type (inputs, then value infos of tensors defined by then, then outputs), under the
 * inputs' and then the outputs' own types, under the initializer's; a Constant's value for what
 * has none.
 */
function tensorTypes(
  s: GraphScan,
  keys: Int32Array,
  payloadOf: Int32Array,
  known: { isInput: Uint8Array; lastInit: Int32Array; isSparse: Uint8Array },
): (PayloadTensorType | null)[] {
  const types = new Array<PayloadTensorType | null>(keys.length).fill(null);
  // Weights of one type and shape share one object: a 125k-node transformer's 40k initializers
  // have 10, and the encoder tells types apart by object before it makes a key of one.
  const sharedTypes = new Map<string, PayloadTensorType>();
  const tensorType = (t: ScannedTensor): PayloadTensorType => {
    const key = `${t.dataType}:${t.dims.join(',')}`;
    let type = sharedTypes.get(key);
    if (!type) {
      type = { dtype: dtypeName(t.dataType), dims: t.dims };
      sharedTypes.set(key, type);
    }
    return type;
  };
  const at = (v: ValueInfoProto) => (v.nameId! >= 0 ? payloadOf[v.nameId!]! : -1);
  // The first declaration: of inputs, then of tensors defined before value infos are read
  // (inputs, initializers, node outputs), then of outputs.
  const first = new Array<ValueInfoProto | undefined>(keys.length);
  const declare = (v: ValueInfoProto) => {
    const p = at(v);
    if (p >= 0 && v.type && first[p] === undefined) first[p] = v;
  };
  for (const v of s.inputs) declare(v);
  if (s.valueInfo.length > 0) {
    const defined = new Uint8Array(s.names.size);
    for (let t = 0; t < defined.length; t++) defined[t] = known.isInput[t]! | (known.lastInit[t]! >= 0 ? 1 : 0);
    for (const id of s.sparseInitializers) if (id >= 0) defined[id] = 1;
    for (const t of s.nodeOutputs) if (t >= 0) defined[t] = 1;
    for (const v of s.valueInfo) if (v.nameId! >= 0 && defined[v.nameId!]) declare(v);
  }
  for (const v of s.outputs) declare(v);
  for (let p = 0; p < keys.length; p++) {
    const v = first[p];
    if (v) types[p] = declaredType(v);
  }
  const set = (v: ValueInfoProto) => {
    const p = at(v);
    const type = declaredType(v);
    if (p >= 0 && type) types[p] = type;
  };
  for (const v of s.inputs) set(v);
  for (const v of s.outputs) set(v);
  for (let p = 0; p < keys.length; p++) {
    const init = known.lastInit[keys[p]!]!;
    if (init >= 0 && !known.isSparse[keys[p]!]) types[p] = tensorType(s.initializers[init]!);
  }
  for (const [node, value] of s.constantValues) {
    const out = s.nodeOutputStart[node]! < s.nodeOutputStart[node + 1]! ? s.nodeOutputs[s.nodeOutputStart[node]!]! : -1;
    const p = out >= 0 ? payloadOf[out]! : -1;
    if (p >= 0 && !types[p]) types[p] = tensorType(value);
  }
  return types;
}
