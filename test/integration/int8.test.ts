/**
 * INT8 by Q/DQ rewrite: the opset-13 conversion keeps a model's outputs, and the classifier
 * quantized in both flavours with every calibrator passes the reference onnx checker, runs on ONNX
 * Runtime and agrees with FP32 — far better than a model that ignores its input would (the mean
 * output over the samples: top-1 0.74 and cosine 0.974 on these inputs, which the old absolute
 * floors let pass); the placement follows each flavour's rules; the TensorRT calibration cache has
 * TensorRT's format. Prints FP32 vs Kiln INT8 latency (not asserted: npm run bench:precision
 * measures latency, against onnxruntime's own quantizer too).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KilnError } from '../../electron/shared/api/errors';
import { analyzeModel } from '../../electron/core/onnx/analyze';
import { encodeModel } from '../../electron/core/onnx/encode';
import type { GraphProto, NodeProto, TensorProto } from '../../electron/core/onnx/model';
import { openModelFile } from '../../electron/core/onnx/open';
import { tensorValues } from '../../electron/core/onnx/values';
import { writeModelFile } from '../../electron/core/onnx/write';
import type { InputData as CalibrationData } from '../../electron/core/inputs/feeds';
import { upgradeToOpset13 } from '../../electron/core/onnx/opset';
import { quantizeInt8 } from '../../electron/core/precision/int8/quantize';
import { ortWeightMax } from '../../electron/core/precision/int8/scales';
import type { Int8Options } from '../../electron/core/precision/int8/types';

/** ONNX Runtime's u8×s8 kernels keep full-range weights exact only with VNNI (or off x86). */
const VNNI = ortWeightMax() === 127;
import { DT, GraphBuilder, model } from '../builders/graph';
import { checker, cosine, hasOnnx, seededInput } from './helpers';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-int8-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const CLS = path.resolve(__dirname, '../../assets/sample/ch_ppocr_mobile_v2.0_cls_infer.onnx');
const SHAPE = [1, 3, 48, 192];
const CALIBRATION: CalibrationData = { kind: 'random', samples: 32, seed: 1, shapes: { x: SHAPE } };
const EVAL_SAMPLES = 50;

/**
 * Every output of `file` on each feed. `level` 'basic' keeps ONNX Runtime from fusing Q/DQ into its
 * int8 kernels, so a TensorRT-flavour model computes as its Q/DQ say (what TensorRT's kernels match
 * up to rounding), not as x86 u8×s8 kernels without VNNI do (which saturate: see ortWeightMax).
 */
async function outputsOf(
  file: string,
  feeds: Record<string, ort.Tensor>[],
  level: 'basic' | 'all' = 'all',
): Promise<Float32Array[][]> {
  const session = await ort.InferenceSession.create(file, { logSeverityLevel: 3, graphOptimizationLevel: level });
  try {
    const all: Float32Array[][] = [];
    for (const f of feeds) {
      const out = await session.run(f);
      all.push(session.outputNames.map((n) => Float32Array.from(out[n]!.data as Float32Array)));
    }
    return all;
  } finally {
    await session.release();
  }
}

const argmax = (v: Float32Array) => v.reduce((best, x, i) => (x > v[best]! ? i : best), 0);

interface Agreement {
  top1: number;
  cosine: number;
  minCosine: number;
}

function agreement(ref: Float32Array[][], got: Float32Array[][]): Agreement {
  let same = 0;
  let minCosine = 1;
  const flatRef: number[] = [];
  const flatGot: number[] = [];
  ref.forEach((r, i) => {
    const a = r[0]!;
    const b = got[i]![0]!;
    if (argmax(a) === argmax(b)) same++;
    minCosine = Math.min(minCosine, cosine(a, b));
    flatRef.push(...a);
    flatGot.push(...b);
  });
  return { top1: same / ref.length, cosine: cosine(flatRef, flatGot), minCosine };
}

const attrInt = (n: NodeProto, name: string) => n.attribute.find((a) => a.name === name)?.i;

describe('opset 13 conversion', () => {
  it('rewrites the nodes whose schema changed since opset 9 and keeps every output', async () => {
    const b = new GraphBuilder('old');
    const x = b.input('x', DT.float32, [2, 3, 4, 4]);
    const c = b.node('Clip', [x], { name: 'clip', attrs: { min: { float: -0.5 }, max: { float: 0.5 } } });
    const s = b.node('Slice', [c], { name: 'slice', attrs: { starts: [1], ends: [3], axes: [2] } });
    const p = b.node('Pad', [s], { name: 'pad', attrs: { pads: [0, 0, 1, 1, 0, 0, 1, 1], value: { float: 0.25 } } });
    const scales = b.init('scales', DT.float32, [4], [1, 1, 2, 2]);
    const u = b.node('Upsample', [p, scales], { name: 'upsample', attrs: { mode: 'nearest' } });
    const r = b.node('ReduceSum', [u], { name: 'reducesum', attrs: { axes: [3], keepdims: 1 } });
    const q = b.node('Squeeze', [r], { name: 'squeeze', attrs: { axes: [3] } });
    b.node('Softmax', [q], { name: 'softmax', attrs: { axis: 1 }, outputs: ['sm'] });
    b.node('LogSoftmax', [q], { name: 'logsoftmax', attrs: { axis: 2 }, outputs: ['ls'] });
    const un = b.node('Unsqueeze', ['sm'], { name: 'unsqueeze', attrs: { axes: [0] } });
    b.node('Split', [un], { name: 'split', attrs: { axis: 3, split: [3, 5] }, outputs: ['sp0', 'sp1'] });
    b.node('TopK', ['sp1'], { name: 'topk', attrs: { k: 2, axis: -1 }, outputs: ['tv', 'ti'] });
    b.node('Dropout', ['ls'], { name: 'dropout', attrs: { ratio: { float: 0.3 } }, outputs: ['d'] });
    b.output('sp0', DT.float32, [1, 2, 3, 3]);
    b.output('tv', DT.float32, [1, 2, 3, 2]);
    b.output('sm', DT.float32, [2, 3, 8]);
    b.output('d', DT.float32, [2, 3, 8]);
    const file = path.join(tmp, 'opset9.onnx');
    fs.writeFileSync(file, encodeModel(model(b.graph(), { opset: 9, irVersion: 4 })));

    const a = await analyzeModel(file);
    const r13 = upgradeToOpset13(a);
    expect(r13.from).toBe(9);
    expect(r13.to).toBe(13);
    const changes = Object.fromEntries(r13.converted.map((c) => [c.node, c.change]));
    expect(changes).toMatchObject({
      clip: 'min/max attributes → inputs',
      slice: 'starts/ends/axes attributes → inputs',
      pad: 'pads/value attributes → inputs',
      reducesum: 'axes attribute → input',
      squeeze: 'axes attribute → input',
      unsqueeze: 'axes attribute → input',
      split: 'split attribute → input',
      topk: 'k attribute → input',
    });
    expect(changes.upsample).toMatch(/Upsample → Resize-13/);
    expect(changes.softmax).toMatch(/Flatten → Softmax → Reshape/); // axis 1 of rank 3: coerced to 2-D
    expect(changes.logsoftmax).toMatch(/last axis/);
    const out13 = path.join(tmp, 'opset13.onnx');
    writeModelFile(a.opened.model, out13, { source: a.opened.bytes });
    if (hasOnnx) expect(checker(out13)).toBe('ok');
    const feeds = [0, 1].map((k) => ({ x: new ort.Tensor('float32', seededInput([2, 3, 4, 4], 5 + k), [2, 3, 4, 4]) }));
    const [before, after] = [await outputsOf(file, feeds), await outputsOf(out13, feeds)];
    before.forEach((outs, i) => outs.forEach((o, k) => expect(Array.from(after[i]![k]!)).toEqual(Array.from(o))));
  });

  it('refuses models older than opset 9 and ops whose meaning it cannot carry over', async () => {
    const make = (opset: number, op: string) => {
      const b = new GraphBuilder('g');
      b.input('x', DT.float32, [1, 3, 2, 2]);
      b.node(op, ['x'], { name: 'n', outputs: ['y'] });
      b.output('y', DT.float32, [1, 3, 2, 2]);
      const file = path.join(tmp, `${op}-${opset}.onnx`);
      fs.writeFileSync(file, encodeModel(model(b.graph(), { opset })));
      return file;
    };
    await expect(analyzeModel(make(8, 'Relu')).then(upgradeToOpset13)).rejects.toThrow(
      /Relu-8\.onnx is ai\.onnx opset 8; Kiln converts opset 9–12 to 13/,
    );
    const err = await quantizeInt8(make(9, 'ImageScaler'), path.join(tmp, 'never.onnx'), {
      data: { kind: 'random', samples: 1, seed: 1, shapes: {} },
      calibrator: 'max',
      flavour: 'tensorrt',
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KilnError);
    expect((err as KilnError).code).toBe('UNSUPPORTED');
    expect((err as KilnError).message).toMatch(/does not know whether ImageScaler \(node n\) means the same/);
    expect(fs.existsSync(path.join(tmp, 'never.onnx'))).toBe(false);
  });
});

describe('INT8 of the PaddleOCR classifier', () => {
  let feeds: Record<string, ort.Tensor>[];
  let reference: Float32Array[][];
  /** What a model that ignores its input scores: every output the mean output over the samples. */
  let constant: Agreement;
  const measured: string[] = [];
  beforeAll(async () => {
    feeds = Array.from({ length: EVAL_SAMPLES }, (_, i) => ({
      x: new ort.Tensor('float32', seededInput(SHAPE, 1000 + i), SHAPE),
    }));
    reference = await outputsOf(CLS, feeds);
    const mean = reference[0]!.map((o, k) =>
      o.map((_, j) => reference.reduce((a, r) => a + r[k]![j]!, 0) / EVAL_SAMPLES),
    );
    constant = agreement(
      reference,
      reference.map(() => mean),
    );
    measured.push(
      `  ${'constant (mean output)'.padEnd(24)} top-1 ${(constant.top1 * 100).toFixed(0)}%  cosine ${constant.cosine.toFixed(5)} (min ${constant.minCosine.toFixed(4)})`,
    );
  });
  afterAll(() =>
    console.log(
      `classifier INT8 vs FP32 on ${EVAL_SAMPLES} seeded inputs (TensorRT flavour run as its Q/DQ say; onnxruntime flavour on this CPU's int8 kernels, ${VNNI ? 'VNNI' : 'no VNNI: 7-bit weights'}):\n${measured.join('\n')}`,
    ),
  );

  /**
   * An accuracy floor means something only well above the constant: INT8 must get right at least
   * half of the samples the constant gets wrong, and have at most half its cosine error (here:
   * top-1 ≥ 0.87, cosine ≥ 0.987; measured 0.92–0.98 and 0.9985–0.9991).
   */
  function expectFarBeyondConstant(acc: Agreement) {
    expect(acc.top1 - constant.top1).toBeGreaterThanOrEqual((1 - constant.top1) / 2);
    expect(1 - acc.cosine).toBeLessThanOrEqual((1 - constant.cosine) / 2);
  }

  async function quantize(name: string, opts: Omit<Int8Options, 'data'> & { data?: CalibrationData }) {
    const out = path.join(tmp, `${name}.onnx`);
    const result = await quantizeInt8(CLS, out, { data: CALIBRATION, ...opts });
    if (hasOnnx) expect(checker(out)).toBe('ok');
    const acc = agreement(reference, await outputsOf(out, feeds, opts.flavour === 'tensorrt' ? 'basic' : 'all'));
    measured.push(
      `  ${name.padEnd(24)} top-1 ${(acc.top1 * 100).toFixed(0)}%  cosine ${acc.cosine.toFixed(5)} (min ${acc.minCosine.toFixed(4)})  ${result.qdqPairs} Q/DQ pairs, ${Math.round(result.ms)} ms`,
    );
    const graph = (await openModelFile(out)).model.graph!;
    return { out, result, acc, graph };
  }

  it('the accuracy bar refuses a model that ignores its input (the constant), which the absolute floors let pass', () => {
    expect(constant.top1).toBeGreaterThanOrEqual(0.6); // the old TensorRT-flavour floors…
    expect(constant.cosine).toBeGreaterThanOrEqual(0.95);
    expect(() => expectFarBeyondConstant(constant)).toThrow(); // …and the bar now
  });

  const producers = (g: GraphProto) => new Map(g.node.flatMap((n) => n.output.map((o) => [o, n] as const)));
  const inits = (g: GraphProto) => new Map(g.initializer.map((t) => [t.name, t]));

  it('onnxruntime flavour: UINT8 activations, INT8 per-channel weights, INT32 biases; ORT fuses QLinearConv', async () => {
    const { out, result, acc, graph } = await quantize('onnxruntime-max', {
      flavour: 'onnxruntime',
      calibrator: 'max',
    });
    expect(acc.top1).toBeGreaterThanOrEqual(0.9);
    expect(acc.cosine).toBeGreaterThanOrEqual(0.98);
    expectFarBeyondConstant(acc);
    expect(result.opset).toMatchObject({ from: 9, to: 13 });
    expect(result.prepared.batchNormsFolded).toBe(35);
    // 35 Conv + the MatMul; the 18 squeeze-excitation Convs on 1×1 maps stay float (Q/DQ would cost more).
    expect(result.quantizedNodes).toHaveLength(36);
    expect(result.skipped).toHaveLength(18);
    for (const s of result.skipped)
      expect(s).toMatchObject({ op: 'Conv', reason: expect.stringMatching(/1×1 feature map/) });
    expect(result.int32Biases).toHaveLength(35);
    const prod = producers(graph);
    const init = inits(graph);
    const quantized = new Set(result.quantizedNodes);
    for (const n of graph.node.filter((n) => n.opType === 'Conv' && quantized.has(n.name))) {
      // input, weight and bias all come from DequantizeLinear; the weight per output channel.
      const dq = n.input.map((i) => prod.get(i)!);
      expect(dq.map((d) => d.opType)).toEqual(['DequantizeLinear', 'DequantizeLinear', 'DequantizeLinear']);
      expect(attrInt(dq[1]!, 'axis')).toBe(0);
      expect(init.get(dq[1]!.input[0]!)!.dataType).toBe(DT.int8);
      expect(init.get(dq[2]!.input[0]!)!.dataType).toBe(DT.int32);
      expect(init.get(dq[0]!.input[2]!)!.dataType).toBe(DT.uint8);
    }
    const mm = graph.node.find((n) => n.opType === 'MatMul')!;
    expect(attrInt(prod.get(mm.input[1]!)!, 'axis')).toBe(1); // B [K, N]: per output column
    // Relu/Clip straight after a Conv sit before the Q (ONNX Runtime drops them), zero point 0.
    const reluQ = graph.node.find((n) => n.opType === 'QuantizeLinear' && prod.get(n.input[0]!)?.opType === 'Relu')!;
    expect(tensorValues(init.get(reluQ.input[2]!)!, { path: out })[0]).toBe(0);
    // What ONNX Runtime makes of it.
    const optimized = path.join(tmp, 'onnxruntime-max.optimized.onnx');
    const s = await ort.InferenceSession.create(out, { optimizedModelFilePath: optimized, logSeverityLevel: 3 });
    await s.release();
    const ops = (await openModelFile(optimized)).model.graph!.node.map((n) => n.opType);
    const count = (op: string) => ops.filter((o) => o === op).length;
    console.log(
      `ONNX Runtime's optimized onnxruntime-flavour classifier: ${count('QLinearConv')} QLinearConv, ${count('QLinearAdd')} QLinearAdd, ${count('QuantizeLinear')} Q, ${count('DequantizeLinear')} DQ, ${count('Conv') + count('FusedConv')} float Conv`,
    );
    expect(count('QLinearConv')).toBe(35);
    expect(count('QLinearAdd')).toBeGreaterThan(0);
    const recipe = JSON.parse(
      (await openModelFile(out)).model.metadataProps.find((p) => p.key === 'kiln.recipe')!.value,
    );
    expect(recipe).toMatchObject({ precision: 'int8', flavour: 'onnxruntime', calibrator: 'max', perChannel: true });
  });

  it('tensorrt flavour: symmetric INT8 on inputs of quantized layers and residual branches, float biases, TensorRT cache', async () => {
    const cache = path.join(tmp, 'cls.calib.cache');
    const { out, result, acc, graph } = await quantize('tensorrt-max', {
      flavour: 'tensorrt',
      calibrator: 'max',
      calibrationCachePath: cache,
    });
    // Run as its Q/DQ say (outputsOf 'basic'): on ONNX Runtime's x86 int8 kernels without VNNI its
    // full-range weights would saturate in int16 (see ortWeightMax: top-1 0.70, cosine 0.97, worse
    // than the constant), which says nothing about TensorRT.
    expect(acc.top1).toBeGreaterThanOrEqual(0.9);
    expect(acc.cosine).toBeGreaterThanOrEqual(0.98);
    expectFarBeyondConstant(acc);
    const prod = producers(graph);
    const init = inits(graph);
    // Q/DQ only where a quantized layer (or a residual Add) reads: TensorRT propagates scales to outputs.
    const readers = new Set([...result.quantizedNodes, ...result.residualAdds]);
    for (const q of graph.node.filter((n) => n.opType === 'QuantizeLinear')) {
      const zp = init.get(q.input[2]!)!;
      expect(zp.dataType).toBe(DT.int8);
      expect(tensorValues(zp, { path: out })[0]).toBe(0);
      const dq = graph.node.find((n) => n.opType === 'DequantizeLinear' && n.input[0] === q.output[0])!;
      const consumers = graph.node.filter((n) => n.input.includes(dq.output[0]!));
      expect(consumers.length).toBeGreaterThan(0);
      for (const c of consumers) expect(readers.has(c.name)).toBe(true);
    }
    for (const n of graph.node.filter((n) => n.opType === 'Conv')) {
      expect(prod.get(n.input[0]!)?.opType).toBe('DequantizeLinear');
      expect(init.get(n.input[2]!)?.dataType).toBe(DT.float32); // bias stays float
    }
    expect(result.residualAdds.length).toBe(7);
    for (const name of result.residualAdds) {
      const add = graph.node.find((n) => n.name === name)!;
      const kinds = add.input.map((i) => prod.get(i)?.opType).sort();
      expect(kinds).toEqual(['Conv', 'DequantizeLinear']); // Conv output fuses, residual branch quantized
    }
    const lines = fs.readFileSync(cache, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('TRT-8601-EntropyCalibration2');
    for (const l of lines.slice(1)) expect(l).toMatch(/^\S+: [0-9a-f]{8}$/);
    const xLine = lines.find((l) => l.startsWith('x: '))!;
    const bits = new DataView(new ArrayBuffer(4));
    bits.setUint32(0, parseInt(xLine.slice(3), 16));
    expect(bits.getFloat32(0)).toBeCloseTo(result.activations.x!.scale, 9);
    expect(result.activations.x!.scale).toBeCloseTo(result.activations.x!.threshold / 127, 9);
    // Every float activation of the prepared graph (hard-sigmoid intermediates fused away), not just those with Q/DQ.
    expect(lines.length - 1).toBeGreaterThan(130);
  });

  for (const flavour of ['onnxruntime', 'tensorrt'] as const) {
    for (const calibrator of ['percentile', 'entropy', 'mse'] as const) {
      it(`${flavour} flavour, ${calibrator} calibrator: valid, runs, close to FP32`, async () => {
        const { acc, result } = await quantize(`${flavour}-${calibrator}`, { flavour, calibrator });
        expect(acc.cosine).toBeGreaterThanOrEqual(0.98);
        expectFarBeyondConstant(acc);
        for (const s of Object.values(result.activations))
          expect(s.threshold).toBeLessThanOrEqual(Math.max(-s.min, s.max) + 1e-6);
      });
    }
  }

  it('follows include/exclude and per-tensor weights; cancels cleanly', async () => {
    const first = (await openModelFile(CLS)).model.graph!.node.find((n) => n.opType === 'Conv')!.name;
    const out = path.join(tmp, 'recipe.onnx');
    const r = await quantizeInt8(CLS, out, {
      data: { ...CALIBRATION, samples: 4 } as CalibrationData,
      calibrator: 'max',
      flavour: 'tensorrt',
      perChannel: false,
      include: { ops: ['GlobalAveragePool'] },
      exclude: { nodes: [first] },
    });
    expect(r.skipped).toContainEqual({ node: first, op: 'Conv', reason: 'excluded by the recipe' });
    expect(r.quantizedNodes).not.toContain(first);
    expect(r.quantizedNodes.filter((n) => n.includes('GlobalAveragePool'))).toHaveLength(10);
    for (const w of Object.values(r.weights)) expect(w).toMatchObject({ axis: null, scales: [expect.any(Number)] });
    if (hasOnnx) expect(checker(out)).toBe('ok');
    const g = (await openModelFile(out)).model.graph!;
    const firstConv = g.node.find((n) => n.name === first)!;
    expect(g.initializer.find((t: TensorProto) => t.name === firstConv.input[1])?.dataType).toBe(DT.float32);

    const ac = new AbortController();
    const cancelledOut = path.join(tmp, 'cancelled.onnx');
    const err = await quantizeInt8(CLS, cancelledOut, {
      data: CALIBRATION,
      calibrator: 'max',
      flavour: 'onnxruntime',
      signal: ac.signal,
      onProgress: (f) => {
        if (f > 0.2) ac.abort();
      },
    }).catch((e: unknown) => e);
    expect((err as KilnError).code).toBe('CANCELLED');
    expect(fs.existsSync(cancelledOut)).toBe(false);
  });

  it('times FP32 and Kiln INT8 side by side on ONNX Runtime (CPU, 2 threads): printed, not judged', async () => {
    const kiln = path.join(tmp, 'onnxruntime-max.onnx');
    if (!fs.existsSync(kiln))
      await quantizeInt8(CLS, kiln, { data: CALIBRATION, calibrator: 'max', flavour: 'onnxruntime' });
    const files = [
      ['FP32', CLS],
      ['Kiln INT8 (onnxruntime, max)', kiln],
    ] as [string, string][];
    const sessions: ort.InferenceSession[] = [];
    for (const [, f] of files)
      sessions.push(
        await ort.InferenceSession.create(f, {
          intraOpNumThreads: 2,
          graphOptimizationLevel: 'all',
          logSeverityLevel: 3,
        }),
      );
    const input = { x: feeds[0]!.x! };
    for (let i = 0; i < 20; i++) for (const s of sessions) await s.run(input);
    const times = files.map(() => [] as number[]);
    for (let i = 0; i < 300; i++) {
      for (const [k, s] of sessions.entries()) {
        const t = performance.now();
        await s.run(input);
        times[k]!.push(performance.now() - t);
      }
    }
    await Promise.all(sessions.map((s) => s.release()));
    const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;
    const fp32 = median(times[0]!);
    console.log(
      `classifier latency, median of 300 alternating runs (load average ${os.loadavg()[0]!.toFixed(2)} on ${os.cpus().length} CPUs):\n${files
        .map(
          ([name], k) =>
            `  ${name.padEnd(30)} ${median(times[k]!).toFixed(3)} ms (${(median(times[k]!) / fp32).toFixed(2)}× FP32)`,
        )
        .join('\n')}`,
    );
    // Timing on a shared machine is not a verdict; that every run of both models was timed is.
    for (const t of times) {
      expect(t).toHaveLength(300);
      expect(t.every((ms) => Number.isFinite(ms) && ms > 0)).toBe(true);
    }
  });
});

describe('INT32 biases for ONNX Runtime', () => {
  it('a channel whose weights are near zero gets its scale raised so its bias fits INT32, said once per weight', async () => {
    // Channels 1 and 2 are pruned (weights ~1e-12) but keep a bias: bias / (x scale · w scale) overflows INT32.
    const b = new GraphBuilder();
    const x = b.input('x', DT.float32, [1, 2, 4, 4]);
    const w = [0.5, -0.3, 1e-12, -1e-12, 2e-12, 1e-12, 0.4, 0.2];
    b.node('Conv', [x, b.init('w', DT.float32, [4, 2, 1, 1], w), b.init('b', DT.float32, [4], [0.1, 5, -5, 0.1])], {
      name: 'conv',
      outputs: ['y'],
    });
    b.output('y', DT.float32, [1, 4, 4, 4]);
    const file = path.join(tmp, 'pruned.onnx');
    fs.writeFileSync(file, encodeModel(model(b.graph(), { opset: 13 })));
    const out = path.join(tmp, 'pruned.int8.onnx');
    const r = await quantizeInt8(file, out, {
      data: { kind: 'random', samples: 8, seed: 1, shapes: { x: [1, 2, 4, 4] } },
      calibrator: 'max',
      flavour: 'onnxruntime',
    });
    const raised = r.notes.filter((n) => n.includes('fits INT32'));
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatch(
      /^weight w: 2 channels' scales \(1, 2\) raised to \d\.\d{3}e-\d+ or more so bias b fits INT32$/,
    );
    // The pruned channels still give their bias, the others their convolution.
    const feeds = [{ x: new ort.Tensor('float32', seededInput([1, 2, 4, 4], 3), [1, 2, 4, 4]) }];
    const want = (await outputsOf(file, feeds))[0]?.[0];
    const got = (await outputsOf(out, feeds))[0]?.[0];
    expect(cosine(want!, got!)).toBeGreaterThan(0.999);
  });
});
