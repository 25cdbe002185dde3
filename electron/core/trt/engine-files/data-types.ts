/**
 * TensorRT writes a tensor's data type in many spellings ("Half", "kHALF", "Row major linear FP32",
 * "Thirty-two wide channel vectorized row major Int8 format"); this turns them into the one name
 * Kiln shows (FP16, FP32, INT8, ...).
 */
import type { EngineDtype } from './types';

const DTYPE_PATTERNS: Array<[RegExp, EngineDtype]> = [
  [/\b(?:BF16|BFloat16|kBF16)\b/i, 'BF16'],
  [/\b(?:FP8|kFP8|E4M3|FP8E4M3)\b/i, 'FP8'],
  [/\b(?:FP4|kFP4|E2M1|FP4E2M1)\b/i, 'FP4'],
  [/\b(?:E8M0|kE8M0)\b/i, 'E8M0'],
  [/\b(?:FP16|Half|kHALF|float16)\b/i, 'FP16'],
  [/\b(?:FP32|Float|kFLOAT|float32)\b/i, 'FP32'],
  [/\b(?:FP64|Double|float64)\b/i, 'FP64'],
  [/\b(?:UInt8|kUINT8)\b/i, 'UINT8'],
  [/\b(?:Int8|kINT8)\b/i, 'INT8'],
  [/\b(?:Int4|kINT4)\b/i, 'INT4'],
  [/\b(?:Int32|kINT32)\b/i, 'INT32'],
  [/\b(?:Int64|kINT64)\b/i, 'INT64'],
  [/\b(?:Bool|kBOOL)\b/i, 'BOOL'],
];

/**
 * The data type in a TensorRT type or format description: "Half" → FP16, "Row major linear FP32"
 * → FP32, "Thirty-two wide channel vectorized row major Int8 format" → INT8. Unknown text is
 * returned trimmed; empty or "Unknown format"/"None" give undefined.
 */
export function normalizeDtype(text: string | undefined): EngineDtype | undefined {
  if (text === undefined) return undefined;
  const t = text.trim().replace(/\.$/, '');
  if (!t || /^(?:none|unknown format|unknown)$/i.test(t)) return undefined;
  for (const [re, dtype] of DTYPE_PATTERNS) if (re.test(t)) return dtype;
  return t;
}
