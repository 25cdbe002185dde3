/**
 * Every ONNX Runtime session a job opens is released, however the job ends. A session holds its
 * model's weights in native memory the garbage collector does not see, so one left open per
 * cancelled profile grows an engine host without bound (found reading the code behind the soak's
 * memory figures, issue 20): the per-layer pass of a profile skipped its release when cancelled.
 */
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOrt, profileOrt } from '../../electron/core/backends/onnxruntime/ort-backend';
import { liveSessions } from '../../electron/core/backends/onnxruntime/session';
import { compareModels } from '../../electron/core/compare/compare';
import { makeVariant } from '../../electron/core/precision/variants';
import type { JobContext } from '../../electron/core/jobs/context';
import { RecipeSchema } from '../../electron/shared/api/variants';
import type { KilnError } from '../../electron/shared/api/errors';
import { variantPath } from '../../electron/platform/paths';
import { suiteTempDir } from './helpers';

const CLS = path.resolve(__dirname, '../../assets/sample/ch_ppocr_mobile_v2.0_cls_infer.onnx');
const SHAPES = { x: [1, 3, 48, 192] };
const tmp = suiteTempDir('kiln-ort-sessions-');
const saved = process.env.KILN_CACHE_DIR;
beforeAll(() => {
  process.env.KILN_CACHE_DIR = path.join(tmp, 'cache');
});
afterAll(() => {
  if (saved === undefined) delete process.env.KILN_CACHE_DIR;
  else process.env.KILN_CACHE_DIR = saved;
});

/** A context that cancels itself when a progress stage matching `at` is reported. */
function cancelAt(at: RegExp): JobContext {
  const controller = new AbortController();
  return {
    signal: controller.signal,
    progress: (p) => {
      if (at.test(p.stage)) controller.abort();
    },
  };
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => e as KilnError,
  );

describe('ONNX Runtime sessions', () => {
  it('a profile cancelled in its per-layer pass releases the session it opened there', async () => {
    const artifact = await buildOrt(CLS, { optimizationLevel: 'basic' }, cancelAt(/^$/));
    expect(liveSessions()).toBe(0);
    const options = { warmupMs: 0, iterations: 5, shapes: SHAPES, seed: 1, layerRuns: 50 };
    const err = await failure(profileOrt(artifact, options, cancelAt(/Per-layer profile/)));
    expect(err?.code).toBe('CANCELLED');
    expect(liveSessions()).toBe(0);
    // And one that finishes, and one cancelled while timing.
    await profileOrt(artifact, { ...options, layerRuns: 2 }, cancelAt(/^$/));
    expect(liveSessions()).toBe(0);
    const timing = await failure(profileOrt(artifact, { ...options, iterations: 10_000 }, cancelAt(/Timing/)));
    expect(timing?.code).toBe('CANCELLED');
    expect(liveSessions()).toBe(0);
  });

  it('a comparison, finished or cancelled, leaves no session open', async () => {
    const recipe = RecipeSchema.parse({ precision: 'fp16', calibrationSamples: 0 });
    const variant = await makeVariant(CLS, 'cls.onnx', recipe, cancelAt(/^$/));
    const reference = { path: CLS, name: 'cls.onnx', id: 'reference' };
    const variants = [{ path: variantPath(variant.id), name: variant.name, id: variant.id }];
    const opts = {
      samples: 2,
      seed: 1,
      shapes: SHAPES,
      thresholds: { atol: 1e-3, rtol: 1e-3, cosine: 0.99, psnr: 20, snr: 10, top1: null },
      layerwise: true,
    };
    await compareModels(reference, variants, opts, cancelAt(/^$/));
    expect(liveSessions()).toBe(0);
    const err = await failure(compareModels(reference, variants, { ...opts, samples: 50 }, cancelAt(/Sample 3 /)));
    expect(err?.code).toBe('CANCELLED');
    expect(liveSessions()).toBe(0);
  });
});
