/**
 * Calibration: .npy/.npz reading (against files numpy writes), activation statistics that are
 * exact on a small model, memory-bounded passes, cancel and progress, and the thresholds each
 * calibrator picks on histograms whose answer is known (entropy also against NVIDIA's reference
 * implementation, run with numpy).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KilnError } from '../../../electron/shared/api/errors';
import { encodeModel } from '../../../electron/core/onnx/encode';
import { openModelFile } from '../../../electron/core/onnx/open';
import { inputSamples as calibrationSamples } from '../../../electron/core/inputs/feeds';
import { readNpy } from '../../../electron/core/inputs/npy';
import { readArrayFile } from '../../../electron/core/inputs/npz';
import { modelInputs } from '../../../electron/core/inputs/specs';
import {
  calibratedThreshold,
  collectActivationStats,
  entropyThreshold,
  mseThreshold,
  percentileThreshold,
  type ActivationStats,
} from '../../../electron/core/precision/calibrate';
import { DT, GraphBuilder, model } from '../../builders/graph';
import { needs, NUMPY } from '../../prerequisites';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-calib-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const PY = '/usr/bin/python3';

function python(code: string, ...args: string[]): string {
  const r = spawnSync(PY, ['-c', code, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout;
}

/** A tiny model: y = x * w (per column), z = Relu(y), s = Sigmoid(z) — its activations are easy to compute. */
function tinyModel(batch: number | string = 1): { file: string; w: number[] } {
  const w = [1, -2, 0.5, 3];
  const b = new GraphBuilder('tiny');
  const x = b.input('x', DT.float32, [batch, 4]);
  const wt = b.init('w', DT.float32, [4], w);
  const y = b.node('Mul', [x, wt], { name: 'mul', outputs: ['y'] });
  const z = b.node('Relu', [y], { name: 'relu', outputs: ['z'] });
  b.node('Sigmoid', [z], { name: 'sigmoid', outputs: ['s'] });
  b.output('s', DT.float32, [batch, 4]);
  const file = path.join(tmp, `tiny-${batch}.onnx`);
  fs.writeFileSync(file, encodeModel(model(b.graph(), { opset: 13 })));
  return { file, w };
}

/** Expected statistics of `values` (and a histogram of |x| with `bins` bins over [0, absMax]). */
function expected(values: number[], bins?: number): ActivationStats {
  const min = Math.min(...values);
  const max = Math.max(...values);
  const absMax = Math.max(Math.abs(min), Math.abs(max));
  const s: ActivationStats = { min, max, absMax, count: values.length };
  if (bins) {
    const h = new Float64Array(bins);
    for (const v of values) h[Math.min(bins - 1, Math.floor((Math.abs(v) / absMax) * bins))]! += 1;
    s.histogram = { bins: h, absMax };
  }
  return s;
}

describe('.npy and .npz files', () => {
  it('reads every supported dtype, header versions 1 and 2, stored and deflated .npz', needs(NUMPY), () => {
    const dir = path.join(tmp, 'npy');
    fs.mkdirSync(dir);
    python(
      `
import numpy as np, sys, os
d = sys.argv[1]
np.save(os.path.join(d, 'f4.npy'), np.arange(24, dtype='<f4').reshape(2, 3, 4) / 8 - 1)
np.save(os.path.join(d, 'f8.npy'), np.array([1.5, -2.25, 1e300]))
np.save(os.path.join(d, 'i8.npy'), np.array([[-(2**40), 7]], dtype='<i8'))
np.save(os.path.join(d, 'i4.npy'), np.array([-5, 6], dtype='<i4'))
np.save(os.path.join(d, 'u1.npy'), np.array([0, 255, 7], dtype='u1'))
np.save(os.path.join(d, 'b1.npy'), np.array([True, False, True]))
np.save(os.path.join(d, 'scalar.npy'), np.float32(3.5))
with open(os.path.join(d, 'v2.npy'), 'wb') as f:
    np.lib.format.write_array(f, np.ones((2, 2), dtype='<f4'), version=(2, 0))
np.save(os.path.join(d, 'fortran.npy'), np.asfortranarray(np.ones((2, 3), dtype='<f4')))
np.save(os.path.join(d, 'big.npy'), np.ones(3, dtype='>f4'))
np.savez(os.path.join(d, 'stored.npz'), x=np.arange(6, dtype='<f4').reshape(3, 2), mask=np.array([1, 0], dtype='<i8'))
np.savez_compressed(os.path.join(d, 'deflated.npz'), x=np.linspace(0, 1, 1000, dtype='<f4').reshape(10, 100))
`,
      dir,
    );
    const one = (name: string) => readArrayFile(path.join(dir, name)).get('')!;
    const f4 = one('f4.npy');
    expect(f4.dtype).toBe('float32');
    expect(f4.shape).toEqual([2, 3, 4]);
    expect(Array.from(f4.data as Float32Array)).toEqual(Array.from({ length: 24 }, (_, i) => i / 8 - 1));
    expect(Array.from(one('f8.npy').data as Float64Array)).toEqual([1.5, -2.25, 1e300]);
    expect(Array.from(one('i8.npy').data as BigInt64Array)).toEqual([-(2n ** 40n), 7n]);
    expect(one('i8.npy').shape).toEqual([1, 2]);
    expect(Array.from(one('i4.npy').data as Int32Array)).toEqual([-5, 6]);
    expect(one('u1.npy')).toMatchObject({ dtype: 'uint8', shape: [3] });
    expect(Array.from(one('u1.npy').data as Uint8Array)).toEqual([0, 255, 7]);
    expect(one('b1.npy').dtype).toBe('bool');
    expect(Array.from(one('b1.npy').data as Uint8Array)).toEqual([1, 0, 1]);
    expect(one('scalar.npy').shape).toEqual([]);
    expect(Array.from(one('scalar.npy').data as Float32Array)).toEqual([3.5]);
    expect(Array.from(one('v2.npy').data as Float32Array)).toEqual([1, 1, 1, 1]);
    expect(() => one('fortran.npy')).toThrow(/Fortran order/);
    expect(() => one('big.npy')).toThrow(/dtype '>f4' are not supported/);

    const stored = readArrayFile(path.join(dir, 'stored.npz'));
    expect([...stored.keys()].sort()).toEqual(['mask', 'x']);
    expect(stored.get('x')!.shape).toEqual([3, 2]);
    expect(Array.from(stored.get('x')!.data as Float32Array)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(Array.from(stored.get('mask')!.data as BigInt64Array)).toEqual([1n, 0n]);
    const deflated = readArrayFile(path.join(dir, 'deflated.npz')).get('x')!;
    expect(deflated.shape).toEqual([10, 100]);
    expect((deflated.data as Float32Array)[999]).toBe(1);
    expect((deflated.data as Float32Array)[500]).toBeCloseTo(500 / 999, 6);
  });

  it('refuses what is not a .npy file, naming it', () => {
    expect(() => readNpy(new TextEncoder().encode('hello, world'), 'notes.npy')).toThrow(
      /notes\.npy is not a readable \.npy file/,
    );
    const missing = path.join(tmp, 'nope.npz');
    expect(() => readArrayFile(missing)).toThrow(/cannot read calibration data nope\.npz/);
  });

  it('splits arrays into samples of the input batch along axis 0', needs(NUMPY), () => {
    const { file: fixed } = tinyModel(2);
    const npz = path.join(tmp, 'six.npz');
    python(`import numpy as np, sys; np.savez(sys.argv[1], x=np.arange(24, dtype='<f8').reshape(6, 4))`, npz);
    const inputs = [{ name: 'x', dtype: 'float32', dims: [2, 4] }];
    const samples = [...calibrationSamples(inputs, { kind: 'npz', paths: [npz] }, 'tiny')];
    expect(samples).toHaveLength(3);
    expect(samples[1]!.x!.dims).toEqual([2, 4]);
    expect(samples[1]!.x!.type).toBe('float32'); // converted from float64
    expect(Array.from(samples[1]!.x!.data as Float32Array)).toEqual([8, 9, 10, 11, 12, 13, 14, 15]);
    const odd = path.join(tmp, 'five.npz');
    python(`import numpy as np, sys; np.savez(sys.argv[1], x=np.zeros((5, 4), dtype='<f4'))`, odd);
    expect(() => [...calibrationSamples(inputs, { kind: 'npz', paths: [odd] }, 'tiny')]).toThrow(
      /five\.npz: array x has 5 rows, not a multiple of the input's batch 2/,
    );
    const wrongName = path.join(tmp, 'y.npz');
    python(`import numpy as np, sys; np.savez(sys.argv[1], y=np.zeros((2, 4), dtype='<f4'))`, wrongName);
    expect(() => [...calibrationSamples(inputs, { kind: 'npz', paths: [wrongName] }, 'tiny')]).toThrow(
      /y\.npz has no array for input x of tiny \(it holds: y\)/,
    );
    expect(fixed).toMatch(/tiny-2\.onnx$/);
  });
});

describe('activation statistics', () => {
  it('are exact on a tiny model, with histograms, in one pass or many', async () => {
    const { file, w } = tinyModel();
    const data = { kind: 'random' as const, samples: 5, seed: 42, shapes: {} };
    // The same feeds the calibrator makes, to compute the expected values here.
    const feeds = [...calibrationSamples([{ name: 'x', dtype: 'float32', dims: [1, 4] }], data, 'tiny')];
    const xs = feeds.flatMap((f) => Array.from(f.x!.data as Float32Array));
    const ys = xs.map((v, i) => Math.fround(v * w[i % 4]!));
    const zs = ys.map((v) => Math.max(0, v));
    const fractions: number[] = [];
    const stats = await collectActivationStats(file, data, {
      histogram: true,
      bins: 16,
      onProgress: (f) => fractions.push(f),
    });
    expect([...stats.keys()].sort()).toEqual(['s', 'x', 'y', 'z']);
    for (const [name, values] of [
      ['x', xs],
      ['y', ys],
      ['z', zs],
    ] as const) {
      const got = stats.get(name)!;
      const want = expected(values, 16);
      expect(got.min).toBe(want.min);
      expect(got.max).toBe(want.max);
      expect(got.absMax).toBe(want.absMax);
      expect(got.count).toBe(20);
      expect(Array.from(got.histogram!.bins)).toEqual(Array.from(want.histogram!.bins));
    }
    expect(fractions.at(-1)).toBe(1);
    expect(fractions.every((f, i) => i === 0 || f >= fractions[i - 1]!)).toBe(true);

    // One tensor per pass: same numbers.
    const bounded = await collectActivationStats(file, data, {
      histogram: true,
      bins: 16,
      maxTensorsPerPass: 1,
      tensors: ['y', 'z'],
    });
    expect([...bounded.keys()]).toEqual(['y', 'z']);
    for (const name of ['y', 'z']) expect(bounded.get(name)).toEqual(stats.get(name));
  });

  it('cancels with CANCELLED and refuses tensors that are not activations', async () => {
    const { file } = tinyModel();
    const data = { kind: 'random' as const, samples: 3, seed: 1, shapes: {} };
    const ac = new AbortController();
    ac.abort();
    const err = await collectActivationStats(file, data, { signal: ac.signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KilnError);
    expect((err as KilnError).code).toBe('CANCELLED');
    await expect(collectActivationStats(file, data, { tensors: ['w'] })).rejects.toThrow(
      /"w" in tiny-1\.onnx is a constant/,
    );
    await expect(collectActivationStats(file, data, { tensors: ['nope'] })).rejects.toThrow(/has no tensor "nope"/);
  });

  it('reads .npz samples ModelOpt-style (input name → array)', needs(NUMPY), async () => {
    const { file, w } = tinyModel();
    const npz = path.join(tmp, 'cal.npz');
    python(
      `import numpy as np, sys; np.savez(sys.argv[1], x=np.array([[1, 2, 3, 4], [-4, -3, -2, -1], [0.5, 0, 0, 8]], dtype='<f4'))`,
      npz,
    );
    const stats = await collectActivationStats(file, { kind: 'npz', paths: [npz] }, { tensors: ['y'] });
    const ys = [1, 2, 3, 4, -4, -3, -2, -1, 0.5, 0, 0, 8].map((v, i) => v * w[i % 4]!);
    expect(stats.get('y')).toEqual(expected(ys));
    // A symbolic batch: one row per sample.
    const { file: dynamic } = tinyModel('batch');
    const inputs = modelInputs((await openModelFile(dynamic)).model.graph!);
    expect(inputs[0]!.dims).toEqual(['batch', 4]);
    expect([...calibrationSamples(inputs, { kind: 'npz', paths: [npz] }, 'dynamic')]).toHaveLength(3);
    const dyn = await collectActivationStats(dynamic, { kind: 'npz', paths: [npz] }, { tensors: ['y'] });
    expect(dyn.get('y')).toEqual(expected(ys));
  });
});

describe('calibrator thresholds', () => {
  it('max is |x| max; percentile is the upper edge of the bin reaching the share', () => {
    const bins = new Float64Array(100);
    bins[0] = 90;
    bins[1] = 9;
    bins[99] = 1; // one outlier in 100 values
    expect(percentileThreshold(bins, 100, 99)).toBe(2);
    expect(percentileThreshold(bins, 100, 90)).toBe(1);
    expect(percentileThreshold(bins, 100, 99.5)).toBe(100);
    expect(percentileThreshold(bins, 100, 100)).toBe(100);
    expect(() => percentileThreshold(bins, 100, 0)).toThrow(/percentile must be in \(0, 100\]/);
    const s: ActivationStats = { min: -3, max: 100, absMax: 100, count: 100, histogram: { bins, absMax: 100 } };
    expect(calibratedThreshold(s, 'max')).toBe(100);
    expect(calibratedThreshold(s, 'percentile', { percentile: 99 })).toBe(2);
    // Entropy over 100 bins needs at least 100 values; with fewer it keeps |x| max and says so.
    const reasons: string[] = [];
    const few = { ...s, count: 99 };
    expect(calibratedThreshold(few, 'entropy', { onFallback: (r) => reasons.push(r) })).toBe(100);
    expect(reasons).toEqual(['99 values are too few for a 100-bin entropy search: |x| max used']);
  });

  it('entropy keeps a uniform distribution whole and clips a far outlier', () => {
    const uniform = new Float64Array(2048).fill(10);
    expect(entropyThreshold(uniform, 8)).toBe(8);
    const spiky = new Float64Array(2048);
    for (let i = 0; i < 200; i++) spiky[i] = 1000 - 4 * i;
    spiky[2047] = 1;
    const t = entropyThreshold(spiky, 2048);
    expect(t).toBeGreaterThanOrEqual(128); // never below start_bin = 128 bins
    expect(t).toBeLessThan(400);
  });

  it("entropy matches NVIDIA's reference (pytorch-quantization _compute_amax_entropy)", needs(NUMPY), () => {
    // The reference, as NVIDIA publishes it, run on seeded histograms of |normal|, ReLU'd normal and |Student-t|.
    const out = python(`
import numpy as np, json
from collections import Counter
def kl(p, q):
    p = p / p.sum(); q = q / q.sum(); m = p > 0
    return np.inf if np.any(q[m] == 0) else float(np.sum(p[m] * np.log(p[m] / q[m])))
def amax(hist, edges, unsigned=False, start=128):
    bins = hist.astype(float).copy(); bins[0] = bins[1]
    nb = 1 << (7 + int(unsigned)); div = []
    for i in range(start, len(bins) + 1):
        space = np.linspace(0, i, num=nb + 1)
        dig = np.digitize(range(i), space) - 1
        dig[bins[:i] == 0] = -1
        dens = np.zeros(nb)
        for idx, d in enumerate(dig):
            if d != -1: dens[d] += bins[idx]
        for k, v in Counter(dig).items():
            if k != -1: dens[k] /= v
        new = np.array([dens[d] if d != -1 else 0.0 for d in dig])
        ref = np.array(bins[:i]); ref[-1] += bins[i:].sum()
        div.append(kl(ref, new))
    div = np.array(div)
    return float(edges[len(div) - 1 - np.argmin(div[::-1]) + start])
rng = np.random.default_rng(7); cases = []
for x in (np.abs(rng.standard_normal(20000)), np.maximum(rng.standard_normal(20000), 0), np.abs(rng.standard_t(3, 20000))):
    h, e = np.histogram(x, bins=512, range=(0, float(x.max())))
    cases.append({'hist': h.tolist(), 'absMax': float(x.max()), 'signed': amax(h, e), 'unsigned': amax(h, e, True)})
print(json.dumps(cases))
`);
    const cases = JSON.parse(out) as { hist: number[]; absMax: number; signed: number; unsigned: number }[];
    for (const c of cases) {
      expect(entropyThreshold(c.hist, c.absMax)).toBeCloseTo(c.signed, 9);
      expect(entropyThreshold(c.hist, c.absMax, { levels: 256 })).toBeCloseTo(c.unsigned, 9);
    }
  });

  it('mse keeps a uniform distribution nearly whole and clips sparse outliers', () => {
    const uniform = new Float64Array(2048).fill(1);
    expect(mseThreshold(uniform, 1)).toBeGreaterThan(0.98);
    const spiky = new Float64Array(2048);
    for (let i = 0; i < 64; i++) spiky[i] = 10_000;
    spiky[2047] = 1;
    const t = mseThreshold(spiky, 2048);
    // One value 32× beyond the rest: clipped, though its squared error still pulls the threshold up.
    expect(t).toBeLessThan(1024);
    expect(t).toBeGreaterThan(64);
    // A brute-force search over every bin edge finds no smaller error.
    const mse = (threshold: number) => {
      const step = threshold / 127;
      let err = 0;
      for (let j = 0; j < 2048; j++) {
        const x = j + 0.5;
        const q = x >= threshold ? threshold : Math.round(x / step) * step;
        err += spiky[j]! * (x - q) ** 2;
      }
      return err;
    };
    let best = Infinity;
    for (let i = 1; i <= 2048; i++) best = Math.min(best, mse(i));
    expect(mse(t)).toBeLessThanOrEqual(best * (1 + 1e-9));
  });
});
