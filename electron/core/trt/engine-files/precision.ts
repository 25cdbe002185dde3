/**
 * What precision an engine layer computes in. The type of its output is not it: an INT8 convolution
 * that feeds a float layer writes FP32 ("conv1.weight + QuantizeLinear_7 + Conv_9" read FP32), and
 * a reformat's output is only what it converts to. The evidence, strongest first: quantized inputs
 * or weights (INT8, FP8, INT4, FP4), the kernel's tactic name (i8i8, h884, f16f16, bf16, tf32, fp32…),
 * Q/DQ fused into the layer, the weights' type, the inputs' type, and only then the output's.
 */
import type { EngineDtype, EngineTensor, PrecisionSource } from './types';

const QUANTIZED = new Set(['INT8', 'FP8', 'INT4', 'FP4']);

/** Tactic-name tokens, checked in this order (bf16 before f16; hashes are stripped first). */
const TACTIC_TOKENS: Array<[RegExp, EngineDtype]> = [
  [/i8i8|i8f32|i8f16|int8|imma|(?:^|_)i8(?:_|$)/, 'INT8'],
  [/e4m3|e5m2|fp8/, 'FP8'],
  [/bf16/, 'BF16'],
  [/f16|h884|h1688|h16816|hmma|fp16|half/, 'FP16'],
  // TF32: FP32's range with a 10-bit mantissa, on tensor cores (Ampere and later). TensorRT allows it
  // unless the build clears it (trtexec --noTF32), so an "FP32" engine runs many convolutions in it:
  // "…_f32f32_tf32f32_f32_…". Told apart from FP32 because it explains FP32-build accuracy gaps.
  [/tf32/, 'TF32'],
  [/f32|s884|s1688|sgemm|fp32/, 'FP32'],
];

/** The precision a tactic name says, if any. Hex ids and hashes are not read ("…0x5c1ae…f16…"). */
export function tacticPrecision(tactic: string | undefined): EngineDtype | undefined {
  if (!tactic) return undefined;
  const t = tactic
    .toLowerCase()
    .replace(/0x[0-9a-f]+/g, '_')
    .replace(/[0-9a-f]{16,}/g, '_');
  for (const [re, dtype] of TACTIC_TOKENS) if (re.test(t)) return dtype;
  return undefined;
}

const QDQ_NAME = /(?:^|[^a-z])(?:de)?quantizelinear/i;

export interface PrecisionEvidence {
  inputs: readonly EngineTensor[];
  outputs: readonly EngineTensor[];
  /** The `Weights` record's Type, normalized (FP16, INT8, ...). */
  weights?: EngineDtype;
  tactic?: string;
  /** Names the layer fuses (from its name and Metadata). */
  names: readonly string[];
  isReformat: boolean;
}

/** The layer's compute precision and where it was read; undefined when nothing says. */
export function layerPrecision(e: PrecisionEvidence): { precision: EngineDtype; from: PrecisionSource } | undefined {
  const input = e.inputs.find((t) => t.dtype && KNOWN.test(t.dtype))?.dtype;
  const output = e.outputs.find((t) => t.dtype && KNOWN.test(t.dtype))?.dtype;
  // A reformat computes nothing: what it converts to is the useful fact.
  if (e.isReformat) return output ? { precision: output, from: 'output' } : undefined;
  if (input && QUANTIZED.has(input)) return { precision: input, from: 'inputs' };
  if (e.weights && QUANTIZED.has(e.weights)) return { precision: e.weights, from: 'weights' };
  const tactic = tacticPrecision(e.tactic);
  if (tactic) return { precision: tactic, from: 'tactic' };
  if (e.names.some((n) => QDQ_NAME.test(n))) return { precision: 'INT8', from: 'name' };
  if (e.weights && KNOWN.test(e.weights)) return { precision: e.weights, from: 'weights' };
  if (input) return { precision: input, from: 'inputs' };
  if (output) return { precision: output, from: 'output' };
  return undefined;
}

/** Normalized type names (data-types.ts); anything else ("N/A due to dynamic shapes") says nothing. */
const KNOWN = /^(?:FP32|FP16|BF16|FP8|FP4|E8M0|FP64|INT8|UINT8|INT4|INT32|INT64|BOOL)$/;
