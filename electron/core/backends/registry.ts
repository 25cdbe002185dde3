/**
 * The backends Kiln can build with, by name, and the one translation from the API's build options
 * to a backend's. The engine host asks here instead of branching on TensorRT vs ONNX Runtime, so a
 * new backend is one entry, not a ternary in every job.
 */
import type { z } from 'zod';
import type { BuildOptionsSchema } from '../../shared/api/backends';
import type { Backend, BackendName, BuildOptions } from './backend';
import { buildOrt, profileOrt } from './onnxruntime/ort-backend';
import { buildTrt, profileTrt } from './tensorrt/trt-backend';

type ApiBuildOptions = z.output<typeof BuildOptionsSchema>;

const BACKENDS: Record<BackendName, Backend> = {
  onnxruntime: {
    name: 'onnxruntime',
    build: buildOrt,
    profile: profileOrt,
    optimizationLabel: (o) => o.optimizationLevel,
  },
  tensorrt: {
    name: 'tensorrt',
    build: buildTrt,
    profile: profileTrt,
    optimizationLabel: (o) => `builder level ${o.trt?.builderOptimizationLevel ?? 3}`,
  },
};

export function backendNamed(name: BackendName): Backend {
  return BACKENDS[name];
}

/** The backend a request's build options name, and the options it takes (TensorRT's only for TensorRT). */
export function backendFor(build: ApiBuildOptions): { backend: Backend; options: BuildOptions } {
  const backend = backendNamed(build.backend);
  const options: BuildOptions = { optimizationLevel: build.optimizationLevel };
  if (backend.name === 'tensorrt' && build.trt) options.trt = build.trt;
  return { backend, options };
}

/** Builds the model with the backend the options name (every backend caches its artifacts). */
export function buildWith(path: string, build: ApiBuildOptions, ctx: Parameters<Backend['build']>[2]) {
  const { backend, options } = backendFor(build);
  return backend.build(path, options, ctx);
}
