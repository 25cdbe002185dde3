/**
 * Model surgery (electron/core/edit/surgery): remove, extract, mark outputs, rename, replace with a
 * plugin op — each on models it must change and models it must leave alone (built ones and the zoo's
 * real exports), with the refusals a user meets by name, and the input model never touched.
 */
import { describe, expect, it } from 'vitest';
import { KilnError } from '../../../electron/shared/api/errors';
import { EditSchema, type Edit } from '../../../electron/shared/api/edits';
import type { ModelProto } from '../../../electron/core/onnx/model';
import { extract } from '../../../electron/core/edit/surgery/extract';
import { addOutputs } from '../../../electron/core/edit/surgery/outputs';
import { plugin } from '../../../electron/core/edit/surgery/plugin';
import { remove } from '../../../electron/core/edit/surgery/remove';
import { rename } from '../../../electron/core/edit/surgery/rename';
import { checkModel } from '../../../electron/core/trt/check';
import { DT, GraphBuilder, model, randomFloats, seeded } from '../../builders/graph';
import { analyzed, countOf, fingerprint, tempDir, zoo } from './helpers';

const tmp = tempDir('kiln-surgery-');
const edit = <K extends Edit['kind']>(e: unknown) => EditSchema.parse(e) as Extract<Edit, { kind: K }>;

/**
 * x [1,3,8,8] → conv_a → relu ─┐
 *   └───────→ conv_b ──────────┴→ add → id (Identity) → drop (Dropout) → reshape [1,256] → y
 * with an If whose branches read `relu_out` from outside.
 */
function net(): ModelProto {
  const rand = seeded(3);
  const b = new GraphBuilder();
  b.input('x', DT.float32, [1, 3, 8, 8]);
  b.input('cond', DT.bool, []);
  for (const c of ['a', 'b']) b.init(`w_${c}`, DT.float32, [4, 3, 3, 3], randomFloats(rand, 108));
  b.init('shape', DT.int64, [2], [1, -1]);
  const conv = { kernel_shape: [3, 3], pads: [1, 1, 1, 1] };
  b.node('Conv', ['x', 'w_a'], { name: 'conv_a', outputs: ['a_out'], attrs: conv });
  b.node('Relu', ['a_out'], { name: 'relu', outputs: ['relu_out'] });
  b.node('Conv', ['x', 'w_b'], { name: 'conv_b', outputs: ['b_out'], attrs: conv });
  b.node('Add', ['relu_out', 'b_out'], { name: 'add', outputs: ['add_out'] });
  b.node('Identity', ['add_out'], { name: 'id', outputs: ['id_out'] });
  b.node('Dropout', ['id_out'], { name: 'drop', outputs: ['drop_out'] });
  b.node('Reshape', ['drop_out', 'shape'], { name: 'reshape', outputs: ['y'] });
  b.output('y', DT.float32, [1, 256]);
  const branch = (op: string) => {
    const g = new GraphBuilder(`${op}_branch`);
    g.node(op, ['relu_out'], { name: `${op}_in_branch`, outputs: [`${op}_out`] });
    g.output(`${op}_out`, DT.float32, [1, 4, 8, 8]);
    return g.graph();
  };
  b.node('If', ['cond'], {
    name: 'if',
    outputs: ['z'],
    attrs: { then_branch: branch('Identity'), else_branch: branch('Neg') },
  });
  b.output('z', DT.float32, [1, 4, 8, 8]);
  return model(b.graph(), { opset: 17 });
}

function refusal(fn: () => unknown): KilnError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(KilnError);
    return err as KilnError;
  }
  throw new Error('expected the edit to be refused');
}

describe('remove', () => {
  it('bypasses an Identity and a Dropout: their readers read their input, nothing else moves (exact)', () => {
    const m = net();
    const before = fingerprint(m);
    const r = remove(m, edit<'remove'>({ kind: 'remove', nodes: ['id', 'drop'] }));
    expect(fingerprint(m)).toBe(before);
    const g = r.model.graph!;
    expect(g.node.map((n) => n.name)).toEqual(['conv_a', 'relu', 'conv_b', 'add', 'reshape', 'if']);
    expect(g.node.find((n) => n.name === 'reshape')!.input[0]).toBe('add_out');
    expect(r.exact).toBe(true);
    expect(r.summary).toMatch(/removed 2 nodes: id \(Identity\), drop \(Dropout\)/);
  });

  it('removing a node that makes a graph output keeps the output name', () => {
    const b = new GraphBuilder();
    b.input('x', DT.float32, [2, 3]);
    b.node('Relu', ['x'], { name: 'relu', outputs: ['r'] });
    b.node('Neg', ['r'], { name: 'neg', outputs: ['out'] });
    b.output('out', DT.float32, [2, 3]);
    const r = remove(model(b.graph()), edit<'remove'>({ kind: 'remove', nodes: ['neg'] }));
    expect(r.model.graph!.node).toHaveLength(1);
    expect(r.model.graph!.node[0]!.output).toEqual(['out']);
    expect(r.model.graph!.output.map((o) => o.name)).toEqual(['out']);
    expect(r.exact).toBe(false);
  });

  it('refuses a node whose output shape differs from its input, naming it and both shapes', () => {
    const e = refusal(() => remove(net(), edit<'remove'>({ kind: 'remove', nodes: ['reshape'] })));
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.message).toContain('"reshape" (Reshape)');
    expect(e.message).toContain('drop_out is float32 1×4×8×8');
    expect(e.message).toContain('y is float32 1×256');
  });

  it('refuses a node that is not there, and one whose second output is read', () => {
    expect(refusal(() => remove(net(), edit<'remove'>({ kind: 'remove', nodes: ['nope'] }))).message).toMatch(
      /no node named "nope"/,
    );
    const b = new GraphBuilder();
    b.input('x', DT.float32, [2, 3]);
    b.node('Dropout', ['x'], { name: 'drop', outputs: ['d', 'mask'] });
    b.node('Not', ['mask'], { name: 'not', outputs: ['m2'] });
    b.output('d', DT.float32, [2, 3]);
    b.output('m2', DT.bool, [2, 3]);
    expect(
      refusal(() => remove(model(b.graph()), edit<'remove'>({ kind: 'remove', nodes: ['drop'] }))).message,
    ).toMatch(/its output mask is read by node "not"/);
  });

  it('on a real export (vit-tiny): bypasses a shape-keeping node, refuses a shape-changing one', async () => {
    const z = await zoo('vit-tiny.onnx');
    const before = fingerprint(z.model, z.src);
    const gelu = z.model.graph!.node.find((n) => n.opType === 'Erf')!;
    const r = remove(z.model, edit<'remove'>({ kind: 'remove', nodes: [gelu.name] }), z.src);
    expect(r.model.graph!.node).toHaveLength(z.model.graph!.node.length - 1);
    expect(fingerprint(z.model, z.src)).toBe(before);
    const transpose = z.model.graph!.node.find((n) => n.opType === 'Transpose')!;
    expect(() => remove(z.model, edit<'remove'>({ kind: 'remove', nodes: [transpose.name] }), z.src)).toThrow(
      /cannot be removed: its input .* and its output/,
    );
  });
});

describe('extract', () => {
  it('keeps only the nodes between the boundary, typed inputs and outputs from shape inference', () => {
    const m = net();
    const before = fingerprint(m);
    const r = extract(m, edit<'extract'>({ kind: 'extract', inputs: ['relu_out', 'b_out'], outputs: ['drop_out'] }));
    expect(fingerprint(m)).toBe(before);
    const g = r.model.graph!;
    expect(g.node.map((n) => n.name)).toEqual(['add', 'id', 'drop']);
    expect(g.input.map((v) => v.name)).toEqual(['relu_out', 'b_out']);
    const t = g.input[0]!.type;
    expect(t?.kind === 'tensor' && t.elemType).toBe(DT.float32);
    expect(t?.kind === 'tensor' && t.shape?.map((d) => d.value)).toEqual([1, 4, 8, 8]);
    expect(g.output.map((v) => v.name)).toEqual(['drop_out']);
    expect(g.initializer).toEqual([]);
  });

  it('says which path leaks when the boundary does not cut the graph', () => {
    const e = refusal(() => extract(net(), edit<'extract'>({ kind: 'extract', inputs: ['relu_out'], outputs: ['y'] })));
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.message).toContain('does not cut the graph');
    expect(e.message).toContain(
      'y ← node "reshape" ← drop_out ← node "drop" ← id_out ← node "id" ← add_out ← node "add" ← b_out ← node "conv_b" ← x',
    );
    expect(e.message).toContain('x is a graph input not among the given inputs');
  });

  it('the whole graph between its own inputs and outputs is the graph (nothing to leave)', () => {
    const m = net();
    const r = extract(m, edit<'extract'>({ kind: 'extract', inputs: ['x', 'cond'], outputs: ['y', 'z'] }));
    expect(r.model.graph!.node).toHaveLength(m.graph!.node.length);
    expect(r.model.graph!.initializer).toHaveLength(m.graph!.initializer.length);
  });

  it('keeps a node whose body reads from outside (the If reads relu_out)', () => {
    const r = extract(net(), edit<'extract'>({ kind: 'extract', inputs: ['a_out', 'cond'], outputs: ['z'] }));
    expect(r.model.graph!.node.map((n) => n.name)).toEqual(['relu', 'if']);
    expect(() => extract(net(), edit<'extract'>({ kind: 'extract', inputs: ['cond'], outputs: ['z'] }))).toThrow(
      /z ← node "if" ← relu_out ← node "relu" ← a_out ← node "conv_a" ← x/,
    );
  });

  it('on a real export (unet-tiny): the encoder alone, and a leak through the skip connection', async () => {
    const z = await zoo('unet-tiny.onnx');
    const g = z.model.graph!;
    const concat = g.node.find((n) => n.opType === 'Concat')!;
    const up = g.node.find((n) => n.opType === 'ConvTranspose')!;
    // Cutting only the upsampling path leaves the skip connection reaching the image.
    expect(() =>
      extract(
        z.model,
        edit<'extract'>({ kind: 'extract', inputs: [up.output[0]!], outputs: [concat.output[0]!] }),
        z.src,
      ),
    ).toThrow(/does not cut the graph: .* ← image — image is a graph input/);
    const r = extract(z.model, edit<'extract'>({ kind: 'extract', inputs: ['image'], outputs: [up.input[0]!] }), z.src);
    expect(r.model.graph!.node.length).toBeLessThan(g.node.length);
    expect(r.model.graph!.node.some((n) => n.opType === 'ConvTranspose')).toBe(false);
  });
});

describe('addOutputs', () => {
  it('marks intermediate tensors as outputs with their inferred types; existing outputs stay', () => {
    const m = net();
    const r = addOutputs(m, edit<'addOutputs'>({ kind: 'addOutputs', tensors: ['relu_out', 'y'] }));
    const outs = r.model.graph!.output;
    expect(outs.map((o) => o.name)).toEqual(['y', 'z', 'relu_out']);
    const t = outs[2]!.type;
    expect(t?.kind === 'tensor' && t.shape?.map((d) => d.value)).toEqual([1, 4, 8, 8]);
    expect(r.notes).toContain('y is an output already');
    expect(m.graph!.output).toHaveLength(2);
    expect(() => addOutputs(m, edit<'addOutputs'>({ kind: 'addOutputs', tensors: ['nope'] }))).toThrow(
      /no tensor named "nope"/,
    );
  });

  it('on a real export (bert-tiny): a LayerNorm output becomes readable with its symbolic dims', async () => {
    const z = await zoo('bert-tiny.onnx');
    const ln = z.model.graph!.node.find((n) => n.opType === 'LayerNormalization')!;
    const r = addOutputs(z.model, edit<'addOutputs'>({ kind: 'addOutputs', tensors: [ln.output[0]!] }), z.src);
    const added = r.model.graph!.output.at(-1)!;
    expect(added.name).toBe(ln.output[0]);
    expect(added.type?.kind === 'tensor' && added.type.shape?.length).toBe(3);
    expect(z.model.graph!.output.map((o) => o.name)).not.toContain(ln.output[0]);
  });
});

describe('rename', () => {
  it('renames a tensor everywhere: producer, readers, outer reads inside If bodies', () => {
    const m = net();
    const before = fingerprint(m);
    const r = rename(m, edit<'rename'>({ kind: 'rename', what: 'tensor', from: 'relu_out', to: 'activation' }));
    expect(fingerprint(m)).toBe(before);
    const g = r.model.graph!;
    expect(g.node.find((n) => n.name === 'relu')!.output).toEqual(['activation']);
    expect(g.node.find((n) => n.name === 'add')!.input[0]).toBe('activation');
    const iff = g.node.find((n) => n.name === 'if')!;
    for (const a of iff.attribute) expect(a.g!.node[0]!.input).toEqual(['activation']);
  });

  it('renames graph inputs and outputs (and says so) and nodes', () => {
    const r = rename(net(), edit<'rename'>({ kind: 'rename', what: 'tensor', from: 'y', to: 'logits' }));
    expect(r.model.graph!.output[0]!.name).toBe('logits');
    expect(r.model.graph!.node.find((n) => n.name === 'reshape')!.output).toEqual(['logits']);
    expect(r.notes[0]).toMatch(/graph output/);
    const n = rename(net(), edit<'rename'>({ kind: 'rename', what: 'node', from: 'relu', to: 'act' }));
    expect(n.model.graph!.node[1]!.name).toBe('act');
  });

  it('refuses a name that exists (in a body too), one that is not there, and the same name', () => {
    const clash = refusal(() =>
      rename(net(), edit<'rename'>({ kind: 'rename', what: 'tensor', from: 'a_out', to: 'b_out' })),
    );
    expect(clash.message).toBe('cannot rename tensor "a_out" to "b_out": a tensor named "b_out" exists');
    expect(() =>
      rename(net(), edit<'rename'>({ kind: 'rename', what: 'tensor', from: 'a_out', to: 'Neg_out' })),
    ).toThrow(/a tensor named "Neg_out" exists/);
    expect(() => rename(net(), edit<'rename'>({ kind: 'rename', what: 'node', from: 'relu', to: 'add' }))).toThrow(
      /a node named "add" exists/,
    );
    expect(() => rename(net(), edit<'rename'>({ kind: 'rename', what: 'tensor', from: 'nope', to: 'x2' }))).toThrow(
      /no tensor named "nope"/,
    );
    expect(() => rename(net(), edit<'rename'>({ kind: 'rename', what: 'node', from: 'relu', to: 'relu' }))).toThrow(
      /already has that name/,
    );
  });
});

describe('plugin', () => {
  it('replaces one node, keeping its attributes, inputs and outputs; imports the domain', async () => {
    const m = net();
    const before = fingerprint(m);
    const r = plugin(m, edit<'plugin'>({ kind: 'plugin', nodes: ['conv_a'], op: 'MyConv' }));
    expect(fingerprint(m)).toBe(before);
    const n = r.model.graph!.node.find((x) => x.name === 'conv_a')!;
    expect(n).toMatchObject({ opType: 'MyConv', domain: 'trt.plugins', input: ['x', 'w_a'], output: ['a_out'] });
    expect(n.attribute.map((a) => a.name)).toEqual(['kernel_shape', 'pads']);
    expect(r.model.opsetImport).toContainEqual({ domain: 'trt.plugins', version: 1 });
    expect(r.model.graph!.valueInfo.map((v) => v.name)).toContain('a_out');
    // The readiness check calls it a plugin op that needs its library, not an unknown op.
    const check = checkModel(await analyzed(tmp, 'plugin.onnx', r.model), 10);
    const f = check.findings.find((x) => x.node === 'conv_a')!;
    expect(f.status).toBe('unsupported-op');
    expect(f.reason).toMatch(/plugin op/);
    expect(f.suggestion).toMatch(/plugin library that registers MyConv/);
  });

  it('replaces a connected group with one op reading what the group reads and making what others read', () => {
    const r = plugin(
      net(),
      edit<'plugin'>({
        kind: 'plugin',
        nodes: ['add', 'id', 'drop'],
        op: 'FusedTail',
        attributes: { alpha: 0.5, k: 3, mode: 'x', v: [1, 2] },
      }),
    );
    const g = r.model.graph!;
    expect(countOf(r.model, 'FusedTail')).toBe(1);
    const n = g.node.find((x) => x.opType === 'FusedTail')!;
    expect(n.input).toEqual(['relu_out', 'b_out']);
    expect(n.output).toEqual(['drop_out']);
    expect(g.node.map((x) => x.opType)).toEqual(['Conv', 'Relu', 'Conv', 'FusedTail', 'Reshape', 'If']);
    expect(n.attribute.map((a) => [a.name, a.f ?? a.i ?? a.ints ?? new TextDecoder().decode(a.s)])).toEqual([
      ['alpha', 0.5],
      ['k', 3],
      ['mode', 'x'],
      ['v', [1, 2]],
    ]);
  });

  it('an outside reader of an earlier member that sat before the last member comes after the op', () => {
    const b = new GraphBuilder();
    b.input('x', DT.float32, [2, 3]);
    b.node('Relu', ['x'], { name: 'A', outputs: ['a'] });
    b.node('Neg', ['a'], { name: 'B', outputs: ['b'] });
    b.node('Sigmoid', ['a'], { name: 'C', outputs: ['c'] });
    b.output('b', DT.float32, [2, 3]);
    b.output('c', DT.float32, [2, 3]);
    const r = plugin(model(b.graph()), edit<'plugin'>({ kind: 'plugin', nodes: ['A', 'C'], op: 'P' }));
    expect(r.model.graph!.node.map((n) => n.opType)).toEqual(['P', 'Neg']);
    expect(r.model.graph!.node[0]!.output).toEqual(['a', 'c']);
  });

  it('refuses a group that is not connected, one a path leaves and re-enters, and bad names', () => {
    expect(() => plugin(net(), edit<'plugin'>({ kind: 'plugin', nodes: ['conv_a', 'reshape'], op: 'P' }))).toThrow(
      /not connected: reshape share no tensor/,
    );
    const b = new GraphBuilder();
    b.input('x', DT.float32, [2, 3]);
    b.node('Relu', ['x'], { name: 'A', outputs: ['a'] });
    b.node('Neg', ['a'], { name: 'B', outputs: ['b'] });
    b.node('Add', ['a', 'b'], { name: 'C', outputs: ['c'] });
    b.output('c', DT.float32, [2, 3]);
    expect(() => plugin(model(b.graph()), edit<'plugin'>({ kind: 'plugin', nodes: ['A', 'C'], op: 'P' }))).toThrow(
      /node "B" lies on a path that leaves the group and comes back to "C"/,
    );
    expect(() => plugin(net(), edit<'plugin'>({ kind: 'plugin', nodes: ['relu'], op: '   ' }))).toThrow(
      /a plugin op needs a name/,
    );
    expect(() => plugin(net(), edit<'plugin'>({ kind: 'plugin', nodes: ['relu'], op: 'P', domain: '' }))).toThrow(
      /needs a custom domain/,
    );
    expect(() => plugin(net(), edit<'plugin'>({ kind: 'plugin', nodes: ['nope'], op: 'P' }))).toThrow(
      /no node named "nope"/,
    );
  });
});
