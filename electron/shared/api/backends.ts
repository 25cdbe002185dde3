/**
 * Building and profiling as the API carries them: the options a build takes (ONNX Runtime's level,
 * TensorRT's builder settings and profiles), the profile options, and what a build and a profile
 * report. Kept apart from contract.ts, which names these in model.build, model.profile and
 * model.export, so each file stays one readable size.
 */
import { z } from 'zod';
import { LatencySchema } from './latency';
import { TrtexecTuningSchema } from './tensorrt';
import { ModelSourceSchema, ShapesSchema } from './sources';
import { BuildWarningsSchema, TrtInputProfileSchema } from './trt-build';

export const TrtBuildOptionsSchema = z.object({
  /** Builder optimization level 0-5 (trtexec --builderOptimizationLevel; 3 is TensorRT's default). */
  builderOptimizationLevel: z.number().int().min(0).max(5).default(3),
  workspaceMiB: z
    .number()
    .int()
    .min(16)
    .max(1 << 20)
    .optional(),
  /** Engines that run on Ampere and newer GPUs, not only the one they were built on. */
  hardwareCompatibility: z.enum(['none', 'ampere+']).default('none'),
  /** Version-compatible engines embed a lean runtime (and can carry code: Kiln asks before loading one it did not make). */
  versionCompatible: z.boolean().default(false),
  /** TensorRT 10: strongly typed network (precision from the model); 11.x is always strongly typed. */
  stronglyTyped: z.boolean().default(true),
  /**
   * TF32 for FP32 layers on Ampere and newer (TensorRT's default: FP32's range, FP16's 10-bit
   * mantissa); false builds them in strict FP32 (trtexec --noTF32), for an FP32 engine that matches
   * ONNX Runtime's FP32 closely.
   */
  tf32: z.boolean().default(true),
  /** Optimization profile per input: min/opt/max dims and shape-tensor values; absent inputs use the profile's shapes. */
  profiles: z.record(z.string(), TrtInputProfileSchema).default({}),
  /** TensorRT 11's trtexec build-route tuner and accuracy check, for the exported trtexec command only. */
  tuning: TrtexecTuningSchema.optional(),
  /** Test hook for the fake plugin (steps, failures, crash); ignored by real plugins. */
  fake: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])).optional(),
});

export const BuildOptionsSchema = z.object({
  backend: z.enum(['onnxruntime', 'tensorrt']).default('onnxruntime'),
  optimizationLevel: z.enum(['disabled', 'basic', 'extended', 'all']).default('extended'),
  trt: TrtBuildOptionsSchema.optional(),
});

export const ProfileOptionsSchema = z.object({
  warmupMs: z.number().int().min(0).max(600_000).default(200),
  iterations: z.number().int().min(1).max(1_000_000).optional(),
  durationS: z.number().min(0.05).max(3600).optional(),
  shapes: ShapesSchema.default({}),
  seed: z.number().int().default(1),
  intraOpThreads: z.number().int().min(1).max(256).optional(),
  layerRuns: z.number().int().min(0).max(1000).default(10),
  /** Inputs from a .npy/.npz file (input name -> array, the first sample is used) instead of seeded data. */
  inputs: ModelSourceSchema.optional(),
});

export const BuildInfoSchema = z.object({
  backend: z.string(),
  backendVersion: z.string(),
  device: z.string(),
  modelSha256: z.string(),
  artifactBytes: z.number(),
  buildMs: z.number(),
  cached: z.boolean(),
  optimizationLevel: z.string(),
  nodes: z.number().int(),
  fusedNodes: z.array(z.object({ node: z.string(), op: z.string(), originals: z.array(z.string()) })),
  warnings: BuildWarningsSchema,
});
export type BuildInfo = z.infer<typeof BuildInfoSchema>;

export const ProfileReportSchema = z.object({
  backend: z.string(),
  backendVersion: z.string(),
  device: z.string(),
  model: z.string(),
  shapes: z.record(z.string(), z.array(z.number())),
  iterations: z.number().int(),
  totalMs: z.number(),
  throughput: z.number(),
  latencyMs: LatencySchema,
  samplesMs: z.array(z.number()).max(2000),
  cov: z.number(),
  warnings: z.array(z.string()),
  coldStartMs: z.number(),
  /** The engine host's resident-memory high-water mark since it started: every run so far, not this one alone. */
  peakRssBytes: z.number(),
  /** This run's memory: the host's RSS before the run's session opened and the highest sampled while it ran. */
  memory: z.object({ rssBeforeBytes: z.number(), rssPeakBytes: z.number() }),
  /** Runs the per-layer times are the median of (the profiler's first, allocating run left out). */
  layerRuns: z.number().int(),
  /** Median wall time of one profiled run (profiler on); null when the backend does not say. */
  profiledRunMs: z.number().nullable(),
  layers: z.array(
    z.object({ node: z.string(), op: z.string(), ms: z.number(), share: z.number(), originals: z.array(z.string()) }),
  ),
  byOpType: z.array(z.object({ op: z.string(), ms: z.number(), share: z.number(), count: z.number().int() })),
  perNodeMs: z.record(z.string(), z.number()),
  build: BuildInfoSchema,
});
export type ProfileReport = z.infer<typeof ProfileReportSchema>;
