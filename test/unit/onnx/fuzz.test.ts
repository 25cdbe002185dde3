/**
 * Fuzzing the reader, IR, shapes and statistics (everything `model.open` runs): seeded, 10,000+
 * cases per run. Every case must end in a model or a KilnError naming the file, within 1 s, and
 * memory must stay bounded. Byte-level damage (bit flips, truncation, corrupted lengths, wrong wire
 * types, spliced ranges) and model-level damage (cycles, dangling and duplicate names, giant dims,
 * 1,000 nested subgraphs, external data that escapes the folder). Structure-aware cases (issue 20)
 * rewrite exactly one number of a valid file, keeping every other length right: a length made
 * negative, past the end, over-long or zero-padded; a varint made negative, beyond 2^53,
 * overflowing 64 bits or 11 bytes long; packed fields with huge counts; huge repeated fields; and
 * external data that is not a regular file (FIFO, folder, link loop, device) or lies past its end.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KilnError } from '../../../electron/shared/api/errors';
import { analyzeModelBytes, type ModelAnalysis } from '../../../electron/core/onnx/analyze';
import { encodeModel } from '../../../electron/core/onnx/encode';
import type { GraphProto, ModelProto, TensorProto } from '../../../electron/core/onnx/model';
import { forEachTensor } from '../../../electron/core/onnx/open';
import { tensorStats, tensorValues } from '../../../electron/core/onnx/values';
import { DT, GraphBuilder, model, randomFloats, seeded } from '../../builders/graph';
import {
  allFields,
  paddedVarint,
  parseWire,
  varintBytes,
  writeWire,
  type VarintRewrite,
} from '../../builders/wire-tree';
import { REAL_MODELS } from './real-models';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-fuzz-'));
const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-fuzz-outside-'));
fs.writeFileSync(path.join(outside, 'secret.bin'), Buffer.alloc(4096, 7));
fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.alloc(4096, 1));
fs.symlinkSync(path.join(outside, 'secret.bin'), path.join(dir, 'link.bin'));
// External data that is not a regular file: a folder, a link to itself, and (where they can be made) a FIFO and a device.
fs.mkdirSync(path.join(dir, 'folder.bin'));
fs.symlinkSync('loop.bin', path.join(dir, 'loop.bin'));
for (const [cmd, args] of [
  ['mkfifo', [path.join(dir, 'pipe.bin')]],
  ['mknod', [path.join(dir, 'zero.bin'), 'c', '1', '5']],
] as const) {
  try {
    if (process.platform !== 'win32') execFileSync(cmd, args, { stdio: 'ignore' });
  } catch {
    // Not everywhere (mknod needs root): those locations then read as missing files.
  }
}
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(outside, { recursive: true, force: true });
});

/** A CNN-ish block with an If whose branches hold a Loop: every nesting kind in a few nodes. */
function baseModel(): ModelProto {
  const rand = seeded(11);
  const thenB = new GraphBuilder('then');
  thenB.node('Identity', ['h'], { outputs: ['t_out'] });
  thenB.output('t_out', DT.float32, ['N', 8, 4, 4]);
  const elseB = new GraphBuilder('else');
  elseB.node('Relu', ['h'], { outputs: ['e_out'] });
  elseB.output('e_out', DT.float32, ['N', 8, 4, 4]);

  const b = new GraphBuilder('fuzz_base');
  const x = b.input('x', DT.float32, ['N', 3, 8, 8]);
  const w = b.init('conv.w', DT.float32, [8, 3, 3, 3], randomFloats(rand, 216));
  const c = b.node('Conv', [x, w], {
    name: '/stem/Conv',
    attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [2, 2] },
  });
  const h = b.node('Relu', [c], { name: '/stem/Relu', outputs: ['h'] });
  const s = b.node('ReduceSum', [h], { name: '/gate/ReduceSum', attrs: { keepdims: 0 } });
  const cond = b.node('Greater', [s, b.init('zero', DT.float32, [], [0])], { name: '/gate/Greater' });
  const y = b.node('If', [cond], {
    name: '/gate/If',
    attrs: { then_branch: thenB.graph(), else_branch: elseB.graph() },
  });
  const shape = b.init('shape', DT.int64, [2], [0, -1]);
  const r = b.node('Reshape', [y, shape], { name: '/head/Reshape' });
  const fc = b.init('fc.w', DT.float32, [128, 4], randomFloats(rand, 512));
  b.node('MatMul', [r, fc], { name: '/head/MatMul', outputs: ['logits'] });
  b.output('logits', DT.float32, ['N', 4]);
  return model(b.graph(), { opset: 17 });
}

type Mutation = (buf: Uint8Array, rand: () => number) => Uint8Array;
const pick = (rand: () => number, n: number) => Math.floor(rand() * n);

const byteMutations: Record<string, Mutation> = {
  bitflips(buf, rand) {
    const out = buf.slice();
    for (let k = 1 + pick(rand, 8); k > 0; k--) out[pick(rand, out.length)]! ^= 1 << pick(rand, 8);
    return out;
  },
  truncate(buf, rand) {
    return buf.slice(0, pick(rand, buf.length));
  },
  // A length or tag byte set to a huge or continued varint: lengths past the end, 10-byte varints.
  varint(buf, rand) {
    const out = buf.slice();
    const at = pick(rand, out.length - 1);
    out[at] = [0xff, 0x80, 0x7f, 0x00][pick(rand, 4)]!;
    if (rand() < 0.5) out[at + 1] = 0xff;
    return out;
  },
  // The low three bits of a byte are a tag's wire type when that byte starts a field.
  wiretype(buf, rand) {
    const out = buf.slice();
    const at = pick(rand, out.length);
    out[at] = (out[at]! & ~7) | pick(rand, 8);
    return out;
  },
  splice(buf, rand) {
    const a = pick(rand, buf.length);
    const len = pick(rand, Math.min(256, buf.length - a));
    const to = pick(rand, buf.length);
    return new Uint8Array([...buf.subarray(0, to), ...buf.subarray(a, a + len), ...buf.subarray(to)]);
  },
  garbage(buf, rand) {
    const out = buf.slice();
    const at = pick(rand, out.length);
    for (let i = at; i < Math.min(out.length, at + 1 + pick(rand, 32)); i++) out[i] = pick(rand, 256);
    return out;
  },
};

function mainGraph(m: ModelProto): GraphProto {
  return m.graph as GraphProto;
}

const modelMutations: Record<string, (m: ModelProto, rand: () => number) => void> = {
  cycle(m, rand) {
    const nodes = mainGraph(m).node;
    const a = nodes[pick(rand, nodes.length)]!;
    const b = nodes[pick(rand, nodes.length)]!;
    a.input[0] = b.output[0] ?? 'x';
  },
  dangling(m, rand) {
    const nodes = mainGraph(m).node;
    nodes[pick(rand, nodes.length)]!.input[0] = `missing_${pick(rand, 1000)}`;
  },
  duplicate(m, rand) {
    const nodes = mainGraph(m).node;
    const a = nodes[pick(rand, nodes.length)]!;
    a.output[0] = nodes[pick(rand, nodes.length)]!.output[0] ?? 'h';
    if (rand() < 0.5) mainGraph(m).initializer.push({ ...mainGraph(m).initializer[0]! });
  },
  giantDims(m, rand) {
    const g = mainGraph(m);
    const t = g.initializer[pick(rand, g.initializer.length)]!;
    const giant = [2 ** 53, 2 ** 40, 2 ** 31, -1, -(2 ** 40), 0];
    t.dims = t.dims.map(() => giant[pick(rand, giant.length)]!);
    const input = g.input[0]!.type;
    if (input?.kind === 'tensor' && input.shape)
      input.shape[pick(rand, input.shape.length)] = {
        value: giant[pick(rand, giant.length)]!,
        param: '',
        denotation: '',
      };
  },
  attributes(m, rand) {
    const g = mainGraph(m);
    const n = g.node[pick(rand, g.node.length)]!;
    for (const a of n.attribute) {
      if (a.ints) a.ints = a.ints.map(() => [-(2 ** 40), -1, 0, 2 ** 40][pick(rand, 4)]!);
      if (a.i !== undefined) a.i = [-(2 ** 40), -1, 0, 2 ** 40][pick(rand, 4)]!;
    }
    if (rand() < 0.3) n.attribute = [];
  },
  escape(m, rand) {
    const t = mainGraph(m).initializer[0] as TensorProto;
    const location = ['../secret.bin', '/etc/passwd', 'link.bin', 'a/../../x.bin', 'weights.bin', 'nope.bin', ''][
      pick(rand, 7)
    ]!;
    const offset = [0, 4000, 2 ** 40, -5][pick(rand, 4)]!;
    t.data = { kind: 'external', location, path: '', offset: 0, length: null };
    t.externalData = [
      { key: 'location', value: location },
      { key: 'offset', value: String(offset) },
      { key: 'length', value: String([864, 10 ** 12, -1][pick(rand, 3)]) },
    ];
  },
};

/** Protobuf by hand for the nesting case: Kiln's encoder recurses, and 1,000 levels is the point. */
function varint(n: number): number[] {
  const out: number[] = [];
  for (; n >= 128; n = Math.floor(n / 128)) out.push((n % 128) | 128);
  out.push(n);
  return out;
}
const field = (num: number, body: ArrayLike<number>): number[] => [
  ...varint(num * 8 + 2),
  ...varint(body.length),
  ...Array.from(body),
];
const str = (num: number, v: string) => field(num, Buffer.from(v));
const int = (num: number, v: number) => [...varint(num * 8), ...varint(v)];

/** `depth` nested If nodes, each then_branch holding the next level. */
function nestedModel(depth: number): Uint8Array {
  const out = [...str(1, 'o')]; // ValueInfoProto{name}
  let graph = [
    ...field(1, [...str(1, 'x'), ...str(2, 'o'), ...str(4, 'Identity')]),
    ...str(2, 'leaf'),
    ...field(12, out),
  ];
  for (let d = 0; d < depth; d++) {
    const attr = [...str(1, 'then_branch'), ...field(6, graph), ...int(20, 5)];
    const node = [...str(1, 'c'), ...str(2, 'o'), ...str(4, 'If'), ...field(5, attr)];
    graph = [...field(1, node), ...str(2, `level_${d}`), ...field(12, out)];
  }
  return Uint8Array.from([...int(1, 8), ...field(7, graph), ...field(8, int(2, 17))]);
}

interface Outcome {
  ok: number;
  errors: Map<string, number>;
  worstMs: number;
}

/** Runs one case: a model, or a KilnError naming the file; anything else fails the test. */
function runCase(bytes: Uint8Array, name: string, out: Outcome): ModelAnalysis | null {
  const t = performance.now();
  let opened: ModelAnalysis | null = null;
  try {
    opened = analyzeModelBytes(bytes, path.join(dir, 'model.onnx'), name);
    out.ok++;
  } catch (e) {
    if (!(e instanceof KilnError)) throw new Error(`${name}: not a KilnError: ${(e as Error)?.stack ?? String(e)}`);
    if (!(e.message.includes(name) || e.file === name))
      throw new Error(`${name}: error does not name the file: ${e.message}`);
    out.errors.set(e.code, (out.errors.get(e.code) ?? 0) + 1);
  }
  const ms = performance.now() - t;
  out.worstMs = Math.max(out.worstMs, ms);
  if (ms > 1000) throw new Error(`${name} took ${ms.toFixed(0)} ms`);
  return opened;
}

const fresh = (): Outcome => ({ ok: 0, errors: new Map(), worstMs: 0 });
const report = (what: string, o: Outcome) =>
  console.log(
    `${what}: ${o.ok} opened, errors ${JSON.stringify(Object.fromEntries(o.errors))}, worst ${o.worstMs.toFixed(1)} ms`,
  );

describe('fuzzing model.open (seeded)', () => {
  const base = encodeModel(baseModel());
  const rss0 = process.memoryUsage().rss;

  it('8,000 byte-level mutations of a generated model with subgraphs', () => {
    const rand = seeded(20261122);
    const names = Object.keys(byteMutations);
    const o = fresh();
    for (let i = 0; i < 8000; i++) {
      const kind = names[i % names.length]!;
      runCase(byteMutations[kind]!(base, rand), `fuzz-${kind}-${i}.onnx`, o);
    }
    report('byte mutations', o);
    expect(o.ok + [...o.errors.values()].reduce((a, b) => a + b, 0)).toBe(8000);
    // Both outcomes occur: the mutations neither always break nor never break the model.
    expect(o.ok).toBeGreaterThan(100);
    expect(o.errors.get('NOT_ONNX') ?? 0).toBeGreaterThan(100);
  });

  it('1,800 model-level mutations: cycles, dangling and duplicate names, giant dims, bad attributes, escaping external data', () => {
    const rand = seeded(7);
    const names = Object.keys(modelMutations);
    const o = fresh();
    for (let i = 0; i < 1800; i++) {
      const kind = names[i % names.length]!;
      const m = baseModel();
      modelMutations[kind]!(m, rand);
      if (rand() < 0.3) modelMutations[names[pick(rand, names.length)]!]!(m, rand);
      runCase(encodeModel(m), `fuzz-${kind}-${i}.onnx`, o);
    }
    report('model mutations', o);
    expect(o.errors.get('UNSAFE_PATH') ?? 0).toBeGreaterThan(50);
  });

  // 400 cases from one seeded stream, in quarters: each stays well inside the per-test timeout on a loaded machine.
  const realRand = seeded(3);
  const realOutcome = fresh();
  let real: Uint8Array[] = [];
  for (const from of [0, 100, 200, 300]) {
    it(`400 byte-level mutations of real models: ${from + 1} to ${from + 100}`, () => {
      const names = Object.keys(byteMutations);
      if (real.length === 0)
        real = REAL_MODELS.filter((m) => fs.statSync(m.path).size < 2_000_000).map(
          (m) => new Uint8Array(fs.readFileSync(m.path)),
        );
      for (let i = from; i < from + 100; i++) {
        const kind = names[i % names.length]!;
        runCase(byteMutations[kind]!(real[i % real.length]!, realRand), `fuzz-real-${kind}-${i}.onnx`, realOutcome);
      }
      if (from === 300) report('real-model mutations', realOutcome);
    });
  }

  it('1,000 nested subgraphs are refused by name; 200 open', () => {
    const o = fresh();
    expect(() => runCase(nestedModel(1000), 'deep.onnx', o)).not.toThrow();
    expect(o.errors.get('UNSUPPORTED')).toBe(1);
    runCase(nestedModel(200), 'deep200.onnx', o);
    expect(o.ok).toBe(1);
  });

  // ---- structure-aware cases (issue 20) ----------------------------------------------------------

  const tree = parseWire(base)!;
  const lengths = allFields(tree).filter((f) => f.field.kind === 'len');
  const varints = allFields(tree).filter((f) => f.field.kind === 'varint');

  /** Ways a length prefix or a varint lies; `valid` ones are legal protobuf for the same number. */
  const rewrites: { name: string; valid?: boolean; make: (rand: () => number) => VarintRewrite }[] = [
    { name: 'negative', make: (rand) => () => varintBytes(-BigInt(1 + pick(rand, 64))) },
    { name: 'int32-min', make: () => () => varintBytes(-(2n ** 31n)) },
    { name: 'int64-min', make: () => () => varintBytes(-(2n ** 63n)) },
    { name: 'past-end', make: (rand) => (v) => varintBytes(v + BigInt(1 + pick(rand, 8))) },
    {
      name: 'short',
      make: (rand) => (v) => varintBytes(v > 0n ? v - BigInt(1 + pick(rand, Number(v > 8n ? 8n : v))) : v),
    },
    {
      name: 'huge',
      make: (rand) => () =>
        varintBytes([2n ** 31n, 2n ** 32n, 2n ** 40n, 2n ** 53n + 1n, 2n ** 63n - 1n][pick(rand, 5)]!),
    },
    { name: 'overlong', make: () => (v) => paddedVarint(v, 11) },
    { name: 'overflow', make: () => (v) => Uint8Array.from([...paddedVarint(v, 10).subarray(0, 9), 0x7f]) },
    { name: 'padded', valid: true, make: (rand) => (v) => paddedVarint(v, 6 + pick(rand, 5)) },
  ];

  it('1,500 length prefixes rewritten: negative, past the end, short, huge, over-long, overflowing, zero-padded', () => {
    const rand = seeded(2020);
    const o = fresh();
    let padded = 0;
    for (let i = 0; i < 1500; i++) {
      const target = lengths[pick(rand, lengths.length)]!;
      const how = rewrites[i % rewrites.length]!;
      const opened = runCase(writeWire(tree, target.path, how.make(rand)), `fuzz-length-${how.name}-${i}.onnx`, o);
      // A zero-padded length is legal protobuf for the same length: the file must still open.
      if (how.valid) {
        expect(opened, `padded length ${i}`).not.toBeNull();
        padded++;
      }
    }
    report('length rewrites', o);
    expect(padded).toBeGreaterThan(100);
    expect(o.errors.get('NOT_ONNX') ?? 0).toBeGreaterThan(700);
  });

  it('500 varints rewritten: negative, beyond 2^53, overflowing 64 bits, 11 bytes, zero-padded', () => {
    const rand = seeded(2021);
    const o = fresh();
    for (let i = 0; i < 500; i++) {
      const target = varints[pick(rand, varints.length)]!;
      const how = rewrites[i % rewrites.length]!;
      runCase(writeWire(tree, target.path, how.make(rand)), `fuzz-varint-${how.name}-${i}.onnx`, o);
    }
    report('varint rewrites', o);
    expect(o.errors.get('NOT_ONNX') ?? 0).toBeGreaterThan(50);
  });

  /** Protobuf by hand over byte arrays (packed fields of megabytes). */
  const cat = (...parts: (Uint8Array | number[])[]) => Buffer.concat(parts.map((p) => Uint8Array.from(p)));
  const lenOf = (num: number, body: Uint8Array | number[]) =>
    cat(varintBytes(BigInt(num * 8 + 2)), varintBytes(BigInt(body.length)), body);
  const varOf = (num: number, v: number) => cat(varintBytes(BigInt(num * 8)), varintBytes(BigInt(v)));
  const txt = (num: number, v: string) => lenOf(num, Buffer.from(v));
  /** A model around a graph body, with one Identity x → y. */
  const wrap = (...graph: Uint8Array[]) =>
    cat(
      varOf(1, 8),
      lenOf(8, varOf(2, 17)),
      lenOf(
        7,
        cat(
          lenOf(1, cat(txt(1, 'x'), txt(2, 'y'), txt(4, 'Identity'))),
          txt(2, 'g'),
          lenOf(11, txt(1, 'x')),
          lenOf(12, txt(1, 'y')),
          ...graph,
        ),
      ),
    );
  /** `n` varints (zeros, ones or 2^40s), packed. */
  const packed = (n: number, rand: () => number) => {
    const one = [[0], [1], Array.from(varintBytes(2n ** 40n))][pick(rand, 3)]!;
    const out = new Uint8Array(n * one.length);
    for (let i = 0; i < out.length; i += one.length) out.set(one, i);
    return out;
  };
  const packedCases: Record<string, (n: number, rand: () => number) => Uint8Array> = {
    dims: (n, rand) => wrap(lenOf(5, cat(txt(8, 'w'), varOf(2, DT.float32), lenOf(1, packed(n, rand))))),
    sparseDims: (n, rand) => wrap(lenOf(15, lenOf(3, packed(n, rand)))),
    attributeInts: (n, rand) =>
      wrap(
        lenOf(
          1,
          cat(
            txt(2, 'z'),
            txt(4, 'Constant'),
            lenOf(5, cat(txt(1, 'value_ints'), varOf(20, 7), lenOf(8, packed(n, rand)))),
          ),
        ),
      ),
    attributeFloats: (n) =>
      wrap(
        lenOf(
          1,
          cat(
            txt(2, 'z'),
            txt(4, 'Constant'),
            lenOf(5, cat(txt(1, 'value_floats'), varOf(20, 6), lenOf(7, new Uint8Array(4 * n)))),
          ),
        ),
      ),
    int64Data: (n, rand) =>
      wrap(lenOf(5, cat(txt(8, 'w'), varOf(2, DT.int64), varOf(1, 1), lenOf(7, packed(n, rand))))),
    floatData: (n) =>
      wrap(lenOf(5, cat(txt(8, 'w'), varOf(2, DT.float32), varOf(1, 2), lenOf(4, new Uint8Array(4 * n))))),
    shapeDims: (n) => {
      const dims = new Uint8Array(4 * n);
      for (let i = 0; i < dims.length; i += 4) dims.set([0x0a, 2, 0x08, 1], i); // Dimension{dim_value: 1}
      return wrap(lenOf(13, cat(txt(1, 'v'), lenOf(2, lenOf(1, cat(varOf(1, DT.float32), lenOf(2, dims)))))));
    },
  };

  it('105 packed fields with huge counts: dims, sparse dims, attribute lists, typed data, shapes', () => {
    const rand = seeded(2022);
    const names = Object.keys(packedCases);
    const o = fresh();
    for (let i = 0; i < 105; i++) {
      const kind = names[i % names.length]!;
      const n = [1_025, 70_000, 300_000, 600_000][pick(rand, 4)]!;
      runCase(packedCases[kind]!(n, rand), `fuzz-packed-${kind}-${n}-${i}.onnx`, o);
    }
    report('packed fields', o);
    expect(o.errors.get('UNSUPPORTED') ?? 0).toBeGreaterThan(20);
  });

  /** `n` copies of `entry` (a whole field, tag included). */
  const repeat = (entry: number[], n: number) => {
    const out = new Uint8Array(entry.length * n);
    for (let i = 0; i < out.length; i += entry.length) out.set(entry, i);
    return out;
  };
  const repeatedCases: Record<string, (n: number) => Uint8Array> = {
    nodeInputs: (n) => wrap(lenOf(1, cat(txt(2, 'z'), txt(4, 'Sum'), repeat([0x0a, 1, 0x78], n)))),
    nodes: (n) => wrap(repeat([0x0a, 0], n)),
    valueInfos: (n) => wrap(repeat([0x6a, 0], n)),
    initializers: (n) => wrap(repeat([0x2a, 0], n)),
    opsets: (n) => cat(wrap(), repeat([0x42, 0], n)),
    unknownFields: (n) => wrap(repeat([0x18, 0], n)),
    attributeStrings: (n) =>
      wrap(
        lenOf(
          1,
          cat(
            txt(2, 'z'),
            txt(4, 'Constant'),
            lenOf(5, cat(txt(1, 'value_strings'), varOf(20, 8), repeat([0x4a, 0], n))),
          ),
        ),
      ),
    metadata: (n) => cat(wrap(), repeat([0x72, 0], n)),
  };

  it('40 huge repeated fields: node inputs, nodes, value infos, initializers, opsets, unknown fields, strings', () => {
    const names = Object.keys(repeatedCases);
    const o = fresh();
    for (let i = 0; i < 40; i++) {
      const kind = names[i % names.length]!;
      const n = [1_000, 3_000, 10_000, 20_000, 30_000][Math.floor(i / names.length)]!;
      runCase(repeatedCases[kind]!(n), `fuzz-repeated-${kind}-${n}-${i}.onnx`, o);
    }
    report('repeated fields', o);
  });

  it('300 external data cases: FIFO, folder, link loop, device, offsets and lengths past the end or not whole', () => {
    const rand = seeded(2023);
    const o = fresh();
    const locations = ['pipe.bin', 'folder.bin', 'loop.bin', 'zero.bin', 'weights.bin', 'nope.bin'];
    const numbers = ['0', '4000', '4096', '4097', '1e300', '-0', '1.5', '9007199254740993', '0x10', ' 12 ', '', 'NaN'];
    let read = 0;
    for (let i = 0; i < 300; i++) {
      const m = baseModel();
      const g = mainGraph(m);
      // The Reshape's shape (read by shape inference) or a weight.
      const which = rand() < 0.5 ? 'shape' : 'fc.w';
      const t = g.initializer.find((x) => x.name === which)!;
      const location = locations[i % locations.length]!;
      t.data = { kind: 'external', location, path: '', offset: 0, length: null };
      t.externalData = [
        { key: 'location', value: location },
        { key: 'offset', value: numbers[pick(rand, numbers.length)]! },
        ...(rand() < 0.7 ? [{ key: 'length', value: numbers[pick(rand, numbers.length)]! }] : []),
      ];
      const name = `fuzz-external-${location}-${i}.onnx`;
      const opened = runCase(encodeModel(m), name, o);
      // What opened must also read, or fail by name: values and statistics of every external tensor.
      if (!opened) continue;
      forEachTensor(opened.opened.model, (x) => {
        if (x.data.kind !== 'external') return;
        for (const readIt of [tensorValues, tensorStats]) {
          try {
            readIt(x, { path: opened.opened.path });
            read++;
          } catch (e) {
            if (!(e instanceof KilnError))
              throw new Error(`${name}: reading ${x.name}: ${(e as Error)?.stack ?? String(e)}`);
            expect(e.message, name).toContain(x.name);
            expect(e.message, name).not.toContain(dir);
          }
        }
      });
    }
    report('external data', o);
    expect(o.errors.get('NOT_ONNX') ?? 0).toBeGreaterThan(20);
    expect(o.errors.get('NOT_A_FILE') ?? 0).toBeGreaterThan(50);
    expect(read).toBeGreaterThan(0);
  });

  it('memory stays bounded over the run', () => {
    global.gc?.();
    const grownMB = (process.memoryUsage().rss - rss0) / 2 ** 20;
    console.log(`RSS grew ${grownMB.toFixed(0)} MB over the fuzz run`);
    expect(grownMB).toBeLessThan(600);
  });
});
