import { describe, expect, it } from 'vitest';
import { buildGraphPayload, payloadGraphFromProto, scopeOfName } from '../../../electron/core/graph/payload';
import { buildModel } from '../../../renderer/src/graph/model';
import { exportNodeData, importNodeData, overlayColouring } from '../../../renderer/src/graph/overlay';
import { GraphSearch } from '../../../renderer/src/graph/search';
import { describeNode } from '../../../renderer/src/graph/inspect';
import { badPayload, transformerPayload } from '../../bench/graph-payload';

describe('graph payload', () => {
  it('builds edges, scopes and tensor kinds from a GraphProto', () => {
    const payload = buildGraphPayload(
      payloadGraphFromProto({
        input: [
          { name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'N' }, { dimValue: 3 }] } } } },
        ],
        output: [{ name: 'y' }],
        initializer: [{ name: 'w', dataType: 1, dims: [3, 3] }],
        node: [
          { name: '/enc/layer0/MatMul', opType: 'MatMul', input: ['x', 'w'], output: ['h'] },
          { name: '/enc/layer0/Relu', opType: 'Relu', input: ['h'], output: ['r'] },
          { name: '/enc/Mul', opType: 'Mul', input: ['r', 'r'], output: ['y'] },
          {
            name: 'c',
            opType: 'Constant',
            output: ['k'],
            attribute: [{ name: 'value', t: { dataType: 7, dims: [2] } }],
          },
        ],
      }),
    );
    expect(payload.ops).toEqual(['MatMul', 'Relu', 'Mul', 'Constant']);
    expect(payload.groupName).toEqual(['/enc', '/enc/layer0']);
    expect(Array.from(payload.groupParent)).toEqual([-1, 0]);
    expect(Array.from(payload.nodeGroup)).toEqual([1, 1, 0, -1]);
    // x*x style double input gives one edge; graph inputs and initializers give none
    expect(Array.from(payload.edgeFrom)).toEqual([0, 1]);
    expect(Array.from(payload.edgeTo)).toEqual([1, 2]);
    const t = (n: string) => payload.tensorName.indexOf(n);
    expect(payload.tensorKind![t('x')]).toBe(1);
    expect(payload.tensorKind![t('w')]).toBe(2);
    expect(payload.tensorKind![t('y')]).toBe(3);
    expect(payload.tensorType[t('x')]).toEqual({ dtype: 'float32', dims: ['N', 3] });
    expect(payload.tensorType[t('k')]).toEqual({ dtype: 'int64', dims: [2] });
    expect(Array.from(payload.nodeInputs!.slice(payload.nodeInputStart![2], payload.nodeInputStart![3]))).toEqual([
      t('r'),
      t('r'),
    ]);
    expect(scopeOfName('plain')).toBe('');
  });

  it('reports inputs nobody provides instead of failing', () => {
    const p = buildGraphPayload({
      nodes: [{ name: 'a', opType: 'Relu', inputs: ['ghost'], outputs: ['o'] }],
      inputs: [],
      initializers: [],
      outputs: [],
      types: new Map(),
    });
    expect(p.notes?.join(' ')).toContain('no node, input or initializer');
  });
});

describe('model, search, inspector, overlays', () => {
  const payload = transformerPayload(3);
  const model = buildModel(payload);

  it('finds nodes by exact op, name and tensor name', () => {
    const s = new GraphSearch(model);
    const softmax = s.search('softmax');
    // the three Softmax nodes by op first, then the consumers of their output tensors
    expect(softmax.hits.slice(0, 3).map((h) => h.why)).toEqual(['op', 'op', 'op']);
    expect(
      softmax.hits.slice(3).every((h) => h.why === 'tensor' && payload.nodeName[h.node]!.endsWith('MatMul_1')),
    ).toBe(true);
    expect(softmax.total).toBe(6);
    const byName = s.search('layers.1/mlp/fc2').hits.filter((h) => h.why === 'name');
    expect(byName.map((h) => payload.nodeName[h.node])).toEqual([
      '/model/layers.1/mlp/fc2/MatMul',
      '/model/layers.1/mlp/fc2/Add',
    ]);
    const byTensor = s.search('model.layers.2.self_attn.q_proj.weight');
    expect(byTensor.hits.map((h) => payload.nodeName[h.node])).toEqual(['/model/layers.2/self_attn/q_proj/MatMul']);
    expect(s.search('   ').total).toBe(0);
  });

  it('describes a node with typed inputs, outputs, producers and consumers', () => {
    const mm = payload.nodeName.indexOf('/model/layers.0/self_attn/q_proj/MatMul');
    const info = describeNode(model, mm);
    expect(info.op).toBe('MatMul');
    expect(info.groupPath).toBe('/model/layers.0/self_attn/q_proj');
    expect(info.inputs[1]).toMatchObject({ kind: 'initializer', dtype: 'float32', dims: [768, 768] });
    expect(info.inputs[0]!.producers).toHaveLength(1);
    expect(info.outputs[0]!.consumers).toHaveLength(1);
  });

  it('imports Model Explorer node data by node name and output tensor name, with thresholds', () => {
    const a = payload.nodeName[5]!;
    const b = payload.tensorName[payload.nodeOutputs![7]!]!;
    const json = JSON.stringify({
      main: {
        results: { [a]: { value: 5 }, [b]: { value: 50 }, nope: { value: 1 } },
        thresholds: [
          { value: 10, bgColor: '#00ff00' },
          { value: 100, bgColor: '#ff0000' },
        ],
      },
    });
    const r = importNodeData(model, json, 'x', 'main');
    expect(r.matched).toBe(2);
    expect(r.unmatched).toEqual(['nope']);
    const col = overlayColouring(model, r.overlay, '#777777');
    expect(col.palette[col.nodeColor[5]!]).toBe('#00ff00');
    expect(col.palette[col.nodeColor[7]!]).toBe('#ff0000');
    expect(col.palette[col.nodeColor[6]!]).toBe('#777777');
    expect(col.missing).toBe(model.N - 2);
    const back = JSON.parse(exportNodeData(model, r.overlay, 'main')) as Record<
      string,
      { results: Record<string, { value: number }> }
    >;
    expect(back.main!.results[a]!.value).toBe(5);
    expect(back.main!.results[payload.nodeName[7]!]!.value).toBe(50);
    expect(() => importNodeData(model, '{"x": 1}')).toThrow(/results/);
    expect(() => importNodeData(model, 'not json')).toThrow(/not JSON/);
  });

  it('colours by a gradient between min and max, categories by label', () => {
    const values = new Float64Array(model.N).map((_, i) => i);
    const col = overlayColouring(
      model,
      {
        name: 'v',
        kind: 'number',
        values,
        gradient: [
          { stop: 0, bgColor: '#000000' },
          { stop: 1, bgColor: '#ffffff' },
        ],
      },
      '#777',
    );
    expect(col.palette[col.nodeColor[0]!]).toBe('#000000');
    expect(col.palette[col.nodeColor[model.N - 1]!]).toBe('#ffffff');
    const cat = overlayColouring(
      model,
      { name: 'c', kind: 'category', codes: new Int32Array(model.N).fill(0), labels: ['fused'] },
      '#777',
    );
    expect(cat.legend[0]).toMatchObject({ label: 'fused', count: model.N });
  });

  it('builds models from bad payloads and says what was dropped', () => {
    for (const kind of ['cycle', 'wide', 'longnames', 'empty', 'components', 'flat'] as const) {
      const m = buildModel(badPayload(kind));
      expect(m.N).toBe(badPayload(kind).nodeName.length);
    }
    const broken = {
      ...transformerPayload(1),
      edgeFrom: Int32Array.of(0, 999),
      edgeTo: Int32Array.of(1, 2),
      edgeTensor: Int32Array.of(0, 0),
    };
    expect(buildModel(broken).problems.join(' ')).toContain('1 edge(s)');
  });
});
