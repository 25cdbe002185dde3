/**
 * Model diff (issue 23, item 4) on models edited in known ways: the diff must list exactly those
 * edits; renamed exports of one network must pair up by structure; a model against itself says
 * no changes; unrelated models say so instead of listing every node.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffModels, type DiffModel } from '../../../electron/core/diff/model-diff';
import { encodeModel } from '../../../electron/core/onnx/encode';
import { buildIR } from '../../../electron/core/onnx/ir';
import type { ModelProto, NodeProto } from '../../../electron/core/onnx/model';
import { openModelBytes } from '../../../electron/core/onnx/open';
import { cnn } from '../../builders/cnn';
import { DT, GraphBuilder, attr, model, tensor } from '../../builders/graph';
import { transformer } from '../../builders/transformer';

const ZOO = path.join(__dirname, '..', '..', 'fixtures', 'zoo');

function load(m: ModelProto, name: string): DiffModel {
  const opened = openModelBytes(encodeModel(m), `/nowhere/${name}`, name);
  return { opened, ir: buildIR(opened.model) };
}
function loadFile(file: string): DiffModel {
  const opened = openModelBytes(fs.readFileSync(file), file, path.basename(file));
  return { opened, ir: buildIR(opened.model) };
}

const small = () => cnn([4, 8, 8, 8], 3, 16);
const node = (m: ModelProto, name: string): NodeProto => {
  const n = m.graph!.node.find((x) => x.name === name);
  if (!n) throw new Error(`no node ${name}`);
  return n;
};

describe('model diff: a model edited in known ways', () => {
  const before = small();
  const after = small();
  const g = after.graph!;
  // 1. conv0's weight: one element moved by 0.25.
  const w = g.initializer.find((t) => t.name === 'conv0.w')!;
  const values = new Float32Array((w.data as { bytes: Uint8Array }).bytes.slice().buffer);
  values[5] = values[5]! + 0.25;
  w.data = { kind: 'bytes', bytes: new Uint8Array(values.buffer) };
  // 2. conv1's Relu removed: conv2 now reads conv1's output.
  const relu1 = node(after, '/features/conv1/Relu');
  g.node.splice(g.node.indexOf(relu1), 1);
  node(after, '/features/conv2/Conv').input[0] = relu1.input[0]!;
  // 3. conv3's strides changed.
  node(after, '/features/conv3/Conv').attribute = node(after, '/features/conv3/Conv').attribute.map((a) =>
    a.name === 'strides' ? attr('strides', [1, 1]) : a,
  );
  // 4. a Sigmoid inserted between the pool and Flatten.
  const flatten = node(after, '/pool/Flatten');
  g.node.splice(g.node.indexOf(flatten), 0, {
    name: '/extra/Sigmoid',
    opType: 'Sigmoid',
    domain: '',
    overload: '',
    input: [flatten.input[0]!],
    output: ['extra_sig'],
    attribute: [],
    docString: '',
  });
  flatten.input[0] = 'extra_sig';
  // 5. the head renamed; 6. an initializer added; 7. opset and metadata.
  node(after, '/fc/Gemm').name = '/head/Gemm';
  g.initializer.push(tensor('unused.scale', DT.float32, [2], [1, 2]));
  after.opsetImport = [{ domain: '', version: 18 }];
  after.metadataProps = [{ key: 'kiln.recipe', value: '{"precision":"fp16"}' }];

  const d = diffModels(load(before, 'before.onnx'), load(after, 'after.onnx'));

  it('lists exactly the nodes added, removed, changed and renamed', () => {
    expect(d.related).toBe(true);
    expect(d.identical).toBe(false);
    expect(d.nodes.added.map((n) => n.name)).toEqual(['/extra/Sigmoid']);
    expect(d.nodes.removed.map((n) => n.name)).toEqual(['/features/conv1/Relu']);
    expect(d.nodes.renamed.map((r) => [r.a.name, r.b.name])).toEqual([['/fc/Gemm', '/head/Gemm']]);
    const changed = Object.fromEntries(d.nodes.changed.map((c) => [c.a.name, c.changes]));
    expect(Object.keys(changed).sort()).toEqual(['/features/conv2/Conv', '/features/conv3/Conv', '/pool/Flatten']);
    expect(changed['/features/conv2/Conv']).toEqual([
      { what: 'input', name: 'input 0', a: '/features/conv1/Relu', b: '/features/conv1/Conv' },
    ]);
    expect(changed['/features/conv3/Conv']).toEqual([{ what: 'attribute', name: 'strides', a: '[2, 2]', b: '[1, 1]' }]);
    expect(changed['/pool/Flatten']).toEqual([
      { what: 'input', name: 'input 0', a: '/pool/GlobalAveragePool', b: '/extra/Sigmoid' },
    ]);
  });

  it('lists the weight that moved, by how much, and the initializer added', () => {
    expect(d.initializers.map((i) => [i.change, i.name])).toEqual([
      ['changed', 'conv0.w'],
      ['added', 'unused.scale'],
    ]);
    const conv0 = d.initializers[0]!;
    expect(conv0.maxAbsDiff).toBeCloseTo(0.25, 5);
    expect(conv0.cosine).toBeGreaterThan(0.9);
    expect(conv0.cosine).toBeLessThan(1);
    expect(conv0.readers).toEqual([0]);
  });

  it('lists the opset and metadata, and nothing of the unchanged', () => {
    expect(d.header).toEqual([
      { field: 'opset ai.onnx', a: '17', b: '18' },
      { field: 'metadata kiln.recipe', a: null, b: '{"precision":"fp16"}' },
    ]);
    expect(d.inputs).toEqual([]);
    expect(d.outputs).toEqual([]);
    expect(d.verdict).toContain('1 node added; 1 node removed; 3 nodes changed; 1 node renamed');
  });

  it('says which inputs and outputs changed', () => {
    const wider = small();
    wider.graph!.input[0]!.type = { kind: 'tensor', elemType: DT.float16, shape: [{ value: 1 }], denotation: '' };
    const io = diffModels(load(before, 'a.onnx'), load(wider, 'b.onnx'));
    expect(io.inputs).toEqual([
      {
        change: 'changed',
        name: 'image',
        a: { name: 'image', dtype: 'float32', dims: ['N', 3, 16, 16] },
        b: { name: 'image', dtype: 'float16', dims: [1] },
      },
    ]);
  });
});

/** x -> Split into two halves -> Sub(first, second): `swap` reads them the other way round. */
function split(swap: boolean): ModelProto {
  const b = new GraphBuilder();
  const x = b.input('x', DT.float32, [1, 4]);
  b.node('Split', [x], { name: 'split', outputs: ['h0', 'h1'], attrs: { axis: 1, num_outputs: 2 } });
  b.node('Sub', swap ? ['h1', 'h0'] : ['h0', 'h1'], { name: 'sub', outputs: ['y'] });
  b.output('y', DT.float32, [1, 2]);
  return model(b.graph(), { opset: 18 });
}

describe('model diff: inputs by the output they come from', () => {
  it("reading a node's other output is a change", () => {
    const d = diffModels(load(split(false), 'a.onnx'), load(split(true), 'b.onnx'));
    expect(d.nodes.changed).toEqual([
      {
        a: { node: 1, name: 'sub', op: 'Sub' },
        b: { node: 1, name: 'sub', op: 'Sub' },
        changes: [
          { what: 'input', name: 'input 0', a: 'split', b: 'split output 1' },
          { what: 'input', name: 'input 1', a: 'split output 1', b: 'split' },
        ],
      },
    ]);
  });
});

describe('model diff: pairing by structure', () => {
  it('pairs two exports of one network whose node and weight names all differ', () => {
    const a = transformer(4);
    const b = transformer(4);
    const renames = new Map<string, string>();
    b.graph!.initializer.forEach((t, i) => {
      renames.set(t.name, `onnx::W_${i}`);
      t.name = `onnx::W_${i}`;
    });
    b.graph!.node.forEach((n, i) => {
      n.name = `node_${(i * 7919) % 100_003}`;
      n.input = n.input.map((x) => renames.get(x) ?? x);
    });
    const d = diffModels(load(a, 'a.onnx'), load(b, 'b.onnx'));
    const n = a.graph!.node.length;
    expect(d.match.byName).toBe(0);
    expect(d.match.byStructure).toBe(n);
    expect(d.nodes.added).toEqual([]);
    expect(d.nodes.removed).toEqual([]);
    expect(d.nodes.changed).toEqual([]);
    expect(d.nodes.renamed).toHaveLength(n);
    // Each node pairs with the one it was: same op, same place.
    for (const r of d.nodes.renamed) expect(r.b.node).toBe(r.a.node);
    expect(d.initializers.every((i) => i.change === 'renamed')).toBe(true);
    expect(d.verdict).toContain('pair up by structure');
  });

  it('still finds an attribute change on a renamed export', () => {
    const a = transformer(3);
    const b = transformer(3);
    b.graph!.node.forEach((x, i) => (x.name = `n${i}`));
    const softmax = b.graph!.node.findIndex((x) => x.opType === 'Softmax');
    b.graph!.node[softmax]!.attribute = [attr('axis', 1)];
    const d = diffModels(load(a, 'a.onnx'), load(b, 'b.onnx'));
    expect(d.nodes.added).toEqual([]);
    expect(d.nodes.removed).toEqual([]);
    expect(d.nodes.changed.map((c) => [c.a.op, c.b.name, c.changes])).toEqual([
      ['Softmax', `n${softmax}`, [{ what: 'attribute', name: 'axis', a: '-1', b: '1' }]],
    ]);
  });
});

describe('model diff: another export of one network', () => {
  /**
   * What an exporter change does to a model (PyTorch's TorchScript exporter against its dynamo one):
   * every node and weight renamed, and the shape arithmetic made otherwise — here, 3 nodes of it
   * for every node of the network, which no pairing can match. The weights stay the same bytes.
   */
  function reexported(seed: number): ModelProto {
    const m = transformer(3, { seed });
    const g = m.graph!;
    const renames = new Map<string, string>();
    g.initializer.forEach((t, i) => {
      renames.set(t.name, `onnx::W_${i}`);
      t.name = `onnx::W_${i}`;
    });
    g.node.forEach((n, i) => {
      n.name = `node_${i}`;
      n.input = n.input.map((x) => renames.get(x) ?? x);
    });
    const first = g.input[0]!.name;
    const extra = g.node.length * 3;
    for (let i = 0; i < extra; i++)
      g.node.push({
        ...g.node[0]!,
        opType: 'Shape',
        name: `shape_${i}`,
        input: [first],
        output: [`shape_${i}_out`],
        attribute: [],
      });
    return m;
  }

  it('names and nodes say unrelated, the weights say the same network: its changes are listed', () => {
    const d = diffModels(load(transformer(3), 'legacy.onnx'), load(reexported(1), 'dynamo.onnx'));
    expect(d.match.nameShare).toBe(0);
    expect(d.match.sharedWeights).toBe(1);
    expect(d.related).toBe(true);
    expect(d.verdict).toMatch(/100% of the weights are the same bytes: another export of the same network/);
    expect(d.nodes.added.length).toBeGreaterThan(0);
    // The weights the exporter renamed pair by content: renamed, not removed and added.
    const big = d.initializers.filter((i) => (i.a?.dims ?? i.b?.dims ?? []).reduce((x, y) => x * y, 1) >= 16);
    expect(big.length).toBeGreaterThan(5);
    for (const i of big) expect(i).toMatchObject({ change: 'renamed', maxAbsDiff: 0 });
    expect(big.every((i) => i.nameB?.startsWith('onnx::W_'))).toBe(true);
  });

  it('the same shapes with other weights stay unrelated', () => {
    const d = diffModels(load(transformer(3), 'a.onnx'), load(reexported(2), 'b.onnx'));
    expect(d.match.sharedWeights).toBe(0);
    expect(d.related).toBe(false);
    expect(d.verdict).toMatch(/have almost nothing in common/);
  });

  it('models that nodes already relate do not have their weights read for it', () => {
    const d = diffModels(load(transformer(3), 'a.onnx'), load(transformer(3), 'b.onnx'));
    expect(d.related).toBe(true);
    expect(d.match.sharedWeights).toBeNull();
  });
});

describe('model diff: bad input', () => {
  it('a model against itself: no changes, said plainly', () => {
    const m = load(small(), 'same.onnx');
    const d = diffModels(m, load(small(), 'same.onnx'));
    expect(d.identical).toBe(true);
    expect(d.verdict).toBe('No changes: same.onnx and same.onnx are the same file, byte for byte.');
    expect(d.nodes).toEqual({ added: [], removed: [], changed: [], renamed: [] });
    expect(d.initializers).toEqual([]);
    expect(d.header).toEqual([]);
  });

  it('two unrelated models: said so, with the share of names matched, and no wall of nodes', () => {
    const d = diffModels(load(small(), 'cnn.onnx'), load(transformer(2), 'bert.onnx'));
    expect(d.related).toBe(false);
    expect(d.verdict).toMatch(/cnn\.onnx and bert\.onnx have almost nothing in common: 0% of node names match/);
    expect(d.nodes).toEqual({ added: [], removed: [], changed: [], renamed: [] });
    expect(d.initializers).toEqual([]);
  });
});

describe('model diff across the zoo', () => {
  const zoo = fs.readdirSync(ZOO).filter((f) => f.endsWith('.onnx'));
  it.each(zoo)('%s against itself: no changes', (f) => {
    const d = diffModels(loadFile(path.join(ZOO, f)), loadFile(path.join(ZOO, f)));
    expect(d.identical).toBe(true);
    expect(d.match.pairedShare).toBe(1);
  });
  it.each([
    ['vit-tiny.onnx', 'bert-tiny.onnx'],
    ['mobilenetv3-fp16.onnx', 'ssdlite-tiny.onnx'],
    ['unet-tiny.onnx', 'kws-lstm-gru.onnx'],
    ['ssdlite-tiny.onnx', 'unet-tiny.onnx'],
  ])('%s against %s: unrelated', (x, y) => {
    const d = diffModels(loadFile(path.join(ZOO, x)), loadFile(path.join(ZOO, y)));
    expect(d.related, d.verdict).toBe(false);
  });
});
