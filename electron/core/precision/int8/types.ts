/**
 * What quantizeInt8 takes and gives back — the options a caller sets (flavour, calibrator, data,
 * include/exclude, statistics to reuse) and the report of what was quantized and how — and the
 * plan (plan.ts) that every later step reads. The folder's other types belong to the step that
 * makes them.
 */
import type { InputData } from '../../inputs/feeds';
import type { ActivationStats, CalibratorKind } from '../calibrate';

export interface Int8Options {
  /** What metadata_props names as the source (`name sha256:…`); the input file by default. */
  source?: string;
  data: InputData;
  calibrator: CalibratorKind;
  /** For the percentile calibrator (default 99.99). */
  percentile?: number;
  flavour: 'tensorrt' | 'onnxruntime';
  /** Per-channel weight scales (default true); false = one scale per weight tensor. */
  perChannel?: boolean;
  /**
   * Added to what is quantized by default (Conv, ConvTranspose, MatMul, Gemm): op types (e.g.
   * MaxPool, AveragePool, GlobalAveragePool, Add, Mul, Concat) and node names. Exclusions win.
   */
  include?: { ops?: string[]; nodes?: string[] };
  /** Op types and node names left in float. Excluding 'Add' turns off TensorRT's residual-Add rule. */
  exclude?: { ops?: string[]; nodes?: string[] };
  signal?: AbortSignal;
  onProgress?: (fraction: number, stage: string) => void;
  /** Also write a TensorRT calibration cache (text, TRT-<version>-EntropyCalibration2) for the source model. */
  calibrationCachePath?: string;
  /** Version number in the cache header (default 8601, TensorRT 8.6.1). */
  trtVersion?: number;
  /** Tensors exposed per calibration pass (default 200). */
  maxTensorsPerPass?: number;
  /** Equalize Conv inputs per channel before quantizing (default: for TensorRT only, as measured; see equalize.ts). */
  equalize?: boolean;
  /**
   * Statistics kept across calls that differ only in the nodes left float (the speed check, the
   * mixed search): a call whose tensors were all measured before does not run the data again.
   * Leaving a node float changes no other tensor's values, so the statistics stay valid.
   */
  reuse?: CalibrationReuse;
}

/** Per-tensor statistics already measured on one model, data and calibrator. */
export interface CalibrationReuse {
  /** Per-channel ranges before equalization. */
  channels: Map<string, ActivationStats>;
  /** Ranges (and histograms) of the tensors that get Q/DQ, after equalization. */
  ranges: Map<string, ActivationStats>;
  /** `ranges` holds every float activation (measured for a TensorRT calibration cache). */
  complete?: boolean;
}

export interface ActivationScale {
  type: 'int8' | 'uint8';
  scale: number;
  zeroPoint: number;
  /** Clipping threshold on |x| the calibrator chose. */
  threshold: number;
  min: number;
  max: number;
  /** Scale and zero point taken over from this tensor (an op that passes values through). */
  sharedWith?: string;
}

export interface Int8Result {
  outPath: string;
  bytes: number;
  flavour: Int8Options['flavour'];
  calibrator: CalibratorKind;
  /** Nodes running on quantized inputs (weighted ops and included ops). */
  quantizedNodes: string[];
  /** Residual Adds whose second input was quantized so TensorRT fuses them with the Conv before. */
  residualAdds: string[];
  skipped: { node: string; op: string; reason: string }[];
  /** Per activation tensor with a Q/DQ pair. */
  activations: Record<string, ActivationScale>;
  /** Per quantized weight: its scales (one per channel along `axis`, or one). */
  weights: Record<string, { axis: number | null; scales: number[] }>;
  /** Biases stored as INT32 (onnxruntime flavour). */
  int32Biases: string[];
  qdqPairs: number;
  opset: { from: number; to: number; converted: { node: string; op: string; change: string }[] };
  prepared: {
    constantsToInitializers: number;
    batchNormsFolded: number;
    affineFolded: number;
    hardSigmoidsFused: number;
    /** Conv inputs whose channels were equalized (their scale moved into the ops before). */
    channelsEqualized: string[];
  };
  calibrationCachePath: string | null;
  /** Samples calibrated on (null when counted from files). */
  calibrationSamples: number | null;
  notes: string[];
  ms: number;
}

/** A constant operand of a quantized node, to become an INT8 weight (axis: weightAxis). */
export interface WeightUse {
  node: number;
  /** Input position of the weight. */
  index: number;
  axis: number | null;
}

/** Where Q/DQ goes: the nodes that run quantized and the tensors, weights and biases that get pairs. */
export interface Plan {
  quantized: Set<number>;
  residualAdds: number[];
  skipped: Int8Result['skipped'];
  /** Tensor id → consumers (node id → input positions) that read the dequantized tensor; -1 key = all. */
  qTensors: Map<number, Set<number> | 'all'>;
  /** Tensor id → tensor whose scale it shares. */
  shareFrom: Map<number, number>;
  weights: WeightUse[];
  /** Conv/Gemm bias inputs to store as INT32: node id → input position. */
  biases: Map<number, number>;
}
