/**
 * Build warnings and shape-tensor values, end to end with Kiln's fake TensorRT plugin: a shape
 * tensor the request gives no values for is built for all 1s and the build says so — in the
 * artifact, kept with a cached build, and through the contract (model.build and model.profile
 * replies, validated by their schemas); given min/opt/max values reach the plugin as asked and
 * the warning goes; malformed values are refused at the contract with the problem named. The cache
 * entry is found where engineCacheKey names it, from the TensorRT and GPU the plugin reports.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuildInfoSchema, ProfileReportSchema } from '../../electron/shared/api/backends';
import type { KilnError } from '../../electron/shared/api/errors';
import { buildTrt } from '../../electron/core/backends/tensorrt/trt-backend';
import { engineCacheKey } from '../../electron/core/backends/tensorrt/cache-keys';
import { NATIVE_ADDON, needs } from '../prerequisites';
import { fakeTrtSuite, hostClient, runKiln } from './helpers';

const CLS = path.resolve(__dirname, '../../assets/sample/ch_ppocr_mobile_v2.0_cls_infer.onnx');
const tmp = fakeTrtSuite('kiln-trt-warnings-');
const ALL_ONES = 'shape tensor input x has no values in the request: built for all 1s';
const VALUES = { min: [1, 1], opt: [2, 3], max: [4, 6] };

const ctx = () => ({ signal: new AbortController().signal, progress: () => {} });
const options = (profiles: Record<string, { values: typeof VALUES }>, fake: Record<string, string | number>) => ({
  optimizationLevel: 'extended' as const,
  trt: {
    builderOptimizationLevel: 3,
    hardwareCompatibility: 'none' as const,
    versionCompatible: false,
    stronglyTyped: true,
    tf32: true,
    profiles,
    fake: { steps: 1, stepMs: 1, ...fake },
  },
});

describe('TensorRT build warnings and shape-tensor values (fake plugin)', needs(NATIVE_ADDON), () => {
  it('a shape tensor without values is built for all 1s, and the artifact says so, cached or not', async () => {
    const a = await buildTrt(CLS, options({}, { shapeTensors: 'x' }), ctx());
    expect(a.warnings).toEqual([ALL_ONES]);
    const again = await buildTrt(CLS, options({}, { shapeTensors: 'x' }), ctx());
    expect(again.cached).toBe(true);
    expect(again.warnings).toEqual([ALL_ONES]);
    // The cache entry is named by the model, plugin, the TensorRT and GPU the plugin reports, and the options.
    const key = engineCacheKey({
      model: a.modelSha256,
      plugin: 'fake',
      tensorrt: 'fake-1.0',
      gpu: '8.6',
      trt: options({}, { shapeTensors: 'x' }).trt,
    });
    expect(path.relative(tmp, a.artifactPath)).toBe(path.join('tensorrt', key, 'model.engine'));
  });

  it('given min/opt/max values reach the plugin as asked, and there is no warning; a model that has none warns of nothing', async () => {
    const a = await buildTrt(CLS, options({ x: { values: VALUES } }, { shapeTensors: 'x' }), ctx());
    expect(a.warnings).toEqual([]);
    const engine = JSON.parse(fs.readFileSync(a.artifactPath, 'utf8')) as { shapeValues: Record<string, unknown> };
    expect(engine.shapeValues).toEqual({ x: VALUES });
    // No shape tensors in the (fake) network: nothing to warn of.
    expect((await buildTrt(CLS, options({}, { tag: 'none' }), ctx())).warnings).toEqual([]);
  });

  it('values or dims for a name that is not an input are refused, naming it, the file and the inputs', async () => {
    // The plugin sets a profile per network input: a misspelt name would be passed over in silence.
    const typo = buildTrt(CLS, options({ shape: { values: VALUES } }, { shapeTensors: 'x' }), ctx());
    await expect(typo).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      file: path.basename(CLS),
      message: `${path.basename(CLS)} has no input named "shape" to give a TensorRT profile for; its inputs are "x"`,
    });
  });

  describe('through the contract', () => {
    const host = hostClient();
    const source = { kind: 'path' as const, path: CLS };

    it('model.build and model.profile carry the build warnings, valid by their schemas', async () => {
      const trt = { fake: { steps: 1, shapeTensors: 'x', tag: 'contract' } };
      const built = await host.client.call('model.build', { source, options: { backend: 'tensorrt', trt } });
      expect(BuildInfoSchema.parse(built).warnings).toEqual([ALL_ONES]);
      const report = await host.client.call('model.profile', {
        source,
        build: { backend: 'tensorrt', trt },
        profile: { iterations: 5, warmupMs: 0, shapes: { x: [1, 3, 48, 192] }, layerRuns: 1 },
      });
      expect(ProfileReportSchema.parse(report).build.warnings).toEqual([ALL_ONES]);
      const given = await host.client.call('model.build', {
        source,
        options: { backend: 'tensorrt', trt: { ...trt, profiles: { x: { values: VALUES } } } },
      });
      expect(given.warnings).toEqual([]);
      // ONNX Runtime builds warn of nothing here, and say so with an empty list.
      const ort = await host.client.call('model.build', { source, options: { backend: 'onnxruntime' } });
      expect(ort.warnings).toEqual([]);
    });

    it('refuses malformed values with the problem named', async () => {
      const bad = async (x: Record<string, unknown>) => {
        const err = (await host.client
          .call('model.build', {
            source,
            options: { backend: 'tensorrt', trt: { profiles: { x } as never } },
          })
          .catch((e: unknown) => e)) as KilnError;
        expect(err.code).toBe('INVALID_ARGUMENT');
        return err.message;
      };
      expect(await bad({ values: { min: [1], opt: [2, 3], max: [4, 6] } })).toMatch(/one length, not 1\/2\/2/);
      expect(await bad({ values: { min: [3, 3], opt: [2, 3], max: [4, 6] } })).toMatch(/min ≤ opt ≤ max/);
      expect(await bad({ min: [1, 3] })).toMatch(/all of min, opt and max dims, or none/);
      expect(await bad({})).toMatch(/dims, shape-tensor values, or both/);
    });
  });

  describe('kiln profile --backend tensorrt', () => {
    // The fake plugin is told which inputs are shape tensors through the environment the CLI passes on.
    beforeAll(() => {
      process.env.KILN_FAKE_SHAPE_TENSORS = 'x';
    });
    afterAll(() => {
      delete process.env.KILN_FAKE_SHAPE_TENSORS;
    });
    const profile = (...more: string[]) =>
      runKiln(['profile', CLS, '--backend', 'tensorrt', '--iterations', '3', '--shapes', 'x:1x3x48x192', ...more], {
        timeout: 120_000,
      });

    it("prints the builder's warning without values, none with them, and refuses values it cannot read", () => {
      const bare = profile();
      expect(bare.code, bare.stderr).toBe(0);
      expect(bare.stdout).toContain(`build warning: ${ALL_ONES}\n`);
      expect(bare.stdout).toMatch(/on tensorrt fake-1\.0/);
      const given = profile('--shape-values', 'x:1x1/2x3/6x6');
      expect(given.code, given.stderr).toBe(0);
      expect(given.stdout).not.toContain('build warning');
      const bad = profile('--shape-values', 'x:1x1/2x3');
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('--shape-values: shape-tensor values "x:1x1/2x3" give 2 lists');
      const ort = runKiln(['profile', CLS, '--shape-values', 'x:2x3', '--iterations', '3'], { timeout: 60_000 });
      expect(ort.code).toBe(2);
      expect(ort.stderr).toContain('--shape-values applies to --backend tensorrt');
    });
  });
});
