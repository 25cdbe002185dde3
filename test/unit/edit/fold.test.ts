import { describe, expect, it } from 'vitest';
import { fold } from '../../../electron/core/edit/fold';
import { setShapes } from '../../../electron/core/edit/shapes';
import { encodeModel } from '../../../electron/core/onnx/encode';
import { tensorValues } from '../../../electron/core/onnx/values';
import { DT, GraphBuilder, model } from '../../builders/graph';
import { transformer } from '../../builders/transformer';
import { built, ops, zoo } from './load';

const SHAPE_OPS = ['Shape', 'Gather', 'Unsqueeze', 'Concat', 'Constant', 'Identity', 'Dropout'];
const FOLD = { kind: 'fold' } as const;
const fixAll = (m: ReturnType<typeof zoo>, dims: Record<string, number[]>) =>
  setShapes(m, { kind: 'shapes', shapes: dims }).model;

describe('fold', () => {
  it('folds the generated transformer shape chains once the input shape is fixed, leaving its input alone', () => {
    const parent = fixAll(built(transformer(3)), { input: [1, 8, 16] });
    const nodesBefore = parent.graph!.node;
    const step = fold(parent, FOLD);
    expect(parent.graph!.node).toBe(nodesBefore);
    expect(parent.graph!.node).toHaveLength(150);
    expect(step.exact).toBe(true);
    const after = ops(step.model);
    expect(after.Shape ?? 0).toBe(0);
    expect(after.Concat ?? 0).toBe(0);
    expect(after.Unsqueeze ?? 0).toBe(0);
    expect(step.model.graph!.node).toHaveLength(150 - 3 * 4);
    // Each head Reshape now reads a constant target shape: [batch, -1, heads, head dim].
    const reshape = step.model.graph!.node.find((n) => n.name === '/encoder/layer.0/attention/self/query/Reshape')!;
    const target = step.model.graph!.initializer.find((t) => t.name === reshape.input[1])!;
    expect(Array.from(tensorValues(target, { path: '' }))).toEqual([1, -1, 2, 8]);
    expect(step.summary).toMatch(/150 → 138 nodes/);
  });

  it('leaves the shape chains of a transformer whose batch is still symbolic', () => {
    const step = fold(built(transformer(2)), FOLD);
    expect(ops(step.model).Shape).toBe(2);
    expect(step.model.graph!.node).toHaveLength(100);
  });

  it.each([
    ['bert-tiny', { input_ids: [1, 8], attention_mask: [1, 8], token_type_ids: [1, 8] }],
    ['vit-tiny', { images: [1, 3, 64, 64] }],
  ])('folds the shape subgraphs of %s (dynamic axes) away, keeping its compute ops', (name, dims) => {
    const parent = fixAll(zoo(name), dims);
    const before = ops(parent);
    const step = fold(parent, FOLD);
    const after = ops(step.model);
    for (const op of ['Shape', 'Constant', 'Identity', 'Dropout']) expect(after[op] ?? 0, op).toBe(0);
    expect(before.Shape ?? 0).toBeGreaterThan(0);
    for (const op of ['MatMul', 'Softmax', 'Erf', 'Tanh', 'Conv']) expect(after[op] ?? 0, op).toBe(before[op] ?? 0);
    expect(step.model.graph!.node.length).toBeLessThan(parent.graph!.node.length / 2);
    expect(step.model.graph!.output.map((o) => o.name)).toEqual(parent.graph!.output.map((o) => o.name));
  });

  it.each(['mobilenetv3-fp16', 'ssdlite-tiny', 'unet-tiny', 'kws-lstm-gru'])(
    'keeps every compute node of %s',
    (name) => {
      const parent = zoo(name);
      const before = ops(parent);
      const after = ops(fold(parent, FOLD).model);
      for (const [op, n] of Object.entries(before))
        if (
          !SHAPE_OPS.includes(op) &&
          ![
            'Reshape',
            'Cast',
            'Slice',
            'Mul',
            'Add',
            'Div',
            'Sub',
            'Range',
            'Expand',
            'Equal',
            'Where',
            'ConstantOfShape',
          ].includes(op)
        )
          expect(after[op] ?? 0, `${name} ${op}`).toBe(n);
    },
  );

  it('removes an Identity that makes a graph output by renaming the node before it', () => {
    const b = new GraphBuilder();
    const x = b.input('x', DT.float32, [1, 4]);
    const r = b.node('Relu', [x], { name: 'relu' });
    b.node('Identity', [r], { name: 'id', outputs: ['y'] });
    b.output('y', DT.float32, [1, 4]);
    const step = fold(built(model(b.graph())), FOLD);
    expect(step.model.graph!.node.map((n) => `${n.opType}:${n.output.join()}`)).toEqual(['Relu:y']);
  });

  it('keeps a Dropout whose mask is read, an Identity of a graph input that is an output, and random ops', () => {
    const b = new GraphBuilder();
    const x = b.input('x', DT.float32, [1, 4]);
    const [y, mask] = [b.node('Dropout', [x], { name: 'drop', outputs: ['d', 'mask'] }), 'mask'];
    b.node('Cast', [mask], { name: 'cast', outputs: ['m'], attrs: { to: DT.float32 } });
    b.node('Identity', [x], { name: 'id', outputs: ['xo'] });
    b.node('RandomNormal', [], { name: 'rand', outputs: ['noise'], attrs: { shape: [1, 4] } });
    b.node('Add', [y, 'noise'], { name: 'add', outputs: ['out'] });
    for (const o of ['out', 'm', 'xo']) b.output(o, DT.float32, [1, 4]);
    const step = fold(built(model(b.graph())), FOLD);
    expect(ops(step.model)).toEqual({ Dropout: 1, Cast: 1, Identity: 1, RandomNormal: 1, Add: 1 });
  });

  it('does not fold through an initializer that is also a graph input (it can be fed)', () => {
    const b = new GraphBuilder();
    const scale = b.init('scale', DT.int64, [1], [2]);
    b.input('scale', DT.int64, [1]);
    const two = b.init('two', DT.int64, [1], [3]);
    b.node('Mul', [scale, two], { name: 'mul', outputs: ['y'] });
    b.node('Add', ['y', two], { name: 'add', outputs: ['z'] });
    b.output('z', DT.int64, [1]);
    const step = fold(built(model(b.graph())), FOLD);
    expect(ops(step.model)).toEqual({ Mul: 1, Add: 1 });
  });

  it('keeps a weight DequantizeLinear (TensorRT reads Q/DQ as the INT8 recipe) and folds embedding lookups of constants', () => {
    const b = new GraphBuilder();
    const x = b.input('x', DT.float32, [1, 4]);
    const q = b.init('wq', DT.int8, [4, 4], new Int8Array(16).fill(3));
    const sc = b.init('ws', DT.float32, [], [0.5]);
    const w = b.node('DequantizeLinear', [q, sc], { name: 'dq' });
    b.node('MatMul', [x, w], { name: 'mm', outputs: ['y'] });
    b.output('y', DT.float32, [1, 4]);
    expect(ops(fold(built(model(b.graph())), FOLD).model)).toEqual({ DequantizeLinear: 1, MatMul: 1 });
    const vit = fold(setShapes(zoo('vit-tiny'), { kind: 'shapes', shapes: { images: [1, 3, 64, 64] } }).model, FOLD);
    expect(vit.notes.join(' ')).not.toMatch(/left as/);
    expect(ops(vit.model).Expand ?? 0).toBe(0);
  });

  it('merges initializers holding the same values and drops the unused ones', () => {
    const b = new GraphBuilder();
    const x = b.input('x', DT.float32, [2]);
    const a = b.init('a', DT.float32, [2], [1, 2]);
    const a2 = b.init('a2', DT.float32, [2], [1, 2]);
    b.init('unused', DT.float32, [2], [5, 6]);
    const s = b.node('Add', [x, a], { name: 'add1' });
    b.node('Mul', [s, a2], { name: 'mul', outputs: ['y'] });
    b.output('y', DT.float32, [2]);
    const step = fold(built(model(b.graph())), FOLD);
    expect(step.model.graph!.initializer.map((t) => t.name)).toEqual(['a']);
    expect(step.model.graph!.node[1]!.input).toEqual(['add1_output_0', 'a']);
  });

  describe('shares the nodes it does not change, and never changes its input', () => {
    /** A graph where fold rewires readers (an Identity in the middle, equal initializers) and renames a node (an Identity making an output). */
    function rewired() {
      const b = new GraphBuilder();
      const x = b.input('x', DT.float32, [2]);
      const a = b.init('a', DT.float32, [2], [1, 2]);
      const a2 = b.init('a2', DT.float32, [2], [1, 2]);
      const i = b.node('Identity', [x], { name: 'mid' });
      const s = b.node('Add', [i, a], { name: 'add1' });
      const r = b.node('Relu', [s], { name: 'relu' });
      const m = b.node('Mul', [r, a2], { name: 'mul' });
      b.node('Identity', [m], { name: 'last', outputs: ['y'] });
      b.output('y', DT.float32, [2]);
      return built(model(b.graph()));
    }
    const cases: [string, () => ReturnType<typeof zoo>][] = [
      ['a graph fold rewires', rewired],
      ['generated transformer, shapes fixed', () => fixAll(built(transformer(3)), { input: [1, 8, 16] })],
      ...['bert-tiny', 'vit-tiny', 'ssdlite-tiny', 'unet-tiny', 'kws-lstm-gru', 'mobilenetv3-fp16'].map(
        (name): [string, () => ReturnType<typeof zoo>] => [name, () => zoo(name)],
      ),
    ];
    it.each(cases)('%s', (_name, make) => {
      const parent = make();
      const was = Buffer.from(encodeModel(parent));
      const step = fold(parent, FOLD);
      expect(Buffer.from(encodeModel(parent)).equals(was)).toBe(true);
      // Every node of the result is the parent's own object, or a copy of one it changed (a node
      // holding an If/Loop body is copied whenever readers are rewired: its body may read them).
      const own = new Set(parent.graph!.node);
      const byName = new Map(parent.graph!.node.map((n) => [n.name, n]));
      for (const n of step.model.graph!.node) {
        if (own.has(n) || n.attribute.some((a) => a.g || a.graphs)) continue;
        const was = byName.get(n.name);
        expect(was, n.name).toBeDefined();
        expect(n.input.join() !== was!.input.join() || n.output.join() !== was!.output.join(), n.name).toBe(true);
      }
    });

    it('rewires the readers of what it removed in copies: a graph fold rewires', () => {
      const step = fold(rewired(), FOLD);
      expect(step.model.graph!.node.map((n) => `${n.opType}:${n.input.join('+')}>${n.output.join()}`)).toEqual([
        'Add:x+a>add1_output_0',
        'Relu:add1_output_0>relu_output_0',
        'Mul:relu_output_0+a>y',
      ]);
    });
  });
});
