/**
 * The TensorRT backend through the real native binding and plugin loader, with Kiln's fake plugin
 * (native/plugins/fake): build, profile, progress order, cancel, parser failure naming the node, a
 * crashing plugin taking down only its job, and the engine sidecar checks.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProfileReportSchema } from '../../electron/shared/api/backends';
import { KilnError } from '../../electron/shared/api/errors';
import { readSidecar } from '../../electron/core/backends/tensorrt/sidecar';
import { checkEngine, exportEngine } from '../../electron/core/backends/tensorrt/engine-gate';
import { analyzeModel } from '../../electron/core/onnx/analyze';
import { writeModelFile } from '../../electron/core/onnx/write';
import { buildTrt, profileTrt, runTrt } from '../../electron/core/backends/tensorrt/trt-backend';
import { parseLayerInfo } from '../../electron/core/trt/engine-files/layer-info';
import { NATIVE_ADDON, needs, REAL_TRT_PLUGIN } from '../prerequisites';
import { fakeTrtSuite, hostClient } from './helpers';

const CLS = path.resolve(__dirname, '../../assets/sample/ch_ppocr_mobile_v2.0_cls_infer.onnx');
const tmp = fakeTrtSuite('kiln-trt-fake-');

function ctx(onProgress?: (stage: string, fraction: number | null) => void, signal = new AbortController().signal) {
  return { signal, progress: (p: { stage: string; fraction: number | null }) => onProgress?.(p.stage, p.fraction) };
}
const trt = (fake: Record<string, number | string | boolean>) => ({
  optimizationLevel: 'extended' as const,
  trt: {
    builderOptimizationLevel: 3,
    hardwareCompatibility: 'none' as const,
    versionCompatible: false,
    stronglyTyped: true,
    tf32: true,
    profiles: {},
    fake,
  },
});

describe('TensorRT backend with the fake plugin', needs(NATIVE_ADDON), () => {
  it('builds: progress in order, layers fused and mapped to ONNX nodes, a sidecar that checks out', async () => {
    const events: [string, number | null][] = [];
    const a = await buildTrt(
      CLS,
      trt({ steps: 3, stepMs: 2 }),
      ctx((s, f) => events.push([s, f])),
    );
    const stages = events.map((e) => e[0]);
    expect(stages.indexOf('Building the engine')).toBeGreaterThan(stages.lastIndexOf('Parsing the ONNX model'));
    for (let i = 1; i < events.length; i++)
      if (events[i]![0] === events[i - 1]![0]) expect(events[i]![1]!).toBeGreaterThanOrEqual(events[i - 1]![1]!);
    const fused = a.nodeMap.find((m) => m.node.includes(' + '))!;
    expect(fused.originals.length).toBeGreaterThan(1);
    expect(fused.originals[0]).toMatch(/^p2o\.Conv\./);
    const s = readSidecar(a.artifactPath);
    expect(s.sourceModel.sha256).toBe(a.modelSha256);
    expect(checkEngine(a.artifactPath, { tensorrt: 'fake-1.0', computeCapability: '8.6' }).plugin).toBe('fake');
    // Built once: the second build comes from the cache.
    expect((await buildTrt(CLS, trt({ steps: 3, stepMs: 2 }), ctx())).cached).toBe(true);
  });

  it('TF32 travels to the plugin: convolutions read TF32 by default, FP32 with tf32 off, and the two are cached apart', async () => {
    const convPrecisions = (artifactPath: string) =>
      parseLayerInfo(JSON.parse(fs.readFileSync(path.join(path.dirname(artifactPath), 'layers.json'), 'utf8')), 'l')
        .layers.filter((l) => l.type === 'CaskConvolution')
        .map((l) => l.precision);
    const on = await buildTrt(CLS, trt({ tag: 'tf32' }), ctx());
    const off = await buildTrt(
      CLS,
      { ...trt({ tag: 'tf32' }), trt: { ...trt({ tag: 'tf32' }).trt, tf32: false } },
      ctx(),
    );
    expect(off.cached).toBe(false);
    expect(off.artifactPath).not.toBe(on.artifactPath);
    const [a, b] = [convPrecisions(on.artifactPath), convPrecisions(off.artifactPath)];
    expect(a.length).toBeGreaterThan(10);
    expect(new Set(a)).toEqual(new Set(['TF32']));
    expect(new Set(b)).toEqual(new Set(['FP32']));
  });

  it("a model whose kiln.recipe is not JSON still builds; the sidecar has no recipe, and a variant's has its own", async () => {
    const a = await analyzeModel(CLS);
    a.opened.model.metadataProps = [{ key: 'kiln.recipe', value: '{"precision": "int8", broken' }];
    const broken = path.join(tmp, 'broken-recipe.onnx');
    writeModelFile(a.opened.model, broken, { source: a.opened.bytes });
    const built = await buildTrt(broken, trt({ steps: 1, stepMs: 1 }), ctx());
    expect(readSidecar(built.artifactPath).recipe).toBeNull();
    a.opened.model.metadataProps = [{ key: 'kiln.recipe', value: '{"precision":"fp16","keepIO":true}' }];
    const fp16 = path.join(tmp, 'fp16-recipe.onnx');
    writeModelFile(a.opened.model, fp16, { source: a.opened.bytes });
    expect(readSidecar((await buildTrt(fp16, trt({ steps: 1, stepMs: 1 }), ctx())).artifactPath).recipe).toEqual({
      precision: 'fp16',
      keepIO: true,
    });
  });

  it('profiles into the same report shape as ONNX Runtime, layer time mapped to ONNX nodes', async () => {
    const a = await buildTrt(CLS, trt({ steps: 1, stepMs: 1 }), ctx());
    const r = await profileTrt(
      a,
      { warmupMs: 0, iterations: 40, shapes: { x: [1, 3, 48, 192] }, seed: 1, layerRuns: 5 },
      ctx(),
    );
    expect(r.iterations).toBe(40);
    expect(r.latencyMs.min).toBeLessThanOrEqual(r.latencyMs.p99);
    expect(Object.keys(r.perNodeMs).some((n) => n.startsWith('p2o.Conv.'))).toBe(true);
    const parsed = ProfileReportSchema.omit({ build: true }).safeParse(r);
    expect(parsed.success).toBe(true);
  });

  it('runs an engine on given inputs: bytes go in and come back through files', async () => {
    const a = await buildTrt(CLS, trt({ steps: 1, stepMs: 1 }), ctx());
    const data = Float32Array.from({ length: 3 * 48 * 192 }, (_, i) => (i % 7) * 0.5);
    const out = await runTrt(a, { x: { dims: [1, 3, 48, 192], data } }, ctx());
    const sum = new Float32Array(out.sum!.data.buffer.slice(0, 4))[0]!;
    expect(sum).toBeCloseTo(
      data.reduce((s, v) => s + v, 0),
      0,
    );
    expect(out.sum!.dims).toEqual([1]);
  });

  it(
    'a real plugin built here (npm run build:trt) says which TensorRT library is missing',
    needs(REAL_TRT_PLUGIN),
    async () => {
      const real = path.resolve(__dirname, '../../native/build/plugins/libkiln_trt11.so');
      const saved = process.env.KILN_TRT_PLUGIN;
      process.env.KILN_TRT_PLUGIN = real;
      try {
        const err = await buildTrt(CLS, trt({ tag: 'real' }), ctx()).catch((e: unknown) => e);
        expect((err as KilnError).code).toBe('UNAVAILABLE');
        expect((err as KilnError).message).toMatch(/libnvinfer\.so\.11/);
      } finally {
        process.env.KILN_TRT_PLUGIN = saved;
      }
    },
  );

  it('cancel stops a build and leaves no engine behind', async () => {
    const engines = () =>
      fs
        .readdirSync(path.join(tmp, 'tensorrt'), { recursive: true })
        .map(String)
        .filter((f) => f.endsWith('.engine') || f.includes('kiln-tmp')).length;
    const before = engines();
    const controller = new AbortController();
    const p = buildTrt(CLS, trt({ steps: 200, stepMs: 10, tag: 'cancel' }), ctx(undefined, controller.signal));
    setTimeout(() => controller.abort(), 60);
    const err = await p.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(KilnError);
    expect((err as KilnError).code).toBe('CANCELLED');
    expect(engines()).toBe(before);
  });

  it('a parser failure names the node', async () => {
    const err = await buildTrt(CLS, trt({ fail: 'parse', failNode: 'p2o.Conv.3' }), ctx()).catch((e: unknown) => e);
    expect((err as KilnError).message).toContain('p2o.Conv.3');
  });

  it("a plugin's build failure names the model's file (the plugin knows only its request)", async () => {
    for (const fail of ['parse', 'build']) {
      const err = await buildTrt(CLS, trt({ fail, failNode: 'p2o.Conv.3' }), ctx()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KilnError);
      expect(err).toMatchObject({ file: path.basename(CLS), code: fail === 'parse' ? 'UNSUPPORTED' : 'INTERNAL' });
      expect((err as KilnError).message.startsWith(`${path.basename(CLS)}: `)).toBe(true);
    }
  });

  it("engine checks: another GPU, another TensorRT, a tampered engine; the sidecar's flag decides nothing", async () => {
    const a = await buildTrt(CLS, trt({ steps: 1, stepMs: 1 }), ctx());
    const out = path.join(tmp, 'export', 'cls.engine');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    exportEngine(a.artifactPath, out);
    expect(() => checkEngine(out, { tensorrt: 'fake-1.0', computeCapability: '8.9' })).toThrow(
      /compute capability 8\.6/,
    );
    expect(() => checkEngine(out, { tensorrt: '10.15.0', computeCapability: '8.6' })).toThrow(
      /built with TensorRT fake-1\.0/,
    );
    const side = JSON.parse(fs.readFileSync(`${out}.json`, 'utf8')) as {
      compatibility: { versionCompatible: boolean };
    };
    // Issue 20, item 7: the consent no longer follows this editable flag; Kiln built these bytes,
    // so they pass whatever the sidecar says (engine-trust.test.ts: an outside engine does not).
    side.compatibility.versionCompatible = true;
    fs.writeFileSync(`${out}.json`, JSON.stringify(side));
    expect(checkEngine(out, { tensorrt: 'fake-1.0', computeCapability: '8.6' }).plugin).toBe('fake');
    fs.appendFileSync(out, 'tampered');
    expect(() => checkEngine(out, { tensorrt: 'fake-1.0', computeCapability: '8.6' })).toThrow(
      /does not match its sidecar/,
    );
    fs.rmSync(`${out}.json`);
    expect(() => checkEngine(out, { tensorrt: 'fake-1.0', computeCapability: '8.6' })).toThrow(/has no sidecar/);
  });
});

describe('a crashing TensorRT plugin', needs(NATIVE_ADDON), () => {
  const host = hostClient();

  it('fails only its job; the host restarts and the next build works', async () => {
    const source = { kind: 'path' as const, path: CLS };
    const err = await host.client
      .call('model.build', { source, options: { backend: 'tensorrt', trt: { fake: { crash: true, tag: 'crash' } } } })
      .catch((e: unknown) => e);
    expect((err as KilnError).code).toBe('HOST_CRASHED');
    const ok = await host.client.call('model.build', {
      source,
      options: { backend: 'tensorrt', trt: { fake: { steps: 1 } } },
    });
    expect(ok.backend).toBe('tensorrt');
    expect(ok.fusedNodes.length).toBeGreaterThan(0);
  });
});
