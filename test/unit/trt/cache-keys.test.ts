/**
 * The TensorRT build cache's names: an engine's key changes with each of model, plugin, TensorRT
 * version, GPU and builder options (a new TensorRT or another GPU never loads an old plan), and only
 * with them; the timing cache is one per plugin, TensorRT version and GPU, whatever the model; names
 * made from what a plugin reports cannot leave the cache folder.
 */
import { describe, expect, it } from 'vitest';
import { TrtBuildOptionsSchema } from '../../../electron/shared/api/backends';
import { engineCacheKey, timingCacheName } from '../../../electron/core/backends/tensorrt/cache-keys';

const base = {
  model: 'a'.repeat(64),
  plugin: 'tensorrt',
  tensorrt: '10.16.0',
  gpu: '8.6',
  trt: TrtBuildOptionsSchema.parse({}),
};

describe('the engine cache key', () => {
  it('is 24 hex digits, the same for the same parts', () => {
    expect(engineCacheKey(base)).toMatch(/^[0-9a-f]{24}$/);
    expect(engineCacheKey({ ...base, trt: TrtBuildOptionsSchema.parse({}) })).toBe(engineCacheKey(base));
  });

  it('changes with every part: model, plugin, TensorRT version, GPU, builder options, shape-tensor values', () => {
    const keys = [
      base,
      { ...base, model: 'b'.repeat(64) },
      { ...base, plugin: 'fake' },
      { ...base, tensorrt: '11.1.0' },
      { ...base, tensorrt: '10.16.1' },
      { ...base, gpu: '9.0' },
      { ...base, trt: undefined },
      { ...base, trt: TrtBuildOptionsSchema.parse({ builderOptimizationLevel: 5 }) },
      { ...base, trt: TrtBuildOptionsSchema.parse({ profiles: { s: { values: { min: [1], opt: [2], max: [3] } } } }) },
      { ...base, trt: TrtBuildOptionsSchema.parse({ profiles: { s: { values: { min: [1], opt: [2], max: [4] } } } }) },
    ].map(engineCacheKey);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('the timing cache name', () => {
  it('names the plugin, the TensorRT version and the GPU', () => {
    expect(timingCacheName('tensorrt', '10.16.0', '8.6')).toBe('timing-tensorrt-10.16.0-sm8.6.cache');
    expect(timingCacheName('tensorrt', '11.1.0', '8.6')).not.toBe(timingCacheName('tensorrt', '10.16.0', '8.6'));
    expect(timingCacheName('tensorrt', '10.16.0', '9.0')).not.toBe(timingCacheName('tensorrt', '10.16.0', '8.6'));
  });

  it('keeps what a plugin reports to file-name characters: no folder, no way out of the cache', () => {
    const name = timingCacheName('../x', '10/../../etc', 'sm 8.6');
    expect(name).not.toMatch(/[/\\ ]/);
    expect(name).toBe('timing-__x-10_.._.._etc-smsm_8.6.cache');
    expect(timingCacheName('..', '.', '')).toBe('timing-_-_-sm_.cache');
  });
});
