/**
 * The main graph's payload read straight from the bytes (from-wire.ts) against the one built from
 * the full decode and the IR (from-ir.ts), which the app sent before: on every real model of the
 * test set (CNN, transformer, detector, segmenter, recurrent with Loop/If bodies, FP16-stored,
 * quantized, dynamic axes) and on a model made of the odd cases (duplicate and undefined names,
 * unnamed and custom-domain nodes, Constants, sparse initializers, nested bodies, non-ASCII names),
 * every field is the same, subgraph ids included. Files the scan cannot take fail as they should.
 */
import { describe, expect, it } from 'vitest';
import type { GraphPayload } from '../../../electron/shared/api/graph-payload';
import { graphPayloadFromIR } from '../../../electron/core/graph/from-ir';
import { encodedNames, graphPayloadFromScan, graphPayloadFromWire } from '../../../electron/core/graph/from-wire';
import { decodeGraphPayload, encodeGraphPayload } from '../../../electron/shared/api/graph-codec';
import { decodeModel } from '../../../electron/core/onnx/decode';
import { encodeModel } from '../../../electron/core/onnx/encode';
import { scanArrivingGraph, ScanUnsupported, type GraphScan } from '../../../electron/core/onnx/graph-scan';
import { buildIR } from '../../../electron/core/onnx/ir';
import { ModelLimitError } from '../../../electron/core/onnx/limits';
import type { GraphProto, ModelProto } from '../../../electron/core/onnx/model';
import { WireError } from '../../../electron/core/onnx/wire';
import { cnn } from '../../builders/cnn';
import { detectorTail } from '../../builders/detector';
import { DT, GraphBuilder, model, tensor, valueInfo } from '../../builders/graph';
import { qoperatorQuantized } from '../../builders/quantized';
import { transformer } from '../../builders/transformer';
import { realAndZooModels } from '../onnx/real-models';

/** A body: y = x + c, with an optional nested body inside (an If of two branches). */
function body(name: string, nested: number): GraphProto {
  const g = new GraphBuilder(name);
  g.input(`${name}_in`, DT.float32, [1]);
  const c = g.init(`${name}_c`, DT.float32, [1], [1]);
  // reads `outer` from the enclosing graph
  let y = g.node('Add', [`${name}_in`, 'outer'], { name: `/${name}/Add` });
  if (nested > 0)
    y = g.node('If', [c], {
      name: `/${name}/If`,
      attrs: { then_branch: body(`${name}_t`, nested - 1), else_branch: body(`${name}_e`, 0) },
    });
  g.node('Identity', [y, c], { name: `/${name}/Out`, outputs: [`${name}_out`] });
  g.output(`${name}_out`, DT.float32, [1]);
  return g.graph();
}

/** Every odd case the IR has a rule for, in one main graph. */
function oddities(): ModelProto {
  const g = new GraphBuilder();
  g.input('x', DT.float32, [1, 'N']);
  g.input('x', DT.float32, [1, 4]); // the same input twice: the later type wins
  g.input('w', DT.float32, [4]); // also an initializer: not an input of the view
  g.input('', DT.float32, [1]); // unnamed: not shown
  g.input('вход', DT.float32, [2]);
  g.init('w', DT.float32, [4], [1, 2, 3, 4]);
  g.init('b', DT.float32, [2], [1, 2]);
  g.init('b', DT.float32, [1, 2], [3, 4]); // repeated: the last counts
  g.init('sp', DT.float32, [3], [1, 2, 3]); // dense and sparse: neither initializer nor typed
  const outer = g.node('Relu', ['x'], { name: '/blk/Relu', outputs: ['outer'] });
  g.node('Mul', [outer, outer], { name: '/blk/Mul', outputs: ['sq'] }); // x * x: one edge
  g.node('Add', ['sq', '', 'ghost'], { name: '', outputs: ['dup'] }); // unnamed, omitted and undefined inputs
  g.node('Sub', ['dup', 'w'], { name: '/blk/inner/Sub', outputs: ['dup'] }); // a second producer of dup
  g.node('FusedGemm', ['dup', 'b'], { name: '/ms/Gemm', domain: 'com.microsoft', outputs: ['gemm'] });
  g.node('FusedGemm', ['gemm', 'вход'], { name: '/ms/Gemm2', domain: 'ai.onnx', outputs: ['gemm2'] });
  g.node('Constant', [], { name: '/c/k', attrs: { value: tensor('k', DT.int64, [2], [1n, 2n]) }, outputs: ['kc'] });
  g.node('Constant', [], { name: '/c/none', attrs: { value: tensor('k2', DT.float32, [3], [1, 2, 3]) }, outputs: [] });
  g.node('Constant', [], { name: '/c/v', attrs: { value_float: { float: 1 } }, outputs: ['typed_elsewhere'] });
  g.node('Reshape', ['gemm2', 'kc'], { name: '/c/Reshape', outputs: ['r'] });
  g.node('Loop', ['', 'kc'], { name: '/loop/Loop', attrs: { body: body('loop', 2) }, outputs: ['l'] });
  g.node('Scan', ['r'], { name: '/scan/Scan', attrs: { branches: [body('s1', 1), body('s2', 0)] }, outputs: ['s'] });
  g.node('Identity', ['sp', 's'], { name: 'Identity_last', outputs: ['y'] });
  g.output('y', DT.float32, [1, 'N']);
  g.output('orphan', DT.float16, null); // produced by nobody
  g.output('', DT.float32, [1]);
  const graph = g.graph();
  graph.sparseInitializer.push({
    values: tensor('sp', DT.float32, [1], [5]),
    indices: tensor('sp_i', DT.int64, [1], [0n]),
    dims: [3],
  });
  graph.valueInfo.push(
    valueInfo('sq', DT.float32, [1, 'N']),
    valueInfo('sq', DT.float16, [9]), // a second declaration: the first counts
    valueInfo('ghost', DT.float32, [7]), // read, never defined: not declared by value_info
    valueInfo('orphan', DT.float32, [5]), // a graph output nobody makes: declared by the output only
    valueInfo('typed_elsewhere', DT.bool, []),
    { name: 'kc', type: undefined, docString: '' },
  );
  return model(graph);
}

/**
 * Tensor names that are not ASCII, one of them not even valid UTF-8 (a byte of "é" replaced after
 * encoding): the page must read back what the names' strings say, not the file's raw bytes.
 */
function unicodeNames(): Uint8Array {
  const g = new GraphBuilder();
  g.input('входной_тензор', DT.float32, [1, 4]);
  const a = g.node('Relu', ['входной_тензор'], { name: '/层/Relu', outputs: ['層の出力🙂'] });
  g.node('Neg', [a], { name: '/层/Neg', outputs: ['badé'] });
  g.output('badé', DT.float32, [1, 4]);
  const bytes = encodeModel(model(g.graph()));
  const bad = new TextEncoder().encode('badé');
  for (let i = 0; i + bad.length <= bytes.length; i++)
    if (bad.every((b, j) => bytes[i + j] === b)) bytes[i + bad.length - 1] = 0x28; // C3 A9 -> C3 28
  return bytes;
}

/**
 * Node names whose scopes are odd (a '/' first, last or doubled, a scope over 1,024 bytes, the same
 * scope met again after others, a scope of the same length as the one before, names that are not
 * ASCII or not valid UTF-8, unnamed nodes): the groups must be those the IR's strings give.
 */
function oddNodeNames(): Uint8Array {
  const g = new GraphBuilder();
  g.input('x', DT.float32, [1]);
  const long = `/${'very_long_scope_'.repeat(70)}`;
  const names = [
    '/a/b/Relu',
    '/a/b/Neg',
    '/x/y/Relu',
    '/c/Relu',
    '/a/b/Abs',
    '/Relu',
    'Relu/',
    'a//b',
    '//',
    '/',
    '',
    `${long}/Neg`,
    `${long}/Abs`,
    '/é/Relu',
    '/badé/Relu',
    '/a/b/c/d/Relu',
    'no_slash',
    '/a/Relu',
    '/a/b/Exp',
  ];
  let y = 'x';
  names.forEach((name, i) => {
    y = g.node('Relu', [y], { name, outputs: [`t${i}`] });
  });
  g.output(y, DT.float32, [1]);
  const bytes = encodeModel(model(g.graph()));
  // the é of "/badé/Relu" made invalid UTF-8 (C3 A9 -> C3 28)
  const bad = new TextEncoder().encode('/badé/');
  for (let i = 0; i + bad.length <= bytes.length; i++)
    if (bad.every((b, j) => bytes[i + j] === b)) bytes[i + bad.length - 2] = 0x28;
  return bytes;
}

const models: { name: string; bytes: Uint8Array }[] = [
  ...realAndZooModels(),
  { name: 'transformer (20 layers)', bytes: encodeModel(transformer(20)) },
  { name: 'cnn', bytes: encodeModel(cnn([8, 16], 4, 16)) },
  { name: 'detector tail', bytes: encodeModel(detectorTail()) },
  { name: 'QOperator quantized', bytes: encodeModel(qoperatorQuantized().model) },
  { name: 'odd cases', bytes: encodeModel(oddities()) },
  { name: 'non-ASCII and invalid UTF-8 tensor names', bytes: unicodeNames() },
  { name: 'odd node names and scopes', bytes: oddNodeNames() },
];

/** Plain arrays, so a difference prints as one. */
function comparable(p: GraphPayload): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(p)) out[k] = ArrayBuffer.isView(v) ? Array.from(v as Int32Array) : v;
  return out;
}

const fromIR = (bytes: Uint8Array) => graphPayloadFromIR(buildIR(decodeModel(bytes)), 0);

/**
 * The scan of `bytes` as if they arrived in pieces (a browser-mode upload read while it is
 * written): a buffer of the full size whose bytes past the ones "arrived" are garbage, fed
 * piece by piece of a pseudo-random size; the number of steps that found the scan unfinished.
 */
function scanInPieces(bytes: Uint8Array, seed: number, maxPiece: number): { scan: GraphScan; unfinished: number } {
  const buf = new Uint8Array(bytes.length).fill(0xff);
  const scanner = scanArrivingGraph(buf);
  let rand = seed;
  let available = 0;
  let unfinished = 0;
  for (;;) {
    rand = (Math.imul(rand, 1103515245) + 12345) >>> 0;
    const next = Math.min(bytes.length, available + 1 + (rand % maxPiece));
    buf.set(bytes.subarray(available, next), available);
    available = next;
    const scan = scanner.more(available);
    if (scan) return { scan, unfinished };
    unfinished++;
    if (available === bytes.length) throw new Error('the scan did not finish with every byte there');
  }
}

describe('graph payload straight from the bytes', () => {
  it.each(models)('$name: the payload the IR makes, field for field', ({ bytes }) => {
    const wire = graphPayloadFromWire(bytes);
    expect(wire.nodeName.length).toBeGreaterThan(0);
    expect(comparable(wire)).toEqual(comparable(fromIR(bytes)));
  });

  it.each(models)('$name: tensor names sent as the file bytes encode as their strings would', ({ bytes }) => {
    const wire = graphPayloadFromWire(bytes);
    const fromBytes = encodeGraphPayload(wire, encodedNames(wire));
    // encoding from the bytes made no string of them
    expect(Object.getOwnPropertyDescriptor(wire, 'tensorName')?.get).toBeDefined();
    expect(fromBytes).toEqual(encodeGraphPayload({ ...wire }));
    expect(comparable(decodeGraphPayload(fromBytes))).toEqual(
      comparable(decodeGraphPayload(encodeGraphPayload(fromIR(bytes)))),
    );
  });

  it('weights of one type and shape share one type object (the encoder then makes no key of each)', () => {
    const wire = graphPayloadFromWire(encodeModel(transformer(20)));
    const types = wire.tensorType.filter((t, i) => t !== null && wire.tensorKind?.[i] === 2); // initializers
    const distinct = new Set(types.map((t) => JSON.stringify(t)));
    expect(types.length).toBeGreaterThan(300);
    expect(new Set(types).size).toBe(distinct.size);
  });

  it.each(models)('$name: read in pieces as they arrive, the same payload as read whole', ({ bytes }) => {
    const whole = comparable(graphPayloadFromWire(bytes));
    for (const [seed, maxPiece] of [
      [1, 7],
      [2, 300],
      [3, 64 * 1024],
    ] as const) {
      const { scan, unfinished } = scanInPieces(bytes, seed, maxPiece);
      // it really did go piece by piece (with pieces smaller than the file)
      if (bytes.length > maxPiece) expect(unfinished).toBeGreaterThan(0);
      expect(comparable(graphPayloadFromScan(scan))).toEqual(whole);
    }
  });

  it('a file that fails its scan fails it read in pieces, as soon as the bad bytes are there', () => {
    const bytes = encodeModel(transformer(2));
    // cut short: every byte there, and the scan still waits for the rest of the graph
    const cut = bytes.subarray(0, bytes.length - 10);
    const scanner = scanArrivingGraph(cut);
    expect(() => scanner.more(cut.length)).toThrow(WireError);
    // garbage at the start fails before the rest has come
    const garbage = Uint8Array.from({ length: 4096 }, (_, i) => (i * 37) & 0xff);
    expect(() => scanArrivingGraph(garbage).more(64)).toThrow(WireError);
    // a repeated graph field (protobuf would merge the two) is left to the full decode
    const twice = new Uint8Array([...bytes, ...bytes.subarray(bytes.indexOf(0x3a))]);
    expect(() => scanInPieces(twice, 5, 1000)).toThrow(ScanUnsupported);
  });

  it('the odd cases are there to be compared (the test model holds what it says)', () => {
    const p = graphPayloadFromWire(encodeModel(oddities()));
    const type = (name: string) => p.tensorType[p.tensorName.indexOf(name)];
    expect(p.subgraphs).toEqual([
      { node: 10, attribute: 'body', graph: 1 },
      // the Loop's body holds an If (two branches), whose then-branch holds another: 1 + 4 graphs
      { node: 11, attribute: 'branches', graph: 6 },
    ]);
    expect(p.nodeName[2]).toBe('Add_2');
    expect(p.ops).toContain('com.microsoft:FusedGemm');
    expect(type('x')).toEqual({ dtype: 'float32', dims: [1, 4] });
    expect(type('b')).toEqual({ dtype: 'float32', dims: [1, 2] });
    expect(type('sp')).toBeNull();
    expect(type('sq')).toEqual({ dtype: 'float32', dims: [1, 'N'] });
    expect(type('ghost')).toBeNull();
    expect(type('kc')).toEqual({ dtype: 'int64', dims: [2] });
    expect(type('typed_elsewhere')).toEqual({ dtype: 'bool', dims: [] });
    expect(p.tensorKind?.[p.tensorName.indexOf('w')]).toBe(2);
    expect(p.notes).toHaveLength(2);
  });

  it('a Constant without outputs gives its type to nothing (not to the next node)', () => {
    const g = new GraphBuilder();
    g.input('x', DT.float32, [1]);
    g.node('Constant', [], { name: 'c', attrs: { value: tensor('k', DT.int64, [2], [1n, 2n]) }, outputs: [] });
    g.node('Relu', ['x'], { name: 'r', outputs: ['y'] });
    g.output('y', DT.float32, null);
    const bytes = encodeModel(model(g.graph()));
    for (const p of [graphPayloadFromWire(bytes), fromIR(bytes)])
      expect(p.tensorType[p.tensorName.indexOf('y')]).toEqual({ dtype: 'float32', dims: null });
  });

  it('refuses what it cannot read: cut short, garbage, no graph, a name it cannot intern, over the limits', () => {
    const bytes = encodeModel(transformer(2));
    expect(() => graphPayloadFromWire(bytes.subarray(0, bytes.length - 10))).toThrow(WireError);
    expect(() => graphPayloadFromWire(Uint8Array.from({ length: 64 }, (_, i) => (i * 37) & 0xff))).toThrow(WireError);
    const empty = encodeModel({ ...model(new GraphBuilder().graph()), graph: undefined });
    expect(() => graphPayloadFromWire(empty)).toThrow(ScanUnsupported);
    const g = new GraphBuilder();
    g.input('x'.repeat(2000), DT.float32, [1]);
    g.node('Relu', ['x'.repeat(2000)]);
    expect(() => graphPayloadFromWire(encodeModel(model(g.graph())))).toThrow(ScanUnsupported);
    expect(() => graphPayloadFromWire(bytes, { messages: 50 })).toThrow(ModelLimitError);
    expect(() => graphPayloadFromWire(encodeModel(oddities()), { repeatedValues: 10 })).toThrow(ModelLimitError);
  });
});
