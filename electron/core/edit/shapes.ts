/**
 * Input shapes as an edit (onnxruntime's make_dynamic_shape_fixed, Polygraphy's
 * --override-input-shapes): fix dims (`x:1x3x224x224`), rename a symbolic dim, or make a fixed dim
 * symbolic again; and `dynamicBatch`, which makes every input's first dim symbolic. A symbolic dim
 * named in several places is one size, so fixing it on one input fixes it wherever it appears
 * (other inputs, outputs, value_info). Fixing is what lets folding compute the shape arithmetic.
 * The model computes the same outputs at the shapes it is fed: exact.
 */
import type { Edit } from '../../shared/api/edits';
import { KilnError } from '../../shared/api/errors';
import type { Dimension, GraphProto, ModelProto, TypeProto, ValueInfoProto } from '../onnx/model';
import { tensorValues, type TensorSource } from '../onnx/values';
import { copyValueInfo } from './model-copy';
import type { EditStep, KnownTypes } from './step';

type Dim = number | string;

const show = (dims: readonly Dimension[]) =>
  dims.map((d) => (d.value !== undefined ? String(d.value) : d.param || '?')).join('×') || 'a scalar';

/** A copy of `model` for an edit of types only: new input, output and value_info entries; nodes shared. */
function copyTypes(model: ModelProto): ModelProto {
  const g = model.graph;
  if (!g) throw new KilnError('INVALID_ARGUMENT', 'the model has no graph');
  return {
    ...model,
    graph: {
      ...g,
      input: g.input.map(copyValueInfo),
      output: g.output.map(copyValueInfo),
      valueInfo: g.valueInfo.map(copyValueInfo),
    },
  };
}

/**
 * The graph inputs fed at run time (not initializers). The few input names are hashed, not the
 * initializers' (a 125k-node transformer has 50k of them).
 */
function realInputs(g: GraphProto): ValueInfoProto[] {
  const names = new Set(g.input.map((v) => v.name));
  const inits = new Set<string>();
  for (const t of g.initializer) if (names.has(t.name)) inits.add(t.name);
  return g.input.filter((v) => !inits.has(v.name));
}

function withDims(type: TypeProto | undefined, dims: Dimension[]): TypeProto | undefined {
  if (!type || (type.kind !== 'tensor' && type.kind !== 'sparse_tensor')) return type;
  return { ...type, shape: dims };
}

function dimsOf(v: ValueInfoProto): Dimension[] | null {
  const t = v.type;
  return t && (t.kind === 'tensor' || t.kind === 'sparse_tensor') ? t.shape : null;
}

/** Applies symbolic-dim substitutions (param → size or new name) to every value info of `g`. */
function substitute(g: GraphProto, subst: ReadonlyMap<string, Dim>, skip: ReadonlySet<ValueInfoProto>): number {
  let changed = 0;
  for (const v of [...g.input, ...g.output, ...g.valueInfo]) {
    const dims = dimsOf(v);
    if (skip.has(v) || !dims || !dims.some((d) => d.param && subst.has(d.param))) continue;
    v.type = withDims(
      v.type,
      dims.map((d) => {
        const to = d.param ? subst.get(d.param) : undefined;
        if (to === undefined) return d;
        return typeof to === 'number' ? { value: to } : { param: to };
      }),
    );
    changed++;
  }
  return changed;
}

export function setShapes(
  model: ModelProto,
  edit: Extract<Edit, { kind: 'shapes' }>,
  _src?: TensorSource,
  known: KnownTypes = {},
): EditStep {
  const m = copyTypes(model);
  const g = m.graph as GraphProto;
  const inputs = realInputs(g);
  const byName = new Map(inputs.map((v) => [v.name, v]));
  const subst = new Map<string, Dim>();
  const done = new Set<ValueInfoProto>();
  const said: string[] = [];
  for (const [name, given] of Object.entries(edit.shapes)) {
    const v = byName.get(name);
    if (!v) {
      const init = g.initializer.some((t) => t.name === name);
      throw new KilnError(
        'INVALID_ARGUMENT',
        init
          ? `${name} is an initializer (a weight), not an input: its shape cannot be set`
          : `no input named "${name}": the model's inputs are ${inputs.map((i) => i.name).join(', ') || 'none'}`,
      );
    }
    const t = v.type;
    if (!t || (t.kind !== 'tensor' && t.kind !== 'sparse_tensor'))
      throw new KilnError('INVALID_ARGUMENT', `input ${name} is not a tensor: its shape cannot be set`);
    const old = t.shape;
    if (old && old.length !== given.length) {
      throw new KilnError(
        'INVALID_ARGUMENT',
        `input ${name} has ${old.length} dims (${show(old)}); ${given.length} given (${given.join('×') || 'none'})`,
      );
    }
    const dims: Dimension[] = given.map((d, axis) => {
      const was = old?.[axis];
      if (typeof d === 'number') {
        if (was?.value !== undefined && was.value >= 0 && was.value !== d)
          throw new KilnError(
            'INVALID_ARGUMENT',
            `input ${name}: dim ${axis} is ${was.value} in the model and cannot be set to ${d} (the weights fix it)`,
          );
        if (was?.param) bind(was.param, d, name);
        return { value: d };
      }
      if (was?.param && was.param !== d) bind(was.param, d, name);
      return { param: d };
    });
    v.type = withDims(t, dims);
    done.add(v);
    said.push(`${name} to ${given.map(String).join('×') || 'a scalar'}`);
  }
  function bind(param: string, to: Dim, input: string): void {
    const had = subst.get(param);
    if (had !== undefined && had !== to)
      throw new KilnError(
        'INVALID_ARGUMENT',
        `dim "${param}" is shared by several inputs: ${input} sets it to ${to}, another input to ${had}`,
      );
    subst.set(param, to);
  }
  const touched = inputs.filter((v) => !done.has(v) && dimsOf(v)?.some((d) => d.param && subst.has(d.param)));
  const others = substitute(g, subst, done);
  const notes: string[] = [];
  if (touched.length > 0)
    notes.push(
      `${touched.map((v) => v.name).join(', ')} share${touched.length === 1 ? 's' : ''} a dim with the inputs set, and followed them`,
    );
  if (others > 0)
    notes.push(`${others} input/output/value_info type${others === 1 ? '' : 's'} updated for the same dims`);
  // Only types changed: an IR of the model given still describes the result (reuse-ir.ts).
  return {
    model: m,
    summary: `set ${said.join(', ')}`,
    exact: true,
    notes,
    ...(known.ir ? { known: { ir: known.ir } } : {}),
  };
}

export function dynamicBatch(model: ModelProto, edit: Extract<Edit, { kind: 'dynamicBatch' }>): EditStep {
  const m = copyTypes(model);
  const g = m.graph as GraphProto;
  const changed: string[] = [];
  const olds = new Set<string>();
  const first = (v: ValueInfoProto) => dimsOf(v)?.[0];
  for (const v of realInputs(g)) {
    const dims = dimsOf(v);
    const d0 = dims?.[0];
    if (!dims || !d0) continue;
    olds.add(d0.value !== undefined ? `v${d0.value}` : `p${d0.param ?? ''}`);
    v.type = withDims(v.type, [{ param: edit.name }, ...dims.slice(1)]);
    changed.push(v.name);
  }
  if (changed.length === 0)
    throw new KilnError('INVALID_ARGUMENT', 'the model has no input with a first dim to make dynamic');
  for (const o of g.output) {
    const d0 = first(o);
    const dims = dimsOf(o);
    if (!d0 || !dims || !olds.has(d0.value !== undefined ? `v${d0.value}` : `p${d0.param ?? ''}`)) continue;
    o.type = withDims(o.type, [{ param: edit.name }, ...dims.slice(1)]);
  }
  // Inner types were inferred for the old batch: drop them rather than keep ones that would disagree.
  const dropped = g.valueInfo.length;
  g.valueInfo = [];
  const notes: string[] = [];
  if (dropped > 0)
    notes.push(
      `${dropped} value_info entr${dropped === 1 ? 'y was' : 'ies were'} dropped (inferred for the fixed batch)`,
    );
  const pinned = fixedBatchReshapes(g, olds);
  if (pinned.length > 0)
    notes.push(
      `Reshape node${pinned.length === 1 ? '' : 's'} ${pinned.slice(0, 5).join(', ')}${pinned.length > 5 ? ', …' : ''} write${pinned.length === 1 ? 's' : ''} the old batch into ${pinned.length === 1 ? 'its' : 'their'} target shape: ${pinned.length === 1 ? 'it' : 'they'} will not follow another batch size`,
    );
  return {
    model: m,
    summary: `made the first dim of ${changed.join(', ')} dynamic ("${edit.name}")`,
    exact: true,
    notes,
  };
}

/** Reshape nodes whose constant target shape starts with the old fixed batch (not 0 or -1, which follow it). */
function fixedBatchReshapes(g: GraphProto, olds: ReadonlySet<string>): string[] {
  const inits = new Map(g.initializer.map((t) => [t.name, t]));
  const out: string[] = [];
  for (const n of g.node) {
    if (n.opType !== 'Reshape') continue;
    const t = inits.get(n.input[1] ?? '');
    if (!t) continue;
    try {
      const first = tensorValues(t, { path: '' })[0];
      if (first !== undefined && first > 0 && olds.has(`v${first}`)) out.push(n.name || 'Reshape');
    } catch {
      // unreadable shape: nothing to say
    }
  }
  return out;
}
