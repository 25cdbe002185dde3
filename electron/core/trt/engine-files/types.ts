/**
 * What the engine-file readers produce: the layers, I/O tensors, profile and times of one engine, as
 * plain data. Kept apart from the readers so the engine view, the TensorRT backend and tests can name
 * these shapes without pulling in any parsing.
 */
import type { LatencyStats } from '../../backends/backend';

export type LayerInfoSchema = '10' | '11' | 'names-only' | 'unknown';

/** Where a layer's precision was read: quantized inputs, weights, the tactic name, fused Q/DQ, its output. */
export type PrecisionSource = 'inputs' | 'weights' | 'tactic' | 'name' | 'output';

/** Data types as Kiln shows them: FP32, FP16, BF16, FP8, FP4, INT8, UINT8, INT4, INT32, INT64, BOOL, FP64. */
export type EngineDtype = string;

export interface EngineTensor {
  name: string;
  dims?: number[];
  /** Normalized data type (FP16, INT8, ...); the raw text when it is not one Kiln knows. */
  dtype?: EngineDtype;
  /** The format description as TensorRT wrote it (10.x: the whole `Format/Datatype` string). */
  format?: string;
  location?: string;
}

export interface IoTensor {
  name: string;
  /** 'input' or 'output'; for 10.x files inferred from which layers read and write the tensor. */
  mode?: string;
  dtype?: EngineDtype;
  dims?: number[];
  location?: string;
  isShapeIO?: boolean;
  /** 11.x: per optimization profile. */
  profiles?: Array<{ min?: number[]; opt?: number[]; max?: number[]; format?: string }>;
}

export interface NameRange {
  first: string;
  last: string;
}

export interface ReformatInfo {
  direction: 'input' | 'output';
  tensorIndex: number;
  /** The layer whose input or output is converted (its onnxNames are this layer's onnxNames). */
  target: string;
}

export interface ParsedLayerName {
  /** ONNX-ish names the layer name mentions, in order, without duplicates (range ends included). */
  names: string[];
  /** ForeignNode ranges, in order. */
  ranges: NameRange[];
  foreign: boolean;
  pointwise: boolean;
  reformat?: ReformatInfo;
  /** Optimization profile from a " [profile N]" suffix (absent for profile 0). */
  profile?: number;
  /** Things that did not parse cleanly. */
  problems: string[];
}

export interface EngineLayer {
  index: number;
  name: string;
  /** LayerType (CaskConvolution, PointWise, Myelin, Reformat, NoOp, kgen, ...); 'Unknown' without one. */
  type: string;
  parameterType?: string;
  origin?: string;
  /** The precision the layer computes in (precision.ts: inputs, weights, tactic, Q/DQ, output). */
  precision?: EngineDtype;
  /** Where `precision` was read. */
  precisionFrom?: PrecisionSource;
  /** The `Weights` record's type, normalized (FP16, INT8, ...). */
  weights?: EngineDtype;
  /** TacticName, else TacticValue. */
  tactic?: string;
  tacticValue?: string;
  inputs: EngineTensor[];
  outputs: EngineTensor[];
  /** ONNX node names this layer came from (from Metadata when it has any, else from the name). */
  onnxNames: string[];
  onnxNamesFrom: 'metadata' | 'name' | 'none';
  /** Names parsed from the layer name, whatever Metadata says. */
  nameParts: string[];
  /** The first ForeignNode range (see `ranges` for all). */
  range?: NameRange;
  ranges: NameRange[];
  reformat?: ReformatInfo;
  /** A conversion TensorRT inserted ("Reformatting CopyNode ..." or Origin REFORMAT); Q/DQ layers are not. */
  isReformat: boolean;
  /** A Myelin subgraph ("{ForeignNode[...]}" or LayerType Myelin). */
  isForeign: boolean;
  profile?: number;
  metadata?: string;
  /** The file was cut off inside this layer. */
  incomplete?: boolean;
  raw: Readonly<Record<string, unknown>> | string;
}

export interface EngineLayerInfo {
  kind: 'layer-info';
  fileName: string;
  schema: LayerInfoSchema;
  /**
   * Which TensorRT wrote the file: the version it carries, else what its schema allows ('11.x' for
   * I/O Tensors; '8.x or 10.x' for Bindings, '10.x' when it holds types only 10.x has).
   */
  tensorrt?: string;
  layers: EngineLayer[];
  ioTensors: IoTensor[];
  truncated: boolean;
  warnings: string[];
}

export interface ProfileLayer {
  index: number;
  name: string;
  /** Total over all profiled iterations. */
  timeMs: number;
  averageMs: number;
  medianMs?: number;
  percentage: number;
  onnxNames: string[];
  isReformat: boolean;
  isForeign: boolean;
  range?: NameRange;
}

export interface EngineProfile {
  kind: 'profile';
  fileName: string;
  /** The `count` record: iterations profiled. */
  iterations?: number;
  layers: ProfileLayer[];
  totalMs: number;
  /** Sum of the layers' average times: GPU time of one inference. */
  totalAverageMs: number;
  truncated: boolean;
  warnings: string[];
}

export interface TimingStats extends LatencyStats {
  count: number;
}

export interface EngineTimes {
  kind: 'times';
  fileName: string;
  /** Inferences read (records with a usable latency). */
  count: number;
  latency: TimingStats | null;
  compute: TimingStats | null;
  h2d: TimingStats | null;
  d2h: TimingStats | null;
  /** endEnqMs − startEnqMs. */
  enqueue: TimingStats | null;
  /** Inferences per second over the traced span (first H2D start to last D2H end). */
  throughputQps?: number;
  /** Coefficient of variation of GPU compute time (trtexec warns above 0.025). */
  computeCov?: number;
  truncated: boolean;
  warnings: string[];
}

export type EngineJson = EngineLayerInfo | EngineProfile | EngineTimes;
