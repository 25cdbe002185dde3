/**
 * The comparison job on real models: FP16 against FP32 (a pass by the defaults, a miss of atol/rtol
 * only when those are asked for), and a deliberately broken layer found by name, with the reason.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compareModels } from '../../electron/core/compare/compare';
import { errorMetrics, passes, topKAgreement, worstSampleCosine } from '../../electron/shared/compare/metrics';
import { DEFAULT_THRESHOLDS } from '../../electron/shared/compare/thresholds';
import { analyzeModel } from '../../electron/core/onnx/analyze';
import { encodeModel } from '../../electron/core/onnx/encode';
import { tensorValues } from '../../electron/core/onnx/values';
import { writeModelFile } from '../../electron/core/onnx/write';
import { autocastFp16 } from '../../electron/core/precision/fp16';
import { DT, GraphBuilder, model } from '../builders/graph';

const CLS = path.resolve(__dirname, '../../assets/sample/ch_ppocr_mobile_v2.0_cls_infer.onnx');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-compare-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const ctx = { signal: new AbortController().signal, progress: () => undefined };
const shapes = { x: [1, 3, 48, 192] };

describe('metrics', () => {
  it('identical outputs: cosine 1, infinite PSNR, nothing mismatched; a scaled copy is caught', () => {
    const a = [1, -2, 3, 4];
    // Elements outside atol/rtol are counted only when those are asked for (Polygraphy's FP32-vs-FP32 check).
    const strict = { ...DEFAULT_THRESHOLDS, atol: 1e-5, rtol: 1e-5 };
    expect(errorMetrics(a, a).mismatched).toBeNull();
    const same = errorMetrics(a, a, strict);
    expect([same.cosine, same.psnr, same.mismatched, same.maxAbs]).toEqual([1, Infinity, 0, 0]);
    const off = errorMetrics(a, [1.1, -2, 3, 4], strict);
    expect(off.maxAbs).toBeCloseTo(0.1, 12);
    expect(off.mismatched).toBe(1);
    expect(off.snr).toBeCloseTo(10 * Math.log10(30 / 0.01), 6);
    expect(topKAgreement([0.1, 0.9, 0.8, 0.2], [0.2, 0.7, 0.1, 0.9], 2, 1)).toBe(0.5);
  });

  it('top-k agreement matches sorting every row, ties included', () => {
    // The reference: sort each row's classes by value (stable, so ties go to the lower class).
    const bySort = (ref: number[], got: number[], classes: number, k: number) => {
      const top = (x: number[], r: number) =>
        Array.from({ length: classes }, (_, c) => c)
          .sort((a, b) => x[r * classes + b]! - x[r * classes + a]!)
          .slice(0, k)
          .sort((a, b) => a - b)
          .join();
      let same = 0;
      for (let r = 0; r < ref.length / classes; r++) if (top(ref, r) === top(got, r)) same++;
      return same / (ref.length / classes);
    };
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (const [classes, k] of [
      [10, 1],
      [10, 5],
      [50, 5],
      [3, 5],
    ] as const) {
      // Values on a coarse grid so that ties are common; got is ref with a few values moved.
      const ref = Array.from({ length: classes * 40 }, () => Math.floor(next() * 8));
      const got = ref.map((v) => (next() < 0.1 ? Math.floor(next() * 8) : v));
      expect(topKAgreement(ref, got, classes, Math.min(k, classes))).toBe(
        bySort(ref, got, classes, Math.min(k, classes)),
      );
    }
  });

  it('the verdict is led by cosine, SNR and top-1 on class scores; PSNR and atol/rtol only when asked; each miss says why', () => {
    // FP16-like: close everywhere, far outside Polygraphy's FP32 tolerances.
    const ref = Array.from({ length: 64 }, (_, i) => Math.sin(i) * 10);
    const fp16 = ref.map((x) => x * (1 + 1e-4));
    expect(passes(errorMetrics(ref, fp16), DEFAULT_THRESHOLDS, undefined, 1)).toEqual({ pass: true, failed: [] });
    const strict = { ...DEFAULT_THRESHOLDS, atol: 1e-5, rtol: 1e-5 };
    expect(passes(errorMetrics(ref, fp16, strict), strict)).toEqual({
      pass: false,
      failed: ['62 of 64 elements outside atol 1e-5 + rtol 1e-5·|ref|'],
    });
    // Scaled by 1.2: cosine 1, but SNR 14 dB under 17 dB.
    const scaled = errorMetrics(
      ref,
      ref.map((x) => x * 1.2),
    );
    expect(scaled.cosine).toBeCloseTo(1, 12);
    expect(passes(scaled, DEFAULT_THRESHOLDS).failed).toEqual(['SNR 14.0 dB < 17 dB']);
    expect(passes(scaled, { ...DEFAULT_THRESHOLDS, snr: null }).pass).toBe(true);
    // Top-1 is judged where the caller says the output holds class scores (else null: not judged).
    expect(passes(errorMetrics(ref, ref), DEFAULT_THRESHOLDS, undefined, 0.875).failed).toEqual([
      'top-1 agreement 87.5 % < 99 %',
    ]);
    expect(passes(errorMetrics(ref, ref), DEFAULT_THRESHOLDS, undefined, null).pass).toBe(true);
    // PSNR when asked.
    expect(passes(scaled, { ...DEFAULT_THRESHOLDS, snr: null, psnr: 40 }).failed).toEqual(['PSNR 17.1 dB < 40 dB']);
  });

  it('a small sample that disagrees fails the cosine threshold even when the pooled cosine passes', () => {
    // Sample 1 is large and exact; sample 2 is small and has its sign flipped.
    const ref = [100, 200, 300, 1, 2];
    const got = [100, 200, 300, -1, -2];
    const t = { atol: 1e9, rtol: 1e9, cosine: 0.99, psnr: 0, snr: 0, top1: null };
    const pooled = errorMetrics(ref, got, t);
    expect(pooled.cosine).toBeGreaterThan(0.99);
    const worst = worstSampleCosine(ref, got, [0, 3, 5]);
    expect(worst.index).toBe(1);
    expect(worst.cosine).toBeCloseTo(-1, 12);
    expect(passes(pooled, t)).toEqual({ pass: true, failed: [] });
    expect(passes(pooled, t, worst)).toEqual({ pass: false, failed: ['cosine of sample 2 -1.00000 < 0.99'] });
    // A NaN sample stays the worst, whatever comes after it.
    expect(worstSampleCosine(ref, [NaN, 200, 300, -1, -2], [0, 3, 5])).toEqual({ index: 0, cosine: NaN });
  });
});

describe('compareModels', () => {
  it('FP16 against FP32 passes by default (cosine, SNR, top-1), misses atol 1e-5 when asked; layerwise error in order', async () => {
    const a = await analyzeModel(CLS);
    autocastFp16(a);
    const fp16 = path.join(tmp, 'cls.fp16.onnx');
    writeModelFile(a.opened.model, fp16, { source: a.opened.bytes });
    const r = await compareModels(
      { path: CLS, name: 'cls.onnx', id: 'reference' },
      [{ path: fp16, name: 'cls.fp16.onnx', id: 'fp16' }],
      { samples: 6, seed: 3, shapes, thresholds: DEFAULT_THRESHOLDS, layerwise: true },
      ctx,
    );
    const out = r.variants[0]!.perOutput[0]!;
    console.log(
      `FP16: cosine ${out.metrics.cosine.toFixed(6)}, max abs ${out.metrics.maxAbs.toExponential(2)}, top-1 ${out.top1}`,
    );
    expect(out.metrics.cosine).toBeGreaterThan(0.9999);
    expect(out.top1).toBe(1);
    expect(out.metrics.count).toBe(6 * 2);
    // A precision variant this close passes the defaults; the classifier's Softmax output has its top-1 judged.
    expect([r.variants[0]!.pass, out.failed, out.classScores, out.metrics.mismatched]).toEqual([true, [], true, null]);
    expect(r.thresholds).toEqual(DEFAULT_THRESHOLDS);
    // Polygraphy's tolerances for two FP32 runs, asked for: FP16 misses them, and says by how much.
    const strict = await compareModels(
      { path: CLS, name: 'cls.onnx', id: 'reference' },
      [{ path: fp16, name: 'cls.fp16.onnx', id: 'fp16' }],
      { samples: 6, seed: 3, shapes, thresholds: { ...DEFAULT_THRESHOLDS, atol: 1e-5, rtol: 1e-5 }, layerwise: false },
      ctx,
    );
    expect(strict.variants[0]!.pass).toBe(false);
    expect(strict.variants[0]!.perOutput[0]!.failed).toEqual([
      expect.stringMatching(/^\d+ of 12 elements outside atol 1e-5 \+ rtol 1e-5·\|ref\|$/),
    ]);
    const layers = r.variants[0]!.layers!;
    expect(layers.tensors.length).toBeGreaterThan(100);
    // The layerwise error is pooled over every sample, not the first alone.
    expect(layers.samples).toBe(6);
    // Topological order: each exposed tensor is made by the node it names (the reference's
    // main-graph node index), and those nodes come in the reference's topological order.
    const ref = await analyzeModel(CLS);
    const main = ref.ir.graphs[0]!;
    const position = new Map<number, number>();
    for (let k = main.nodeStart; k < main.nodeEnd; k++) position.set(ref.ir.topo[k]! - main.nodeStart, k);
    const order = layers.tensors.map((t) => position.get(t.node)!);
    expect(order).toEqual([...order].sort((x, y) => x - y));
    for (const t of layers.tensors) {
      const id = ref.ir.tensorName.indexOf(t.name);
      expect(ref.ir.tensorProducer[id]! - main.nodeStart).toBe(t.node);
    }
    // The first layer FP16 touches is still close to FP32.
    expect(layers.tensors[0]!.cosine).toBeGreaterThan(0.999);
  });

  it('a layer broken on purpose is the first tensor past the threshold', async () => {
    const a = await analyzeModel(CLS);
    const main = a.ir.graphs[0]!;
    const convs = a.ir.nodes.slice(main.nodeStart, main.nodeEnd).filter((n) => n.opType === 'Conv');
    const victim = convs[20]!;
    const weightName = victim.input[1]!;
    const producer = a.ir.nodes.find((n) => n.opType === 'Constant' && n.output[0] === weightName)!;
    const w = producer.attribute.find((x) => x.name === 'value')!.t!;
    const values = tensorValues(w, { path: CLS, bytes: a.opened.bytes });
    const flipped = new Float32Array(values.length);
    values.forEach((v, i) => (flipped[i] = -v));
    w.data = { kind: 'bytes', bytes: new Uint8Array(flipped.buffer) };
    const broken = path.join(tmp, 'cls.broken.onnx');
    writeModelFile(a.opened.model, broken, { source: a.opened.bytes });
    const r = await compareModels(
      { path: CLS, name: 'cls.onnx', id: 'reference' },
      [{ path: broken, name: 'cls.broken.onnx', id: 'broken' }],
      { samples: 2, seed: 1, shapes, thresholds: DEFAULT_THRESHOLDS, layerwise: true },
      ctx,
    );
    const bad = r.variants[0]!.layers!.firstBad!;
    expect(bad.name).toBe(victim.output[0]);
    expect(r.variants[0]!.pass).toBe(false);
    // The reason comes with the verdict.
    expect(r.variants[0]!.perOutput[0]!.failed[0]).toMatch(/^cosine (of sample \d+ )?-?[\d.]+ < 0.99$/);
  });

  it('judges only the outputs asked for: the others are measured and shown, not counted; unknown names are refused', async () => {
    // Two outputs, `prob` and `state`; the variant's state is off by a factor of 1.5, its prob exact.
    const two = (stateScale: number) => {
      const b = new GraphBuilder();
      const x = b.input('x', DT.float32, [1, 8]);
      b.node('Sigmoid', [x], { outputs: ['prob'] });
      b.node('Mul', [x, b.init('k', DT.float32, [1], [stateScale])], { outputs: ['state'] });
      b.output('prob', DT.float32, [1, 8]);
      b.output('state', DT.float32, [1, 8]);
      return encodeModel(model(b.graph(), { opset: 13 }));
    };
    const ref = path.join(tmp, 'two.onnx');
    const off = path.join(tmp, 'two.off.onnx');
    fs.writeFileSync(ref, two(1));
    fs.writeFileSync(off, two(-1.5));
    const run = (judge?: string[]) =>
      compareModels(
        { path: ref, name: 'two.onnx', id: 'reference' },
        [{ path: off, name: 'two.off.onnx', id: 'off' }],
        { samples: 3, seed: 1, shapes: {}, thresholds: DEFAULT_THRESHOLDS, layerwise: false, judge },
        ctx,
      );
    const all = await run();
    expect(all.judged).toEqual(['prob', 'state']);
    expect(all.variants[0]!.pass).toBe(false);
    const onProb = await run(['prob']);
    const [prob, state] = onProb.variants[0]!.perOutput;
    expect(onProb.judged).toEqual(['prob']);
    expect([prob!.judged, prob!.pass, state!.judged, state!.pass]).toEqual([true, true, false, false]);
    expect(state!.metrics.cosine).toBeCloseTo(-1, 6);
    expect(onProb.variants[0]!.pass).toBe(true);
    await expect(run(['stateN'])).rejects.toThrow(
      /two.onnx has no output stateN to judge \(its outputs: prob, state\)/,
    );
  });

  it('streams a recurrent model: each model carries its own state, so a state that drifts is caught', async () => {
    // y = x + h, and the state carried on is y (reference) or y / 2 (variant): alike sample by sample.
    const acc = (decay: number) => {
      const b = new GraphBuilder();
      const x = b.input('x', DT.float32, [1, 4]);
      const h = b.input('h', DT.float32, [1, 4]);
      const y = b.node('Add', [x, h], { outputs: ['y'] });
      b.node('Mul', [y, b.init('k', DT.float32, [1], [decay])], { outputs: ['hN'] });
      b.output('y', DT.float32, [1, 4]);
      b.output('hN', DT.float32, [1, 4]);
      return encodeModel(model(b.graph(), { opset: 13 }));
    };
    const ref = path.join(tmp, 'acc.onnx');
    const half = path.join(tmp, 'acc.half.onnx');
    fs.writeFileSync(ref, acc(1));
    fs.writeFileSync(half, acc(0.5));
    const run = (stream?: { output: string; input: string }[]) =>
      compareModels(
        { path: ref, name: 'acc.onnx', id: 'reference' },
        [{ path: half, name: 'acc.half.onnx', id: 'half' }],
        { samples: 6, seed: 2, shapes: {}, thresholds: DEFAULT_THRESHOLDS, layerwise: true, judge: ['y'], stream },
        ctx,
      );
    const alone = await run();
    expect(alone.variants[0]!.pass).toBe(true);
    expect(alone.variants[0]!.perOutput[0]!.metrics.maxAbs).toBe(0);
    const streamed = await run([{ output: 'hN', input: 'h' }]);
    expect(streamed.variants[0]!.pass).toBe(false);
    // Sample 1 starts from the data's state, so it agrees; the drift shows from sample 2 on.
    expect(streamed.variants[0]!.perOutput[0]!.metrics.maxAbs).toBeGreaterThan(0.1);
    // Top-k agreement is for class scores: y gets it (its last axis is 4 wide), the state fed back does not.
    expect(streamed.variants[0]!.perOutput.map((p) => [p.output, p.top1 !== null])).toEqual([
      ['y', true],
      ['hN', false],
    ]);
    expect(alone.variants[0]!.perOutput[1]!.top1).not.toBeNull();
    await expect(run([{ output: 'state', input: 'h' }])).rejects.toThrow(
      /acc.onnx cannot stream state → h: it has no output state \(its outputs: y, hN\)/,
    );
  });
});
