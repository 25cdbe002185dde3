/**
 * Upcast: a model stored in FP16 (a PyTorch `half()` export, onnxconverter-common's float16
 * conversion) to FP32. Every float16 weight and constant becomes float32 — exactly, each float16
 * value is a float32 value — as do Cast targets, dtype attributes and value_info. The Casts at the
 * edges that a `half()` export writes (float32 input → Cast to float16, … → Cast to float32) turn
 * into float32 → float32 and are removed; a graph input or output declared float16 keeps its type
 * (callers feed and read what they did), with a Cast inside. The weights are exact; the outputs move
 * only by the float16 rounding of activations, which float32 no longer does.
 *
 * Kiln's INT8 uses this first on an FP16-stored model (its quantizer reads float32 Convs), so such
 * a model gets an INT8 variant with its Convs quantized.
 */
import { KilnError } from '../../shared/api/errors';
import type { Edit } from '../../shared/api/edits';
import { DataType } from '../onnx/dtypes';
import { bytesOf, Names, node, intAttr } from '../onnx/graph-edit';
import type { AttributeProto, GraphProto, ModelProto, TensorProto, TypeProto } from '../onnx/model';
import { tensorValues, type TensorSource } from '../onnx/values';
import type { EditStep } from './step';
import { copyModel } from './model-copy';
import { bodiesOf, bypassTensor, mainGraphTypes, NO_SOURCE, plural } from './surgery/graph-tools';

const F16 = DataType.FLOAT16;
const F32 = DataType.FLOAT;

interface Counts {
  weights: number;
  casts: number;
  attributes: number;
  declarations: number;
}

function widened(t: TensorProto, src: TensorSource): TensorProto {
  const values = Float32Array.from(tensorValues(t, src));
  const c: TensorProto = { ...t, dataType: F32, data: { kind: 'bytes', bytes: bytesOf(values) }, externalData: [] };
  delete c.empty;
  return c;
}

/** `t` with float16 widened to float32 (a new type; the copy shares its input's types), or null when it holds none. */
function widenedType(t: TypeProto | undefined): TypeProto | null {
  if (!t) return null;
  if ((t.kind === 'tensor' || t.kind === 'sparse_tensor') && t.elemType === F16) return { ...t, elemType: F32 };
  if (t.kind === 'sequence' || t.kind === 'optional') {
    const elem = widenedType(t.elem);
    return elem ? { ...t, elem } : null;
  }
  if (t.kind === 'map') {
    const value = widenedType(t.value);
    return value ? { ...t, value } : null;
  }
  return null;
}

/** `a` with its float16 tensors and type fields widened (a new attribute: attributes are shared with the parent), or `a` itself. */
function widenAttribute(a: AttributeProto, opType: string, src: TensorSource, c: Counts): AttributeProto {
  let w = a;
  if (a.t?.dataType === F16) {
    w = { ...w, t: widened(a.t, src) };
    c.attributes++;
  }
  if (a.tensors?.some((t) => t.dataType === F16)) {
    w = { ...w, tensors: a.tensors.map((t) => (t.dataType === F16 ? widened(t, src) : t)) };
    c.attributes++;
  }
  const typeAttr = (opType === 'Cast' && a.name === 'to') || a.name === 'dtype';
  if (typeAttr && a.i === F16) {
    w = { ...w, i: F32 };
    if (opType === 'Cast') c.casts++;
    else c.attributes++;
  }
  return w;
}

/** Widens every float16 weight, constant, Cast target and declaration of `g` and its bodies (in place). */
function widenGraph(g: GraphProto, src: TensorSource, c: Counts, main: boolean): void {
  g.initializer = g.initializer.map((t) => {
    if (t.dataType !== F16) return t;
    c.weights++;
    return widened(t, src);
  });
  for (const s of g.sparseInitializer)
    if (s.values?.dataType === F16)
      throw new KilnError('UNSUPPORTED', `sparse float16 weight ${s.values.name} is not upcast`);
  for (const n of g.node) {
    const attribute = n.attribute.map((a) => widenAttribute(a, n.opType, src, c));
    if (attribute.some((a, i) => a !== n.attribute[i])) n.attribute = attribute;
  }
  const declared = main ? g.valueInfo : [...g.input, ...g.output, ...g.valueInfo];
  for (const v of declared) {
    const type = widenedType(v.type);
    if (!type) continue;
    v.type = type;
    c.declarations++;
  }
  for (const b of bodiesOf(g)) widenGraph(b, src, c, false);
}

const isF16 = (t: TypeProto | undefined) => t?.kind === 'tensor' && t.elemType === F16;

export function upcast(
  model: ModelProto,
  _edit: Extract<Edit, { kind: 'upcast' }>,
  src: TensorSource = NO_SOURCE,
): EditStep {
  const out = copyModel(model);
  const g = out.graph;
  if (!g) throw new KilnError('INVALID_ARGUMENT', 'the model has no graph to upcast');
  const c: Counts = { weights: 0, casts: 0, attributes: 0, declarations: 0 };
  widenGraph(g, src, c, true);
  const f16Interface = [...g.input, ...g.output].some((v) => isF16(v.type));
  if (c.weights + c.casts + c.attributes + c.declarations === 0 && !f16Interface)
    return { model: out, summary: 'nothing to upcast: the model stores no float16', exact: true, notes: [] };
  // Types as the parent model has them: which Casts now go from float32 to float32.
  const before = mainGraphTypes(model, src);
  const names = new Names(out);

  // The interface stays: a float16 input is cast up inside, a float16 output cast back down.
  const keptInterface: string[] = [];
  const head = [];
  for (const v of g.input) {
    if (!isF16(v.type) || g.initializer.some((t) => t.name === v.name)) continue;
    const wide = names.fresh(`${v.name}_float32`);
    before.set(wide, { dtype: 'float32', dims: null });
    for (const n of g.node) for (let i = 0; i < n.input.length; i++) if (n.input[i] === v.name) n.input[i] = wide;
    head.push(node('Cast', [v.name], [wide], names.fresh(`${v.name}_upcast`), [intAttr('to', F32)]));
    keptInterface.push(v.name);
  }
  for (const o of g.output) {
    if (!isF16(o.type)) continue;
    const wide = names.fresh(`${o.name}_float32`);
    for (const n of g.node) for (let i = 0; i < n.output.length; i++) if (n.output[i] === o.name) n.output[i] = wide;
    for (const n of g.node) for (let i = 0; i < n.input.length; i++) if (n.input[i] === o.name) n.input[i] = wide;
    g.node.push(node('Cast', [wide], [o.name], names.fresh(`${o.name}_downcast`), [intAttr('to', F16)]));
    keptInterface.push(o.name);
  }
  g.node = [...head, ...g.node];

  // Casts that now go from float32 to float32 do nothing: bypass them (main graph, types known).
  let removed = 0;
  const interfaceCasts = new Set(g.node.slice(0, head.length));
  for (const n of [...g.node]) {
    if (n.opType !== 'Cast' || (n.domain !== '' && n.domain !== 'ai.onnx') || interfaceCasts.has(n)) continue;
    if (keptInterface.includes(n.output[0] ?? '')) continue;
    const to = n.attribute.find((a) => a.name === 'to')?.i;
    const from = before.get(n.input[0] ?? '')?.dtype;
    if (to !== F32 || (from !== 'float32' && from !== 'float16')) continue;
    g.node = g.node.filter((x) => x !== n);
    bypassTensor(g, n.output[0] as string, n.input[0] as string, names.fresh(`${n.name || 'Cast'}_bypass`));
    removed++;
  }
  const changed = c.weights + c.casts + c.attributes + c.declarations + keptInterface.length > 0;
  const notes: string[] = [];
  if (keptInterface.length > 0)
    notes.push(
      `${keptInterface.join(', ')} ${keptInterface.length === 1 ? 'is' : 'are'} float16 at the model's edge and stay so (a Cast inside converts)`,
    );
  if (changed)
    notes.push(
      'weights are exact; outputs move only by the float16 rounding of activations that float32 no longer does',
    );
  const parts = [
    c.weights && plural(c.weights, 'weight'),
    c.attributes && plural(c.attributes, 'constant or dtype attribute'),
    c.casts && plural(c.casts, 'Cast target'),
    c.declarations && plural(c.declarations, 'value_info type'),
  ].filter((x): x is string => typeof x === 'string');
  return {
    model: out,
    summary: changed
      ? `upcast float16 to float32: ${parts.join(', ')}; ${plural(removed, 'Cast')} between float32 tensors removed`
      : 'nothing to upcast: the model stores no float16',
    exact: true,
    notes,
  };
}

/** Whether `model` stores float16 weights (what makes Kiln's INT8 upcast it first). */
export function storesFloat16(model: ModelProto): boolean {
  const g = model.graph;
  if (!g) return false;
  return (
    g.initializer.some((t) => t.dataType === F16) ||
    g.node.some((n) => n.opType === 'Constant' && n.attribute.some((a) => a.t?.dataType === F16))
  );
}
