/**
 * What every backend offers (ONNX Runtime, and TensorRT through native/'s plugin seam): probe the machine,
 * build an artifact from a model variant, profile it the way trtexec does, run it on inputs.
 * Each call takes a JobContext so the engine host can report progress and cancel.
 */
import type { z } from 'zod';
import type { TrtBuildOptionsSchema } from '../../shared/api/backends';
import type { JobContext } from '../jobs/context';

type TrtBuildOptions = z.output<typeof TrtBuildOptionsSchema>;

export interface BackendProbe {
  backend: string;
  available: boolean;
  version: string | null;
  /** What will run the model, e.g. "CPU (CPUExecutionProvider)". */
  device: string;
  reason: string | null;
}

export interface BuildOptions {
  /** ONNX Runtime graph optimization level; 'extended' is portable across machines, 'all' is not. */
  optimizationLevel: 'disabled' | 'basic' | 'extended' | 'all';
  /** TensorRT builder options (see TrtBuildOptionsSchema in the API contract). */
  trt?: TrtBuildOptions;
}
export type { TrtBuildOptions };

/** One node of the built graph and the original ONNX nodes it stands for (fusions cover several). */
export interface NodeMapping {
  node: string;
  op: string;
  originals: string[];
}

/** The backends Kiln builds with (see registry.ts). */
export type BackendName = 'onnxruntime' | 'tensorrt';

export interface BuildArtifact {
  backend: BackendName;
  backendVersion: string;
  device: string;
  modelPath: string;
  modelSha256: string;
  artifactPath: string;
  artifactBytes: number;
  /** The artifact's external data file, where its weights are kept outside it. */
  externalDataPath?: string;
  buildMs: number;
  options: BuildOptions;
  /** True when the artifact came from the build cache. */
  cached: boolean;
  nodeMap: NodeMapping[];
  /** What the builder warned of (TensorRT: dynamic inputs or shape tensors built for 1s); kept with a cached build. */
  warnings?: string[];
}

export interface ProfileOptions {
  warmupMs: number;
  /** Stop after this many timed runs, or after durationS seconds, whichever is given. */
  iterations?: number;
  durationS?: number;
  /** Concrete dims for inputs, by input name. Symbolic dims with no value fail, except a leading batch dim (1). */
  shapes: Record<string, number[]>;
  seed: number;
  intraOpThreads?: number;
  /** Per-layer time from a separate profiled run (profiling adds overhead, as in trtexec). */
  layerRuns: number;
  /** A .npy/.npz file whose first sample feeds the runs (instead of seeded data). */
  inputFile?: string;
}

export interface LatencyStats {
  min: number;
  max: number;
  mean: number;
  median: number;
  p90: number;
  p95: number;
  p99: number;
}

export interface LayerTime {
  node: string;
  op: string;
  ms: number;
  share: number;
  /** The original ONNX nodes this layer covers. */
  originals: string[];
}

export interface ProfileReport {
  backend: string;
  backendVersion: string;
  device: string;
  model: string;
  shapes: Record<string, number[]>;
  iterations: number;
  totalMs: number;
  throughput: number;
  latencyMs: LatencyStats;
  /** Latencies in run order, thinned to at most 2,000, for the distribution chart. */
  samplesMs: number[];
  cov: number;
  warnings: string[];
  coldStartMs: number;
  /** The engine host's resident-memory high-water mark since it started (every run so far). */
  peakRssBytes: number;
  /** This run's memory: RSS before its session opened, and the highest sampled while it ran. */
  memory: { rssBeforeBytes: number; rssPeakBytes: number };
  /** Runs the per-layer times are the median of. */
  layerRuns: number;
  /** Median wall time of one profiled run (profiler on); null when the backend does not say. */
  profiledRunMs: number | null;
  layers: LayerTime[];
  byOpType: Array<{ op: string; ms: number; share: number; count: number }>;
  /** Per original ONNX node: milliseconds (a fused layer's time is split evenly over the nodes it covers). */
  perNodeMs: Record<string, number>;
}

/**
 * One backend as the engine host sees it: build a model into an artifact (cached), then profile the
 * artifact. The host picks a backend by the name in the request's build options and never branches
 * on which one it got (Polygraphy's loader/runner split: the job code is the same for every runner).
 */
export interface Backend {
  readonly name: BackendName;
  build(modelPath: string, options: BuildOptions, ctx: JobContext): Promise<BuildArtifact>;
  profile(artifact: BuildArtifact, options: ProfileOptions, ctx: JobContext): Promise<ProfileReport>;
  /** How the artifact was optimized, in words for the build card ("extended", "builder level 3"). */
  optimizationLabel(options: BuildOptions): string;
}
