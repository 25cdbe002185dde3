/**
 * Where TensorRT builds are cached, by name. An engine is tied to the model, the plugin, the TensorRT
 * version, the GPU (compute capability) and the builder options: all five are in its key, so a new
 * TensorRT or another GPU builds afresh instead of loading a plan it cannot run. The timing cache is
 * shared by every model and option (its tactic timings are not the model's), but never across TensorRT
 * versions or GPUs. Names made from what the plugin reports are kept to safe file-name characters.
 */
import { createHash } from 'node:crypto';
import type { TrtBuildOptions } from '../backend';

export interface EngineKeyParts {
  /** The model's sha256. */
  model: string;
  /** The plugin's name ('fake', 'tensorrt'). */
  plugin: string;
  /** The TensorRT version the plugin runs ('10.16.0'). */
  tensorrt: string;
  /** The GPU's compute capability ('8.6'). */
  gpu: string;
  trt: TrtBuildOptions | undefined;
}

/** The engine cache entry's folder name: 24 hex digits of a hash over every part. */
export function engineCacheKey(p: EngineKeyParts): string {
  return createHash('sha256')
    .update(JSON.stringify({ model: p.model, plugin: p.plugin, tensorrt: p.tensorrt, gpu: p.gpu, trt: p.trt }))
    .digest('hex')
    .slice(0, 24);
}

/** A reported name as a file-name part: anything but letters, digits, '.', '_' and '-' becomes '_'. */
const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_') || '_';

/** The timing cache's file name: one per plugin, TensorRT version and GPU. */
export function timingCacheName(plugin: string, tensorrt: string, computeCapability: string): string {
  return `timing-${safe(plugin)}-${safe(tensorrt)}-sm${safe(computeCapability)}.cache`;
}
