/**
 * Where INT8 puts its Q/DQ pairs, on small models built for each rule: TensorRT's inputs-only
 * placement with the residual-Add rule (which branch, ties, exclusions), ONNX Runtime's placement
 * (outputs of Convs and of MatMuls feeding quantized ops, after an absorbed Relu/Clip, INT32 biases,
 * scales passed through MaxPool/Identity chains, 1×1 gates left float), and every reason a node is
 * skipped. A misplaced pair costs accuracy or speed with no error anywhere (npm run mutate -- qdq-plan).
 */
import { describe, expect, it } from 'vitest';
import { analyzeModelBytes, type ModelAnalysis } from '../../../electron/core/onnx/analyze';
import { encodeModel } from '../../../electron/core/onnx/encode';
import { nodeLabel } from '../../../electron/core/onnx/graph-index';
import { plan } from '../../../electron/core/precision/int8/plan';
import type { Int8Options, Plan } from '../../../electron/core/precision/int8/types';
import { DT, GraphBuilder, model, randomFloats, seeded, type AttrInput } from '../../builders/graph';

type Flavour = Int8Options['flavour'];
const options = (flavour: Flavour, more: Partial<Int8Options> = {}): Int8Options => ({
  flavour,
  calibrator: 'max',
  data: { kind: 'random', samples: 1, seed: 1, shapes: {} },
  ...more,
});

function analyze(b: GraphBuilder, opset = 17): ModelAnalysis {
  return analyzeModelBytes(encodeModel(model(b.graph(), { opset })), '/nonexistent/plan.onnx', 'plan.onnx');
}

/** The plan by names, so a test reads like the graph it built. */
function byName(a: ModelAnalysis, p: Plan) {
  const ir = a.ir;
  const node = (id: number) => nodeLabel(ir, id);
  const tensor = (id: number) => ir.tensorName[id] as string;
  return {
    quantized: [...p.quantized].map(node).sort(),
    residualAdds: p.residualAdds.map(node),
    skipped: p.skipped,
    qTensors: Object.fromEntries(
      [...p.qTensors].map(([t, c]) => [tensor(t), c === 'all' ? 'all' : [...c].map(node).sort()]),
    ),
    shareFrom: Object.fromEntries([...p.shareFrom].map(([t, from]) => [tensor(t), tensor(from)])),
    weights: p.weights.map((w) => ({ node: node(w.node), index: w.index, axis: w.axis })),
    biases: Object.fromEntries([...p.biases].map(([id, index]) => [node(id), index])),
  };
}

const planOf = (b: GraphBuilder, flavour: Flavour, more: Partial<Int8Options> = {}) => {
  const a = analyze(b);
  return byName(a, plan(a, options(flavour, more)));
};

const rand = seeded(7);
const w = (b: GraphBuilder, name: string, dims: number[]) =>
  b.init(
    name,
    DT.float32,
    dims,
    randomFloats(
      rand,
      dims.reduce((x, y) => x * y, 1),
    ),
  );

/**
 * x → conv1 (+bias) → relu1 → r1 ─┬→ conv2 (+bias) → c2 → add(c2, r1) → s → pool → p → flat → f
 *                                 └──────────────────────────┘
 * f → mm (MatMul) → m → out (Add bias) → y
 */
function residualNet(): GraphBuilder {
  const b = new GraphBuilder('residual');
  b.input('x', DT.float32, [1, 3, 8, 8]);
  const pads = { pads: [1, 1, 1, 1] };
  b.node('Conv', ['x', w(b, 'W1', [4, 3, 3, 3]), w(b, 'B1', [4])], { name: 'conv1', outputs: ['c1'], attrs: pads });
  b.node('Relu', ['c1'], { name: 'relu1', outputs: ['r1'] });
  b.node('Conv', ['r1', w(b, 'W2', [4, 4, 3, 3]), w(b, 'B2', [4])], { name: 'conv2', outputs: ['c2'], attrs: pads });
  b.node('Add', ['c2', 'r1'], { name: 'add', outputs: ['s'] });
  b.node('MaxPool', ['s'], { name: 'pool', outputs: ['p'], attrs: { kernel_shape: [2, 2], strides: [2, 2] } });
  b.node('Flatten', ['p'], { name: 'flat', outputs: ['f'] });
  b.node('MatMul', ['f', w(b, 'Wm', [64, 10])], { name: 'mm', outputs: ['m'] });
  b.node('Add', ['m', w(b, 'Bm', [10])], { name: 'out', outputs: ['y'] });
  b.output('y', DT.float32, [1, 10]);
  return b;
}

describe('TensorRT placement', () => {
  it('Q/DQ on the activation inputs of weighted ops and on the residual branch of an Add fed by a Conv', () => {
    expect(planOf(residualNet(), 'tensorrt')).toEqual({
      quantized: ['conv1', 'conv2', 'mm'],
      residualAdds: ['add'],
      skipped: [],
      qTensors: { x: ['conv1'], r1: ['add', 'conv2'], f: ['mm'] },
      shareFrom: {},
      weights: [
        { node: 'conv1', index: 1, axis: 0 },
        { node: 'conv2', index: 1, axis: 0 },
        { node: 'mm', index: 1, axis: 1 },
      ],
      biases: {},
    });
  });

  it('per-tensor weights when perChannel is off', () => {
    const p = planOf(residualNet(), 'tensorrt', { perChannel: false });
    expect(p.weights.map((x) => x.axis)).toEqual([null, null, null]);
  });

  it('excluding Add (or that Add by name) turns the residual rule off; excluded nodes are skipped with a reason', () => {
    for (const exclude of [{ ops: ['Add'] }, { nodes: ['add'] }]) {
      const p = planOf(residualNet(), 'tensorrt', { exclude });
      expect(p.residualAdds).toEqual([]);
      expect(p.qTensors.r1).toEqual(['conv2']);
    }
    const p = planOf(residualNet(), 'tensorrt', { exclude: { ops: ['MatMul'], nodes: ['conv1'] } });
    expect(p.quantized).toEqual(['conv2']);
    expect(p.skipped).toEqual([
      { node: 'conv1', op: 'Conv', reason: 'excluded by the recipe' },
      { node: 'mm', op: 'MatMul', reason: 'excluded by the recipe' },
    ]);
    // conv1 is float now: r1 is still the residual of conv2's Add.
    expect(p.residualAdds).toEqual(['add']);
  });

  it('an Add that is itself quantized (included) is not a residual Add', () => {
    const p = planOf(residualNet(), 'tensorrt', { include: { ops: ['Add'] } });
    expect(p.residualAdds).toEqual([]);
    expect(p.quantized).toEqual(['add', 'conv1', 'conv2', 'mm', 'out']);
    expect(p.qTensors).toEqual({ x: ['conv1'], r1: ['add', 'conv2'], c2: ['add'], f: ['mm'], m: ['out'] });
  });

  /** x → convA → a, x → convB → b, Add(first, second): which branch fuses. */
  function twoConvs(order: 'ab' | 'ba', opts: { aIsOutput?: boolean; aTwice?: boolean; notConv?: boolean } = {}) {
    const b = new GraphBuilder('two');
    b.input('x', DT.float32, [1, 2, 4, 4]);
    if (opts.notConv) b.node('Relu', ['x'], { name: 'convA', outputs: ['a'] });
    else b.node('Conv', ['x', w(b, 'WA', [2, 2, 1, 1])], { name: 'convA', outputs: ['a'] });
    b.node('Conv', ['x', w(b, 'WB', [2, 2, 1, 1])], { name: 'convB', outputs: ['b'] });
    b.node('Add', order === 'ab' ? ['a', 'b'] : ['b', 'a'], { name: 'add', outputs: ['s'] });
    if (opts.aTwice) b.node('Relu', ['a'], { name: 'other', outputs: ['o'] });
    b.output('s', DT.float32, [1, 2, 4, 4]);
    if (opts.aIsOutput) b.output('a', DT.float32, [1, 2, 4, 4]);
    return planOf(b, 'tensorrt');
  }

  it('two fusible Conv branches: the Conv computed last fuses, the other gets the Q/DQ', () => {
    for (const order of ['ab', 'ba'] as const) {
      const p = twoConvs(order);
      expect(p.residualAdds).toEqual(['add']);
      expect(p.qTensors).toEqual({ x: ['convA', 'convB'], a: ['add'] });
    }
  });

  it('a branch read elsewhere, a graph output or not from a Conv does not fuse', () => {
    for (const opts of [{ aTwice: true }, { aIsOutput: true }, { notConv: true }]) {
      const p = twoConvs('ab', opts);
      expect(p.residualAdds).toEqual(['add']);
      expect(p.qTensors.b).toBeUndefined();
      expect(p.qTensors.a).toEqual(['add']);
    }
  });

  it('an identity shortcut: Add(conv(x), x) fuses with the Conv and quantizes x for the Add', () => {
    const b = new GraphBuilder('identity');
    b.input('x', DT.float32, [1, 2, 4, 4]);
    b.node('Conv', ['x', w(b, 'W', [2, 2, 1, 1])], { name: 'conv', outputs: ['c'] });
    b.node('Add', ['c', 'x'], { name: 'add', outputs: ['y'] });
    b.output('y', DT.float32, null);
    expect(planOf(b, 'tensorrt')).toMatchObject({ residualAdds: ['add'], qTensors: { x: ['add', 'conv'] } });
  });

  it('a branch from an excluded Conv, or read twice when it is the later Conv, does not fuse', () => {
    const p = planOf(residualNet(), 'tensorrt', { exclude: { nodes: ['conv2'] } });
    expect(p.residualAdds).toEqual([]);
    expect(p.qTensors).toEqual({ x: ['conv1'], f: ['mm'] });
    const b = new GraphBuilder('twice');
    b.input('x', DT.float32, [1, 2, 4, 4]);
    b.node('Conv', ['x', w(b, 'WA', [2, 2, 1, 1])], { name: 'convA', outputs: ['a'] });
    b.node('Conv', ['x', w(b, 'WB', [2, 2, 1, 1])], { name: 'convB', outputs: ['b'] });
    b.node('Add', ['a', 'b'], { name: 'add', outputs: ['s'] });
    b.node('Relu', ['b'], { name: 'other', outputs: ['o'] });
    b.output('s', DT.float32, null);
    b.output('o', DT.float32, null);
    // convA fuses (b is read twice), so b is the branch that gets the pair.
    expect(planOf(b, 'tensorrt')).toMatchObject({
      residualAdds: ['add'],
      qTensors: { x: ['convA', 'convB'], b: ['add'] },
    });
  });

  it('only Adds of the default domain are residual Adds', () => {
    for (const [op, domain] of [
      ['Mul', ''],
      ['Add', 'com.microsoft'],
    ]) {
      const b = new GraphBuilder('notadd');
      b.input('x', DT.float32, [1, 2, 4, 4]);
      b.node('Conv', ['x', w(b, 'W', [2, 2, 1, 1])], { name: 'conv', outputs: ['c'] });
      b.node(op!, ['c', 'x'], { name: 'op', outputs: ['y'], domain });
      b.output('y', DT.float32, null);
      expect(planOf(b, 'tensorrt').residualAdds).toEqual([]);
    }
  });

  it('an Add with a constant input or fed by no quantized Conv is left alone', () => {
    const b = new GraphBuilder('consts');
    b.input('x', DT.float32, [1, 2, 4, 4]);
    b.node('Conv', ['x', w(b, 'W', [2, 2, 1, 1])], { name: 'conv', outputs: ['c'] });
    b.node('Add', ['c', w(b, 'K', [1, 2, 1, 1])], { name: 'addK', outputs: ['d'] });
    b.node('Relu', ['d'], { name: 'relu', outputs: ['e'] });
    b.node('Add', ['e', 'x'], { name: 'addX', outputs: ['y'] });
    b.node('Add', ['y', 'y', 'y'].slice(0, 2), { name: 'addSame', outputs: ['z'] });
    b.output('z', DT.float32, [1, 2, 4, 4]);
    expect(planOf(b, 'tensorrt').residualAdds).toEqual([]);
  });
});

describe('ONNX Runtime placement', () => {
  it('inputs for every consumer, Conv outputs after the absorbed Relu, INT32 biases for Convs', () => {
    expect(planOf(residualNet(), 'onnxruntime')).toEqual({
      quantized: ['conv1', 'conv2', 'mm'],
      residualAdds: [],
      skipped: [],
      qTensors: { x: 'all', r1: 'all', c2: 'all', f: 'all' },
      shareFrom: {},
      weights: [
        { node: 'conv1', index: 1, axis: 0 },
        { node: 'conv2', index: 1, axis: 0 },
        { node: 'mm', index: 1, axis: 1 },
      ],
      biases: { conv1: 2, conv2: 2 },
    });
  });

  it("a MatMul's output gets a pair only when a quantized op reads it", () => {
    const p = planOf(residualNet(), 'onnxruntime', { include: { ops: ['Add'] } });
    expect(p.qTensors.m).toBe('all');
    expect(p.qTensors.s).toBeUndefined(); // the quantized Add's output feeds only the float MaxPool
    expect(p.quantized).toEqual(['add', 'conv1', 'conv2', 'mm', 'out']);
  });

  /** x → conv → c → act → a → pool → p → id → q → conv2 → y */
  function chain(act: 'Relu' | 'ClipConst' | 'ClipDynamic' | 'Sigmoid', include: string[] = ['MaxPool', 'Identity']) {
    const b = new GraphBuilder('chain');
    b.input('x', DT.float32, [1, 2, 8, 8]);
    b.input('hi', DT.float32, []);
    b.node('Conv', ['x', w(b, 'W1', [2, 2, 3, 3])], { name: 'conv', outputs: ['c'], attrs: { pads: [1, 1, 1, 1] } });
    if (act === 'Relu') b.node('Relu', ['c'], { name: 'act', outputs: ['a'] });
    else if (act === 'Sigmoid') b.node('Sigmoid', ['c'], { name: 'act', outputs: ['a'] });
    else {
      const lo = b.init('lo', DT.float32, [], [0]);
      const hi = act === 'ClipConst' ? b.init('six', DT.float32, [], [6]) : 'hi';
      b.node('Clip', ['c', lo, hi], { name: 'act', outputs: ['a'] });
    }
    b.node('MaxPool', ['a'], { name: 'pool', outputs: ['p'], attrs: { kernel_shape: [2, 2], strides: [2, 2] } });
    b.node('Identity', ['p'], { name: 'id', outputs: ['q'] });
    b.node('Conv', ['q', w(b, 'W2', [2, 2, 1, 1])], { name: 'conv2', outputs: ['y'] });
    b.output('y', DT.float32, [1, 2, 4, 4]);
    return planOf(b, 'onnxruntime', { include: { ops: include } });
  }

  it('MaxPool and Identity between quantized tensors share the first scale of the chain', () => {
    const p = chain('Relu');
    expect(p.qTensors).toEqual({ x: 'all', a: 'all', p: 'all', q: 'all' });
    expect(p.shareFrom).toEqual({ p: 'a', q: 'a' });
    expect(p.quantized).toEqual(['conv', 'conv2', 'id', 'pool']);
  });

  it('a Clip with constant bounds is absorbed like Relu; one with a bound computed at run time is not', () => {
    expect(chain('ClipConst').qTensors).toEqual({ x: 'all', a: 'all', p: 'all', q: 'all' });
    expect(chain('ClipDynamic').qTensors).toEqual({ x: 'all', c: 'all', a: 'all', p: 'all', q: 'all' });
    expect(chain('Sigmoid').qTensors).toEqual({ x: 'all', c: 'all', a: 'all', p: 'all', q: 'all' });
  });

  it('nothing passes a scale through when one side is float', () => {
    const p = chain('Relu', ['MaxPool']);
    expect(p.qTensors).toEqual({ x: 'all', a: 'all', q: 'all' });
    expect(p.shareFrom).toEqual({});
  });

  /** x → op (weight W) → c → reader(s); returns the ONNX Runtime plan. */
  function single(
    op: 'Conv' | 'ConvTranspose',
    readers: string[],
    opts: { cIsOutput?: boolean; clip?: string[] } = {},
  ) {
    const b = new GraphBuilder('single');
    b.input('x', DT.float32, [1, 2, 4, 4]);
    b.node(op, ['x', w(b, 'W', [2, 2, 1, 1])], { name: 'op', outputs: ['c'] });
    readers.forEach((r, i) => {
      const inputs = r === 'Clip' ? ['c', ...(opts.clip ?? [])] : ['c'];
      b.node(r, inputs, { name: `r${i}`, outputs: [`o${i}`] });
      b.node('Sigmoid', [`o${i}`], { name: `s${i}`, outputs: [`y${i}`] });
      b.output(`y${i}`, DT.float32, null);
    });
    if (opts.cIsOutput) b.output('c', DT.float32, null);
    return planOf(b, 'onnxruntime');
  }

  it('the output pair of a Conv or ConvTranspose goes after a lone Relu, even when nothing quantized reads it', () => {
    expect(single('Conv', ['Relu']).qTensors).toEqual({ x: 'all', o0: 'all' });
    expect(single('ConvTranspose', ['Relu']).qTensors).toEqual({ x: 'all', o0: 'all' });
    expect(single('ConvTranspose', ['Sigmoid']).qTensors).toEqual({ x: 'all', c: 'all' });
    // A Conv without a bias gets no INT32 bias.
    expect(single('Conv', ['Relu']).biases).toEqual({});
  });

  it('no Relu is absorbed when the Conv output is read twice or is a graph output', () => {
    expect(single('Conv', ['Relu', 'Sigmoid']).qTensors).toEqual({ x: 'all', c: 'all' });
    expect(single('Conv', ['Relu'], { cIsOutput: true }).qTensors).toEqual({ x: 'all' });
  });

  it('a Clip with an omitted bound is absorbed when the other is constant', () => {
    const b = new GraphBuilder('clip');
    b.input('x', DT.float32, [1, 2, 4, 4]);
    b.node('Conv', ['x', w(b, 'W', [2, 2, 1, 1])], { name: 'conv', outputs: ['c'] });
    b.node('Clip', ['c', '', b.init('six', DT.float32, [], [6])], { name: 'clip', outputs: ['a'] });
    b.node('Sigmoid', ['a'], { name: 'sig', outputs: ['y'] });
    b.output('y', DT.float32, null);
    expect(planOf(b, 'onnxruntime').qTensors).toEqual({ x: 'all', a: 'all' });
  });

  it('an excluded Conv gets no output pair; a grouped Conv keeps its INT32 bias', () => {
    const p = planOf(residualNet(), 'onnxruntime', { exclude: { nodes: ['conv2'] } });
    expect(p.qTensors).toEqual({ x: 'all', r1: 'all', f: 'all' });
    const b = new GraphBuilder('grouped');
    b.input('x', DT.float32, [1, 4, 4, 4]);
    b.node('Conv', ['x', w(b, 'W', [4, 2, 1, 1]), w(b, 'B', [4])], {
      name: 'gconv',
      outputs: ['y'],
      attrs: { group: 2 },
    });
    b.output('y', DT.float32, null);
    expect(planOf(b, 'onnxruntime').biases).toEqual({ gconv: 2 });
  });

  it('only Convs on a single position are left float: not 1-D on 8, not 1×8, not ConvTranspose', () => {
    const conv = (op: string, dims: number[], wDims: number[]) => {
      const b = new GraphBuilder('pos');
      b.input('x', DT.float32, dims);
      b.node(op, ['x', w(b, 'W', wDims)], { name: 'n', outputs: ['y'] });
      b.output('y', DT.float32, null);
      return planOf(b, 'onnxruntime');
    };
    expect(conv('Conv', [1, 4, 1], [4, 4, 1]).quantized).toEqual([]);
    expect(conv('Conv', [1, 4, 8], [4, 4, 1]).quantized).toEqual(['n']);
    expect(conv('Conv', [1, 4, 1, 8], [4, 4, 1, 1]).quantized).toEqual(['n']);
    expect(conv('ConvTranspose', [1, 4, 1, 1], [4, 4, 1, 1]).quantized).toEqual(['n']);
    expect(conv('MatMul', [1, 4, 1], [1, 4]).quantized).toEqual(['n']);
  });

  it('an included op Kiln infers no type for is quantized on its input and gets no output pair', () => {
    const b = new GraphBuilder('unknown');
    b.input('x', DT.float32, [1, 2, 4, 4]);
    b.node('Mystery', ['x'], { name: 'm', outputs: ['y'] });
    b.node('Relu', ['y'], { name: 'r', outputs: ['z'] });
    b.output('z', DT.float32, null);
    expect(planOf(b, 'onnxruntime', { include: { ops: ['Mystery', 'Relu'] } })).toMatchObject({
      quantized: ['m'],
      qTensors: { x: 'all' },
    });
  });

  it('a Conv on a 1×1 feature map stays float unless included by name', () => {
    const gate = () => {
      const b = new GraphBuilder('gate');
      b.input('x', DT.float32, [1, 4, 1, 1]);
      b.node('Conv', ['x', w(b, 'W', [4, 4, 1, 1]), w(b, 'B', [4])], { name: 'se', outputs: ['y'] });
      b.output('y', DT.float32, [1, 4, 1, 1]);
      return b;
    };
    expect(planOf(gate(), 'onnxruntime')).toMatchObject({
      quantized: [],
      skipped: [
        {
          node: 'se',
          op: 'Conv',
          reason:
            'runs on a 1×1 feature map (one position, like a squeeze-excitation gate): on CPU its Q/DQ costs more than INT8 saves; include the node to force it',
        },
      ],
    });
    expect(planOf(gate(), 'onnxruntime', { include: { nodes: ['se'] } }).quantized).toEqual(['se']);
    expect(planOf(gate(), 'tensorrt').quantized).toEqual(['se']);
  });

  it('a graph output gets no output pair', () => {
    const b = new GraphBuilder('out');
    b.input('x', DT.float32, [1, 2, 4, 4]);
    b.node('Conv', ['x', w(b, 'W', [2, 2, 1, 1])], { name: 'conv', outputs: ['c'] });
    b.node('Relu', ['c'], { name: 'relu', outputs: ['y'] });
    b.output('y', DT.float32, [1, 2, 4, 4]);
    expect(planOf(b, 'onnxruntime').qTensors).toEqual({ x: 'all' });
    const b2 = new GraphBuilder('out2');
    b2.input('x', DT.float32, [1, 2, 4, 4]);
    b2.node('Conv', ['x', w(b2, 'W', [2, 2, 1, 1])], { name: 'conv', outputs: ['c'] });
    b2.output('c', DT.float32, [1, 2, 4, 4]);
    expect(planOf(b2, 'onnxruntime').qTensors).toEqual({ x: 'all' });
  });

  describe('INT32 biases', () => {
    function gemm(attrs: Record<string, AttrInput>, bias: number[] = [3], weightConst = true) {
      const b = new GraphBuilder('gemm');
      b.input('x', DT.float32, [2, 4]);
      b.input('wx', DT.float32, [4, 3]);
      const wName = weightConst ? w(b, 'W', [4, 3]) : 'wx';
      b.node('Gemm', ['x', wName, w(b, 'C', bias)], { name: 'gemm', outputs: ['y'], attrs });
      b.output('y', DT.float32, [2, 3]);
      return planOf(b, 'onnxruntime').biases;
    }
    it('a plain Gemm (alpha = beta = 1, 1-D bias, constant B) gets one', () => {
      expect(gemm({})).toEqual({ gemm: 2 });
      expect(gemm({ alpha: { float: 1 }, beta: { float: 1 } })).toEqual({ gemm: 2 });
    });
    it('scaled, broadcast 2-D or with B computed at run time: the bias stays float', () => {
      expect(gemm({ alpha: 0.5 })).toEqual({});
      expect(gemm({ beta: { float: 2 } })).toEqual({});
      expect(gemm({}, [1, 3])).toEqual({});
      expect(gemm({}, [3], false)).toEqual({});
    });
    it('TensorRT keeps every bias float', () => {
      expect(planOf(residualNet(), 'tensorrt').biases).toEqual({});
    });
    it('a grouped ConvTranspose keeps its bias float; a plain one converts it', () => {
      for (const group of [undefined, 1, 2]) {
        const b = new GraphBuilder('ct');
        b.input('x', DT.float32, [1, 4, 4, 4]);
        b.node('ConvTranspose', ['x', w(b, 'W', [4, 2, 2, 2]), w(b, 'B', [2 * (group ?? 1)])], {
          name: 'ct',
          outputs: ['y'],
          attrs: group === undefined ? { strides: [2, 2] } : { group, strides: [2, 2] },
        });
        b.output('y', DT.float32, null);
        const p = planOf(b, 'onnxruntime');
        expect(p.quantized).toEqual(['ct']);
        expect(p.biases).toEqual(group === 2 ? {} : { ct: 2 });
        expect(p.weights).toEqual([{ node: 'ct', index: 1, axis: group === 2 ? null : 1 }]);
      }
    });
    it('a bias computed at run time stays float', () => {
      const b = new GraphBuilder('dynbias');
      b.input('x', DT.float32, [1, 2, 4, 4]);
      b.input('bias', DT.float32, [2]);
      b.node('Conv', ['x', w(b, 'W', [2, 2, 1, 1]), 'bias'], { name: 'conv', outputs: ['y'] });
      b.output('y', DT.float32, [1, 2, 4, 4]);
      expect(planOf(b, 'onnxruntime').biases).toEqual({});
    });
  });
});

describe('skipped nodes and why', () => {
  it('each reason a weighted node is left float', () => {
    const b = new GraphBuilder('skips');
    b.input('x', DT.float32, [1, 2, 4, 4]);
    b.input('h', DT.float16, [1, 2, 4, 4]);
    b.input('wdyn', DT.float32, [2, 2, 1, 1]);
    b.input('m', DT.float32, [4, 4]);
    b.node('Conv', ['x'], { name: 'noWeight', outputs: ['a'] });
    b.input('w16', DT.float16, [2, 2, 1, 1]);
    b.node('Conv', ['h', 'w16'], { name: 'half', outputs: ['b'] });
    b.node('Conv', [w(b, 'Xc', [1, 2, 4, 4]), w(b, 'Wc', [2, 2, 1, 1])], { name: 'constIn', outputs: ['c'] });
    b.node('Conv', ['x', 'wdyn'], { name: 'dynW', outputs: ['d'] });
    b.node('MatMul', [w(b, 'L', [4, 4]), w(b, 'R', [4, 4])], { name: 'bothConst', outputs: ['e'] });
    b.node('MatMul', [w(b, 'L2', [4, 4]), 'm'], { name: 'constLeft', outputs: ['f'] });
    b.node('MatMul', ['m', 'unknownTensor'], { name: 'unknownType', outputs: ['g'] });
    b.node('Conv', [], { name: 'noInputs', outputs: ['h1'] });
    b.node('Conv', ['', w(b, 'W9', [2, 2, 1, 1])], { name: 'noInput', outputs: ['h2'] });
    b.node('Conv', ['ghost', w(b, 'W8', [2, 2, 1, 1])], { name: 'ghostIn', outputs: ['h3'] });
    b.node('Conv', ['h', w(b, 'W7', [2, 2, 1, 1])], { name: 'halfIn', outputs: ['h4'] });
    b.node('ConvTranspose', [w(b, 'Xt', [1, 2, 4, 4]), w(b, 'Wt', [2, 2, 1, 1])], { name: 'ctConst', outputs: ['h5'] });
    b.node('ConvTranspose', ['x', 'wdyn'], { name: 'ctDyn', outputs: ['h6'] });
    b.node('Gemm', [w(b, 'GA', [2, 4]), w(b, 'GB', [4, 4])], { name: 'gemmConst', outputs: ['h7'] });
    for (const o of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'h7'])
      b.output(o, DT.float32, null);
    let a: ModelAnalysis;
    try {
      a = analyze(b);
    } catch {
      throw new Error('the skip model must analyze');
    }
    const p = byName(a, plan(a, options('tensorrt')));
    expect(p.skipped).toEqual([
      { node: 'noWeight', op: 'Conv', reason: 'missing an input' },
      { node: 'half', op: 'Conv', reason: 'computes in float16, not float32' },
      { node: 'constIn', op: 'Conv', reason: 'its input is a constant' },
      { node: 'dynW', op: 'Conv', reason: 'its weight wdyn is computed at run time' },
      { node: 'bothConst', op: 'MatMul', reason: 'both operands are constants' },
      { node: 'unknownType', op: 'MatMul', reason: 'computes in an unknown type, not float32' },
      { node: 'noInputs', op: 'Conv', reason: 'missing an input' },
      { node: 'noInput', op: 'Conv', reason: 'missing an input' },
      { node: 'ghostIn', op: 'Conv', reason: 'computes in an unknown type, not float32' },
      { node: 'halfIn', op: 'Conv', reason: 'computes in float16, not float32' },
      { node: 'ctConst', op: 'ConvTranspose', reason: 'its input is a constant' },
      { node: 'ctDyn', op: 'ConvTranspose', reason: 'its weight wdyn is computed at run time' },
      { node: 'gemmConst', op: 'Gemm', reason: 'both operands are constants' },
    ]);
    // A constant left operand of a MatMul is a weight with one scale; the activation is on the right.
    expect(p.quantized).toEqual(['constLeft']);
    expect(p.weights).toEqual([{ node: 'constLeft', index: 0, axis: null }]);
    expect(p.qTensors).toEqual({ m: ['constLeft'] });
  });

  it('a float32 input with a weight of another type names the weight type', () => {
    const b = new GraphBuilder('wtype');
    b.input('x', DT.float32, [2, 4]);
    b.input('k', DT.float64, [4, 4]);
    b.node('MatMul', ['x', 'k'], { name: 'mm', outputs: ['y'] });
    b.output('y', DT.float64, null);
    expect(planOf(b, 'tensorrt').skipped).toEqual([
      { node: 'mm', op: 'MatMul', reason: 'computes in float64, not float32' },
    ]);
  });

  it('an included op with no float activation input, and nodes outside the main graph or the default domain', () => {
    const body = new GraphBuilder('then');
    body.node('Conv', ['x', 'W'], { name: 'inner', outputs: ['t'] });
    body.output('t', DT.float32, null);
    const els = new GraphBuilder('else');
    els.node('Identity', ['x'], { name: 'pass', outputs: ['e'] });
    els.output('e', DT.float32, null);
    const b = new GraphBuilder('main');
    b.input('x', DT.float32, [1, 2, 4, 4]);
    b.input('cond', DT.bool, []);
    w(b, 'W', [2, 2, 1, 1]);
    b.node('If', ['cond'], {
      name: 'branch',
      outputs: ['z'],
      attrs: { then_branch: body.graph(), else_branch: els.graph() },
    });
    b.node('Shape', ['x'], { name: 'shape', outputs: ['s'] });
    b.node('Cast', ['s'], { name: 'cast', outputs: ['sf'], attrs: { to: 1 } });
    b.node('Relu', ['s'], { name: 'intRelu', outputs: ['r'] });
    b.node('Conv', ['x', 'W'], { name: 'msConv', outputs: ['m'], domain: 'com.microsoft' });
    for (const o of ['z', 'sf', 'r', 'm']) b.output(o, DT.float32, null);
    const p = planOf(b, 'tensorrt', { include: { ops: ['Relu'] } });
    expect(p.skipped).toEqual([
      { node: 'intRelu', op: 'Relu', reason: 'has no float32 activation input' },
      {
        node: 'inner',
        op: 'Conv',
        reason: 'inside an If/Loop/Scan body or a function: only the main graph is quantized',
      },
    ]);
    expect(p.quantized).toEqual([]);
  });

  it('an included op on the first graph input, and one reading a tensor nothing defines', () => {
    const b = new GraphBuilder('first');
    b.input('x', DT.float32, [1, 2, 4, 4]);
    b.node('Relu', ['x'], { name: 'r', outputs: ['y'] });
    b.node('Sigmoid', ['ghost'], { name: 'g', outputs: ['z'] });
    b.output('y', DT.float32, null);
    b.output('z', DT.float32, null);
    expect(planOf(b, 'tensorrt', { include: { ops: ['Relu', 'Sigmoid'] } })).toMatchObject({
      quantized: ['r'],
      qTensors: { x: ['r'] },
      skipped: [{ node: 'g', op: 'Sigmoid', reason: 'has no float32 activation input' }],
    });
  });

  it('include by node name quantizes that node only', () => {
    const b = new GraphBuilder('named');
    b.input('x', DT.float32, [1, 2, 4, 4]);
    b.node('Relu', ['x'], { name: 'r1', outputs: ['a'] });
    b.node('Relu', ['a'], { name: 'r2', outputs: ['y'] });
    b.output('y', DT.float32, null);
    expect(planOf(b, 'tensorrt', { include: { nodes: ['r2'] } })).toMatchObject({
      quantized: ['r2'],
      qTensors: { a: ['r2'] },
    });
    expect(planOf(b, 'tensorrt', { include: { nodes: ['r2'] }, exclude: { nodes: ['r2'] } }).quantized).toEqual([]);
  });
});
