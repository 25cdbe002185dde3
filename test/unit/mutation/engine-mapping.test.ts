/**
 * From TensorRT layers back to ONNX nodes, rule by rule on small hand-made layer lists: the
 * layer-name grammar at its edges (deep nesting, stray brackets, half-named ForeignNodes, reformats
 * of profiles), Metadata entries, and the mapping's order handling (partial and invalid orders,
 * backwards ranges, missing ends), every reason a name stays unmapped, and which layers cover which
 * node. A wrong mapping puts a layer's time or precision on the wrong node (npm run mutate -- engine-mapping).
 */
import { describe, expect, it } from 'vitest';
import { parseLayerName, parseMetadata } from '../../../electron/core/trt/engine-files/layer-names';
import { mapToOnnx } from '../../../electron/core/trt/engine-files/onnx-mapping';
import type { EngineLayer } from '../../../electron/core/trt/engine-files/types';

/** A layer as layer-info.ts builds it from a name (and Metadata names, when given). */
function layer(index: number, name: string, metadataNames?: string[]): EngineLayer {
  const parsed = parseLayerName(name);
  return {
    index,
    name,
    type: 'Unknown',
    inputs: [],
    outputs: [],
    onnxNames: metadataNames ?? parsed.names,
    onnxNamesFrom: metadataNames ? 'metadata' : parsed.names.length > 0 ? 'name' : 'none',
    nameParts: parsed.names,
    ranges: parsed.ranges,
    isReformat: false,
    isForeign: parsed.foreign,
    raw: { name },
  };
}
const layers = (...l: EngineLayer[]) => ({ layers: l });

const NODES = ['a', 'b', 'c', 'd', 'e', 'f'];

describe('parseLayerName', () => {
  it('splits only at top-level separators, and takes PWN arguments apart', () => {
    expect(parseLayerName('PWN(a + b, c)')).toMatchObject({ names: ['a', 'b', 'c'], pointwise: true, foreign: false });
    expect(parseLayerName('x || PWN(PWN(y), z) + w').names).toEqual(['x', 'y', 'z', 'w']);
    expect(parseLayerName('f(a + b)').names).toEqual(['f(a + b)']);
    expect(parseLayerName('n[0 || 1]').names).toEqual(['n[0 || 1]']);
    expect(parseLayerName('Conv_0 + Relu_1')).toMatchObject({ pointwise: false, foreign: false, problems: [] });
  });

  it('names appear once, in first-seen order', () => {
    expect(parseLayerName('A + B + A || B').names).toEqual(['A', 'B']);
    expect(parseLayerName('  A  +  + B ').names).toEqual(['A', 'B']);
  });

  it('braces group like brackets; a closing bracket before its opening one is a stray', () => {
    expect(parseLayerName('{a + b} + c').names).toEqual(['{a + b}', 'c']);
    expect(parseLayerName('a) + (b').names).toEqual(['a)', '(b']);
  });

  it('only a whole PWN(…) is point-wise and only a whole {ForeignNode[…]} is foreign', () => {
    expect(parseLayerName('PWN(abc')).toMatchObject({ names: ['PWN(abc'], pointwise: false });
    expect(parseLayerName('{Other[a...b]}')).toMatchObject({ names: ['{Other[a...b]}'], foreign: false, ranges: [] });
  });

  it('stray brackets fall back to a plain split', () => {
    expect(parseLayerName('a) + b').names).toEqual(['a)', 'b']);
    expect(parseLayerName('a( + b || c').names).toEqual(['a(', 'b', 'c']);
    expect(parseLayerName('PWN(a, b(, c)').names).toEqual(['a', 'b(', 'c']);
  });

  it('keeps a name nested past 64 levels whole, and says so', () => {
    const deep = 'PWN('.repeat(66) + 'x' + ')'.repeat(66);
    const p = parseLayerName(deep);
    expect(p.problems).toEqual(['layer name nests too deeply; the rest is kept as one name']);
    expect(p.names).toEqual(['PWN(x)']);
    const spaced = parseLayerName('PWN('.repeat(65) + ' PWN(x) ' + ')'.repeat(65));
    expect(spaced.names).toEqual(['PWN(x)']);
    const ok = parseLayerName('PWN('.repeat(64) + 'x' + ')'.repeat(64));
    expect(ok).toMatchObject({ names: ['x'], problems: [] });
  });

  it('ForeignNodes: a range, one node, or a half-named range with a problem', () => {
    expect(parseLayerName('{ForeignNode[a...b]}')).toMatchObject({
      names: ['a', 'b'],
      ranges: [{ first: 'a', last: 'b' }],
      foreign: true,
    });
    expect(parseLayerName('{ForeignNode[ a ... b ]}').ranges).toEqual([{ first: 'a', last: 'b' }]);
    expect(parseLayerName('{ForeignNode[ solo ]}')).toMatchObject({
      names: ['solo'],
      ranges: [{ first: 'solo', last: 'solo' }],
      foreign: true,
    });
    expect(parseLayerName('{ForeignNode[ ]}')).toMatchObject({ names: [], ranges: [], foreign: true });
    expect(parseLayerName('{ForeignNode[a...]}')).toMatchObject({
      names: ['a'],
      ranges: [],
      problems: ['ForeignNode "a..." lacks a last name'],
    });
    expect(parseLayerName('{ForeignNode[...b]}')).toMatchObject({
      names: ['b'],
      problems: ['ForeignNode "...b" lacks a first name'],
    });
    expect(parseLayerName('x + {ForeignNode[a...b]} + {ForeignNode[c...d]}').ranges).toEqual([
      { first: 'a', last: 'b' },
      { first: 'c', last: 'd' },
    ]);
    // Not quite a ForeignNode: kept as a plain name.
    expect(parseLayerName('{ForeignNode[a...b]').names).toEqual(['{ForeignNode[a...b]']);
  });

  it('reformats: direction, tensor index and target, read as the target layer', () => {
    const p = parseLayerName('Reformatting CopyNode for Output Tensor 12 to  {ForeignNode[a...]} ');
    expect(p.reformat).toEqual({ direction: 'output', tensorIndex: 12, target: '{ForeignNode[a...]}' });
    expect(p.names).toEqual(['a']);
    expect(p.problems).toEqual(['ForeignNode "a..." lacks a last name']);
    expect(p.ranges).toEqual([]);
    expect(parseLayerName('  Reformatting CopyNode for Input Tensor 2 to z').reformat).toEqual({
      direction: 'input',
      tensorIndex: 2,
      target: 'z',
    });
    const q = parseLayerName('Reformatting CopyNode for Input Tensor 0 to x + y [profile 3]');
    expect(q).toMatchObject({ reformat: { direction: 'input', tensorIndex: 0, target: 'x + y' }, profile: 3 });
    expect(q.names).toEqual(['x', 'y']);
  });

  it('profile suffixes: the number kept, the suffix dropped wherever it is', () => {
    expect(parseLayerName('a + b [profile 2]')).toMatchObject({ names: ['a', 'b'], profile: 2 });
    expect(parseLayerName('a[profile 1] + b')).toMatchObject({ names: ['a', 'b'], profile: 1 });
    expect(parseLayerName('a + b').profile).toBeUndefined();
    expect(parseLayerName('a [profile x]').names).toEqual(['a [profile x]']);
  });
});

describe('parseMetadata', () => {
  it('splits on \\u001f, \\u001e, CR and LF, trims, skips empty and repeated names', () => {
    expect(parseMetadata('[ONNX Layer: a]\r\n[ONNX Layer:  b ]\u001e\u001f[ONNX Layer: a][ONNX Layer: ]')).toEqual([
      'a',
      'b',
    ]);
    expect(parseMetadata('  [ONNX Layer: x]  ')).toEqual(['x']);
  });
  it('text between separators is not part of an entry', () => {
    expect(parseMetadata('[ONNX Layer: a]\u001enot an entry')).toEqual(['a']);
    expect(parseMetadata('[ONNX Layer: a]\u001fjunk\u001f[ONNX Layer: b]')).toEqual(['a', 'b']);
  });

  it('an entry must run to the next entry or the end', () => {
    expect(parseMetadata('[ONNX Layer: a] trailing')).toEqual([]);
    expect(parseMetadata('[ONNX Layer: a] [ONNX Layer: b]')).toEqual(['a', 'b']);
  });
});

describe('mapToOnnx', () => {
  it('maps names, sorted node lists, and each node to the layers (by their index) covering it', () => {
    const m = mapToOnnx(layers(layer(7, 'c + a'), layer(9, 'a'), layer(4, 'zzz')), NODES);
    expect(m.layers).toEqual([
      { layerIndex: 7, layerName: 'c + a', nodes: [0, 2], via: 'name', unmappedNames: [] },
      { layerIndex: 9, layerName: 'a', nodes: [0], via: 'name', unmappedNames: [] },
      { layerIndex: 4, layerName: 'zzz', nodes: [], via: 'none', unmappedNames: ['zzz'] },
    ]);
    expect(m.nodeLayers).toEqual([[7, 9], [], [7], [], [], []]);
    expect(m.uncoveredNodes).toEqual([1, 3, 4, 5]);
    expect(m.unmapped).toEqual([{ layerIndex: 4, layerName: 'zzz', name: 'zzz', reason: 'not-in-model' }]);
    expect(m.warnings).toEqual([]);
  });

  it('a range covers every node between its ends in order; extra plain names add to it', () => {
    const m = mapToOnnx(layers(layer(0, '{ForeignNode[b...d]} + f')), NODES);
    expect(m.layers[0]).toMatchObject({ nodes: [1, 2, 3, 5], via: 'range', unmappedNames: [] });
  });

  it('a backwards range covers the span between its ends, with a warning', () => {
    const m = mapToOnnx(layers(layer(3, '{ForeignNode[e...b]}')), NODES);
    expect(m.layers[0]?.nodes).toEqual([1, 2, 3, 4]);
    expect(m.warnings).toEqual([
      'layer 3 ({ForeignNode[e...b]}): range "e" … "b" runs backwards; covering the span between them',
    ]);
  });

  it('a range with a missing end maps the other end only, names the missing one, and lists it unmapped', () => {
    const first = mapToOnnx(layers(layer(1, '{ForeignNode[nope...c]}')), NODES);
    expect(first.layers[0]).toMatchObject({ nodes: [2], via: 'name', unmappedNames: ['nope'] });
    expect(first.warnings).toEqual([
      'layer 1 ({ForeignNode[nope...c]}): range end "nope" is not an ONNX node; only the other end is mapped',
    ]);
    const last = mapToOnnx(layers(layer(1, '{ForeignNode[c...gone]}')), NODES);
    expect(last.layers[0]).toMatchObject({ nodes: [2], unmappedNames: ['gone'] });
    expect(last.warnings[0]).toContain('range end "gone" is not an ONNX node');
    // A missing end with a plain name beside it: via the name.
    const named = mapToOnnx(layers(layer(1, '{ForeignNode[c...gone]} + e')), NODES);
    expect(named.layers[0]).toMatchObject({ nodes: [2, 4], via: 'name' });
  });

  it('ranges follow the given order; nodes the order leaves out are outside every range', () => {
    const m = mapToOnnx(layers(layer(0, '{ForeignNode[a...d]}')), NODES, [3, 1, 0, 2]);
    // Order positions: d 0, b 1, a 2, c 3: from a (2) to d (0) runs backwards → d, b, a.
    expect(m.layers[0]?.nodes).toEqual([0, 1, 3]);
    const partial = mapToOnnx(layers(layer(0, '{ForeignNode[a...c]}')), NODES, [0, 2]);
    expect(partial.layers[0]?.nodes).toEqual([0, 2]);
    // An end the order does not place counts as missing.
    const unplaced = mapToOnnx(layers(layer(0, '{ForeignNode[a...b]}')), NODES, [0, 2]);
    expect(unplaced.layers[0]?.nodes).toEqual([0, 1]);
    expect(unplaced.warnings[0]).toContain('range end "b" is not an ONNX node');
  });

  it('an order that is not distinct node indices is refused with a warning; an empty one means list order', () => {
    for (const bad of [[0, 0], [0, -1], [0, 6], [0, 1.5], [Number.NaN]]) {
      const m = mapToOnnx(layers(layer(0, '{ForeignNode[b...d]}')), NODES, bad);
      expect(m.warnings).toEqual(['topoOrder is not a list of distinct node indices; ranges follow node list order']);
      expect(m.layers[0]?.nodes).toEqual([1, 2, 3]);
    }
    const empty = mapToOnnx(layers(layer(0, '{ForeignNode[b...d]}')), NODES, []);
    expect(empty.warnings).toEqual([]);
    expect(empty.layers[0]?.nodes).toEqual([1, 2, 3]);
    const full = mapToOnnx(layers(layer(0, '{ForeignNode[a...f]}')), NODES, [0, 1, 2, 3, 4, 5]);
    expect(full.warnings).toEqual([]);
    expect(full.layers[0]?.nodes).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('a range whose first end the order leaves out maps its ends only', () => {
    const m = mapToOnnx(layers(layer(0, '{ForeignNode[b...c]}')), NODES, [0, 2]);
    expect(m.layers[0]?.nodes).toEqual([1, 2]);
    expect(m.warnings).toEqual([
      'layer 0 ({ForeignNode[b...c]}): range end "b" is not an ONNX node; only the other end is mapped',
    ]);
  });

  it('a one-node range is not backwards', () => {
    const m = mapToOnnx(layers(layer(0, '{ForeignNode[c]}'), layer(1, '{ForeignNode[c...c]}')), NODES);
    expect(m.layers.map((l) => l.nodes)).toEqual([[2], [2]]);
    expect(m.warnings).toEqual([]);
  });

  it('Metadata names win over the layer name', () => {
    const m = mapToOnnx(layers(layer(0, '{ForeignNode[a...f]}', ['c', 'missing', 'e'])), NODES);
    expect(m.layers[0]).toEqual({
      layerIndex: 0,
      layerName: '{ForeignNode[a...f]}',
      nodes: [2, 4],
      via: 'metadata',
      unmappedNames: ['missing'],
    });
    const none = mapToOnnx(layers(layer(0, 'x', ['gone'])), NODES);
    expect(none.layers[0]?.via).toBe('none');
  });

  it('a layer that names nothing maps to nothing', () => {
    const m = mapToOnnx(layers(layer(0, '{ForeignNode[ ]}')), NODES);
    expect(m.layers[0]).toMatchObject({ nodes: [], via: 'none', unmappedNames: [] });
    expect(m.unmapped).toEqual([]);
  });

  it('a name missing twice in one layer is listed once', () => {
    const m = mapToOnnx(layers(layer(0, 'q + {ForeignNode[q...q]}')), NODES);
    expect(m.layers[0]?.unmappedNames).toEqual(['q']);
    expect(m.unmapped).toHaveLength(1);
  });

  it('why a name maps to nothing: a tensor name, each TensorRT-internal pattern, or not in the model', () => {
    const names = [
      'weights.0', // a tensor name, even if it looks internal
      '(Unnamed Layer* 12) [Shuffle]',
      '(Unnamed Layer*3) [Constant]',
      '__myl_MulAdd',
      'foo_myl12_3',
      'ONNXTRT_Broadcast',
      'Reshape_after_Gemm',
      'Reformatted Input Tensor 0 to conv',
      'Reformatted Output Tensor 1 to conv',
      'x copy',
      'plain',
      'ONNXTRT', // patterns are anchored: none of these is internal
      'a__myl_b',
      'foo_myl12_3x',
      'copy of x',
    ];
    const m = mapToOnnx(
      layers(...names.map((n, i) => ({ ...layer(i, n), onnxNames: [n], onnxNamesFrom: 'name' as const }))),
      NODES,
      undefined,
      { tensorNames: new Set(['weights.0', 'unused']) },
    );
    expect(m.unmapped.map((u) => u.reason)).toEqual([
      'tensor-name',
      ...new Array<string>(9).fill('trt-internal'),
      ...new Array<string>(5).fill('not-in-model'),
    ]);
    expect(
      mapToOnnx(layers(layer(0, '__myl_x')), NODES, undefined, { tensorNames: ['__myl_x'] }).unmapped[0]?.reason,
    ).toBe('tensor-name');
  });

  it('unnamed nodes are known by "node_of_" and their first output; named ones are not', () => {
    const m = mapToOnnx(layers(layer(0, 'node_of_t1 + node_of_t3 + node_of_t0')), ['', 'n1', '', ''], undefined, {
      nodeOutputs: [['t0'], ['t1'], [], undefined],
    });
    expect(m.layers[0]).toMatchObject({ nodes: [0], unmappedNames: ['node_of_t1', 'node_of_t3'] });
    expect(m.uncoveredNodes).toEqual([1, 2, 3]);
  });

  it('unnamed nodes without known outputs have no name at all (and are no duplicates)', () => {
    const m = mapToOnnx(layers(layer(0, 'node_of_undefined')), ['', '', 'a']);
    expect(m.warnings).toEqual([]);
    expect(m.layers[0]?.nodes).toEqual([]);
    expect(m.uncoveredNodes).toEqual([0, 1, 2]);
    const blank = mapToOnnx(layers(layer(0, 'node_of_undefined')), ['', ''], undefined, { nodeOutputs: [[], ['']] });
    expect(blank.warnings).toEqual([]);
    // Outputs listed for nodes the model does not have are ignored.
    const extra = mapToOnnx(layers(layer(0, 'node_of_t9')), ['a'], undefined, { nodeOutputs: [['t0'], ['t9']] });
    expect(extra.layers[0]).toMatchObject({ nodes: [], unmappedNames: ['node_of_t9'] });
  });

  it('duplicate node names: every node of that name is covered, with one warning naming the first', () => {
    const m = mapToOnnx(layers(layer(0, 'dup2')), ['dup1', 'dup2', 'dup1', 'dup2', 'x'], undefined, {});
    expect(m.layers[0]?.nodes).toEqual([1, 3]);
    expect(m.warnings).toEqual([
      '2 ONNX node names are used more than once (e.g. "dup1"); a layer naming one covers all',
    ]);
    const range = mapToOnnx(layers(layer(0, '{ForeignNode[dup1...x]}')), ['dup1', 'y', 'dup1', 'x']);
    expect(range.layers[0]?.nodes).toEqual([0, 1, 2, 3]);
    const back = mapToOnnx(layers(layer(0, '{ForeignNode[y...dup1]}')), ['dup1', 'y', 'dup1', 'x']);
    expect(back.layers[0]?.nodes).toEqual([1, 2]); // from y to the last dup1
  });
});
