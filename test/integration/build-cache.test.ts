// The ONNX Runtime build cache under the conditions that broke it: many builds of one model at once
// (temp names that collided), models whose weights live in external data (an optimized copy whose
// data path no longer resolved), and an artifact that cannot be loaded (cached, so retries failed too).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOrt, profileOrt } from '../../electron/core/backends/onnxruntime/ort-backend';
import type { JobContext } from '../../electron/core/jobs/context';
import { externalWeightsModel } from '../builders/external';

const CLS = path.resolve(__dirname, '../../assets/sample/ch_ppocr_mobile_v2.0_cls_infer.onnx');
const ctx: JobContext = { progress: () => {}, signal: new AbortController().signal };
const quick = { warmupMs: 0, iterations: 3, seed: 1, layerRuns: 1 };
let work: string;
let cache: string;

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-build-cache-'));
  cache = path.join(work, 'cache');
  process.env.KILN_CACHE_DIR = cache;
});
afterAll(() => {
  delete process.env.KILN_CACHE_DIR;
  fs.rmSync(work, { recursive: true, force: true });
});

describe('ONNX Runtime build cache', () => {
  it('twenty builds of one model at once all succeed, and leave no temp file behind', async () => {
    const builds = await Promise.allSettled(
      Array.from({ length: 20 }, () => buildOrt(CLS, { optimizationLevel: 'basic' }, ctx)),
    );
    const failed = builds
      .filter((b) => b.status === 'rejected')
      .map((b) => String((b as PromiseRejectedResult).reason));
    expect(failed).toEqual([]);
    const dir = path.dirname((builds[0] as PromiseFulfilledResult<{ artifactPath: string }>).value.artifactPath);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a model with external data builds and profiles, also from the cache', async () => {
    const m = externalWeightsModel(path.join(work, 'ext'), 3 * 64 * 64 * 4, { tensorBytes: 64 * 64 * 4 });
    const a = await buildOrt(m.modelPath, { optimizationLevel: 'extended' }, ctx);
    const r = await profileOrt(a, { ...quick, shapes: { input: [1, 64] } }, ctx);
    expect(r.iterations).toBe(3);
    const again = await buildOrt(m.modelPath, { optimizationLevel: 'extended' }, ctx);
    expect(again.cached).toBe(true);
    await expect(profileOrt(again, { ...quick, shapes: { input: [1, 64] } }, ctx)).resolves.toMatchObject({
      iterations: 3,
    });
  });

  it('a cached artifact that cannot be loaded is rebuilt, not served again', async () => {
    const a = await buildOrt(CLS, { optimizationLevel: 'extended' }, ctx);
    fs.writeFileSync(a.artifactPath, 'not a model');
    const b = await buildOrt(CLS, { optimizationLevel: 'extended' }, ctx);
    expect(b.cached).toBe(false);
    await expect(profileOrt(b, { ...quick, shapes: { x: [1, 3, 48, 192] } }, ctx)).resolves.toMatchObject({
      iterations: 3,
    });
  });
});

describe('ONNX Runtime errors', () => {
  it('name the file, never the folder it sits in', async () => {
    const dir = path.join(work, 'missing-data');
    const m = externalWeightsModel(dir, 64 * 64 * 4, { tensorBytes: 64 * 64 * 4 });
    fs.rmSync(m.weightsPath);
    const err = (await buildOrt(m.modelPath, { optimizationLevel: 'basic' }, ctx).catch((e: unknown) => e)) as Error;
    expect(err.message).toContain('weights.bin');
    expect(err.message).not.toContain(work);
    expect(err.message).not.toContain(os.tmpdir());
  });
});
