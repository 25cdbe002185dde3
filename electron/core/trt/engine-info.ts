/**
 * Reads the JSON files TensorRT and trtexec write about an engine and maps engine layers back to
 * the ONNX nodes they came from.
 *
 * - Layer information (IEngineInspector, `trtexec --exportLayerInfo`): `{"Layers": [...], ...}`.
 *   TensorRT 8.x–10.x name the I/O tensors in `Bindings` (a list of names) and describe each layer
 *   tensor with one `Format/Datatype` string ("Channel major FP16 format where channel % 8 == 0");
 *   11.x has `I/O Tensors` (objects) and separate `Format` and `DataType`. With
 *   ProfilingVerbosity kLAYER_NAMES_ONLY, `Layers` is a list of plain names.
 * - Profile (`--exportProfile`): `[{"count": N}, {"name", "timeMs", "averageMs", "medianMs",
 *   "percentage"}, ...]`; trtexec before 8.4 wrote no `medianMs`.
 * - Times (`--exportTimes`): one object per timed inference (`latencyMs`, `computeMs`, ...).
 *
 * Layer names encode fusions: "Conv_0 + Relu_1" (vertical), "Conv_1 || Conv_2" (horizontal),
 * "PWN(PWN(Sigmoid_3), Mul_4)" (point-wise), "{ForeignNode[first...last]}" (a Myelin subgraph,
 * named by its first and last node only), "Reformatting CopyNode for Input Tensor 0 to <layer>"
 * (a format conversion TensorRT inserted), and " [profile N]" for the copies of every layer in
 * optimization profiles after the first. Since 8.6 a layer may carry `Metadata` with
 * "[ONNX Layer: name]" entries separated by \u001f or \u001e; those name the ONNX nodes exactly and
 * win over the layer name.
 *
 * Everything here imports as much as it can and says what it skipped in `warnings`; only text that
 * is not JSON at all (or is empty) throws a KilnError naming the file.
 */
import { z } from 'zod';
import { KilnError } from '../../shared/api/errors';
import type { LatencyStats } from '../backends/backend';
import { latencyStats } from '../backends/stats';

// ---------------------------------------------------------------------------------------------
// Public types

export type LayerInfoSchema = '10' | '11' | 'names-only' | 'unknown';

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
  /** Data type of the first output that has one (falls back to the first input). */
  precision?: EngineDtype;
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

/** What the text reader learned, passed on to the parsers (only parseEngineJsonText fills it). */
export interface JsonTextNotes {
  truncated?: boolean;
  /** Objects and arrays the file was cut off inside. */
  partial?: WeakSet<object>;
  warnings?: string[];
}

// ---------------------------------------------------------------------------------------------
// Warnings

const MAX_WARNINGS = 100;

class Warnings {
  readonly list: string[] = [];
  private extra = 0;
  constructor(initial: readonly string[] = []) {
    for (const w of initial) this.add(w);
  }
  add(message: string): void {
    if (this.list.length < MAX_WARNINGS) this.list.push(message);
    else this.extra++;
  }
  done(): string[] {
    if (this.extra > 0) this.list.push(`… and ${this.extra} more warnings`);
    this.extra = 0;
    return this.list;
  }
}

// ---------------------------------------------------------------------------------------------
// Lenient zod records: every field optional; a field of the wrong type is reported, then ignored.

type Shape = Record<string, z.ZodType>;
type StrictShape<S extends Shape> = { [K in keyof S]: z.ZodOptional<S[K]> };
type LenientShape<S extends Shape> = { [K in keyof S]: z.ZodCatch<z.ZodOptional<S[K]>> };

function lenientRecord<S extends Shape>(shape: S) {
  const strict: Record<string, z.ZodType> = {};
  const lenient: Record<string, z.ZodType> = {};
  for (const [key, schema] of Object.entries(shape)) {
    strict[key] = schema.optional();
    lenient[key] = schema.optional().catch(undefined);
  }
  return {
    strict: z.looseObject(strict as StrictShape<S>),
    lenient: z.looseObject(lenient as LenientShape<S>),
  };
}

type LenientPair<S extends Shape> = ReturnType<typeof lenientRecord<S>>;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 4)
    .map((i) => `${i.path.map(String).join('.') || '(record)'}: ${i.message}`)
    .join('; ');
}

/** Reads `value` as the record, reporting fields of the wrong type; undefined when it is no object. */
function readRecord<S extends Shape>(
  pair: LenientPair<S>,
  value: unknown,
  where: string,
  warnings: Warnings,
): z.output<LenientPair<S>['lenient']> | undefined {
  if (!isRecord(value)) {
    warnings.add(`${where} is ${describeJson(value)}, not an object; skipped`);
    return undefined;
  }
  const strict = pair.strict.safeParse(value);
  if (!strict.success) warnings.add(`${where}: ${describeIssues(strict.error)} (field ignored)`);
  return pair.lenient.parse(value);
}

function describeJson(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return `${typeof v} ${String(v)}`;
}

const Dims = z.array(z.number());
const Tactic = z.union([z.string(), z.number()]);

const TensorRecord = lenientRecord({
  Name: z.string(),
  Location: z.string(),
  Dimensions: Dims,
  'Format/Datatype': z.string(),
  Format: z.string(),
  DataType: z.string(),
  Datatype: z.string(),
});

const LayerRecord = lenientRecord({
  Name: z.string(),
  LayerType: z.string(),
  ParameterType: z.string(),
  Origin: z.string(),
  Inputs: z.array(z.unknown()),
  Outputs: z.array(z.unknown()),
  TacticName: z.string(),
  TacticValue: Tactic,
  Metadata: z.string(),
});

const ProfileInfoRecord = lenientRecord({
  MinShape: Dims,
  OptShape: Dims,
  MaxShape: Dims,
  Format: z.string(),
});

const IoTensorRecord = lenientRecord({
  Name: z.string(),
  IOMode: z.string(),
  DataType: z.string(),
  Datatype: z.string(),
  Dimensions: Dims,
  Location: z.string(),
  IsShapeInferenceIO: z.union([z.boolean(), z.number()]),
  ProfileInfo: z.array(z.unknown()),
});

const ProfileRecord = lenientRecord({
  count: z.number(),
  name: z.string(),
  timeMs: z.number(),
  averageMs: z.number(),
  medianMs: z.number(),
  percentage: z.number(),
});

const TimesRecord = lenientRecord({
  startEnqMs: z.number(),
  endEnqMs: z.number(),
  startH2dMs: z.number(),
  endH2dMs: z.number(),
  startComputeMs: z.number(),
  endComputeMs: z.number(),
  startD2hMs: z.number(),
  endD2hMs: z.number(),
  h2dMs: z.number(),
  computeMs: z.number(),
  d2hMs: z.number(),
  latencyMs: z.number(),
});

// ---------------------------------------------------------------------------------------------
// Data types

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

// ---------------------------------------------------------------------------------------------
// Names

const REFORMAT_RE = /^Reformatting CopyNode for (Input|Output) Tensor (\d+) to ([\s\S]+)$/;
const PROFILE_RE = /\s*\[profile (\d+)\]/g;
const ONNX_LAYER_RE = /\[ONNX Layer: ([\s\S]*?)\](?=\s*(?:\[ONNX Layer: |$))/g;

/** ONNX node names in a layer's Metadata ("[ONNX Layer: a]\u001f[ONNX Layer: b]"), in order, no duplicates. */
export function parseMetadata(metadata: string | undefined): string[] {
  if (!metadata) return [];
  const out: string[] = [];
  // Entries are separated by \u001f (unit separator) or \u001e (record separator), or newlines.
  for (const chunk of metadata
    .replaceAll('\u001e', '\n')
    .replaceAll('\u001f', '\n')
    .split(/[\r\n]+/)) {
    for (const m of chunk.trim().matchAll(ONNX_LAYER_RE)) {
      const name = (m[1] ?? '').trim();
      if (name && !out.includes(name)) out.push(name);
    }
  }
  return out;
}

/**
 * Splits `s` at any of `seps` outside brackets; null when the brackets do not balance (a name
 * with a stray bracket), so the caller can fall back to a plain split.
 */
function splitTopLevel(s: string, seps: readonly string[]): string[] | null {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth < 0) return null;
    } else if (depth === 0) {
      const sep = seps.find((p) => s.startsWith(p, i));
      if (sep !== undefined) {
        parts.push(s.slice(start, i));
        i += sep.length - 1;
        start = i + 1;
      }
    }
  }
  if (depth !== 0) return null;
  parts.push(s.slice(start));
  return parts;
}

const FUSION_SEPS = [' + ', ' || '];

function parseExpression(expr: string, out: ParsedLayerName, depth: number): void {
  if (depth > 64) {
    out.problems.push('layer name nests too deeply; the rest is kept as one name');
    out.names.push(expr.trim());
    return;
  }
  const parts = splitTopLevel(expr, FUSION_SEPS) ?? expr.split(/ \+ | \|\| /);
  for (const raw of parts) {
    const part = raw.trim();
    if (!part) continue;
    if (part.startsWith('PWN(') && part.endsWith(')')) {
      out.pointwise = true;
      const inner = part.slice(4, -1);
      const args = splitTopLevel(inner, [', ']) ?? inner.split(', ');
      for (const arg of args) parseExpression(arg, out, depth + 1);
    } else if (part.startsWith('{ForeignNode[') && part.endsWith(']}')) {
      out.foreign = true;
      const inner = part.slice('{ForeignNode['.length, -2);
      const dots = inner.indexOf('...');
      if (dots < 0) {
        if (inner.trim()) {
          out.names.push(inner.trim());
          out.ranges.push({ first: inner.trim(), last: inner.trim() });
        }
        continue;
      }
      const first = inner.slice(0, dots).trim();
      const last = inner.slice(dots + 3).trim();
      if (first && last) {
        out.ranges.push({ first, last });
        out.names.push(first, last);
      } else {
        out.problems.push(`ForeignNode "${inner}" lacks a ${first ? 'last' : 'first'} name`);
        if (first) out.names.push(first);
        if (last) out.names.push(last);
      }
    } else {
      out.names.push(part);
    }
  }
}

/** What a TensorRT layer name says about where the layer came from. */
export function parseLayerName(layerName: string): ParsedLayerName {
  const out: ParsedLayerName = { names: [], ranges: [], foreign: false, pointwise: false, problems: [] };
  let name = layerName;
  if (name.includes('[profile ')) {
    for (const m of name.matchAll(PROFILE_RE)) out.profile = Number(m[1]);
    name = name.replace(PROFILE_RE, '');
  }
  const reformat = REFORMAT_RE.exec(name.trim());
  if (reformat) {
    const target = (reformat[3] ?? '').trim();
    out.reformat = {
      direction: reformat[1] === 'Input' ? 'input' : 'output',
      tensorIndex: Number(reformat[2]),
      target,
    };
    const inner = parseLayerName(target);
    out.names = inner.names;
    out.ranges = inner.ranges;
    out.problems = inner.problems;
    return out;
  }
  parseExpression(name, out, 0);
  out.names = [...new Set(out.names)];
  return out;
}

// ---------------------------------------------------------------------------------------------
// Layer information

function readTensor(value: unknown, where: string, warnings: Warnings): EngineTensor | undefined {
  const t = readRecord(TensorRecord, value, where, warnings);
  if (!t) return undefined;
  const out: EngineTensor = { name: t.Name ?? '' };
  if (t.Name === undefined) warnings.add(`${where} has no Name`);
  if (t.Dimensions) out.dims = t.Dimensions;
  const format = t.Format ?? t['Format/Datatype'];
  if (format !== undefined) out.format = format;
  const dtype = normalizeDtype(t.DataType ?? t.Datatype ?? t['Format/Datatype'] ?? t.Format);
  if (dtype !== undefined) out.dtype = dtype;
  if (t.Location !== undefined) out.location = t.Location;
  return out;
}

function readTensors(list: unknown[] | undefined, where: string, warnings: Warnings): EngineTensor[] {
  const out: EngineTensor[] = [];
  (list ?? []).forEach((v, i) => {
    const t = readTensor(v, `${where} ${i}`, warnings);
    if (t) out.push(t);
  });
  return out;
}

function makeLayer(
  index: number,
  name: string,
  raw: EngineLayer['raw'],
  fields: {
    type?: string;
    parameterType?: string;
    origin?: string;
    tacticName?: string;
    tacticValue?: string | number;
    metadata?: string;
    inputs?: EngineTensor[];
    outputs?: EngineTensor[];
  },
  warnings: Warnings,
): EngineLayer {
  const parsed = parseLayerName(name);
  for (const p of parsed.problems) warnings.add(`layer ${index} (${name}): ${p}`);
  const fromMetadata = parseMetadata(fields.metadata);
  const type = fields.type ?? 'Unknown';
  const inputs = fields.inputs ?? [];
  const outputs = fields.outputs ?? [];
  const layer: EngineLayer = {
    index,
    name,
    type,
    inputs,
    outputs,
    onnxNames: fromMetadata.length > 0 ? fromMetadata : parsed.names,
    onnxNamesFrom: fromMetadata.length > 0 ? 'metadata' : parsed.names.length > 0 ? 'name' : 'none',
    nameParts: parsed.names,
    ranges: parsed.ranges,
    isReformat: parsed.reformat !== undefined || fields.origin === 'REFORMAT',
    isForeign: parsed.foreign || /^myelin$/i.test(type),
    raw,
  };
  if (parsed.ranges[0]) layer.range = parsed.ranges[0];
  if (parsed.reformat) layer.reformat = parsed.reformat;
  if (parsed.profile !== undefined) layer.profile = parsed.profile;
  if (fields.parameterType !== undefined) layer.parameterType = fields.parameterType;
  if (fields.origin !== undefined) layer.origin = fields.origin;
  if (fields.metadata !== undefined) layer.metadata = fields.metadata;
  const precision = outputs.find((t) => t.dtype)?.dtype ?? inputs.find((t) => t.dtype)?.dtype;
  if (precision !== undefined) layer.precision = precision;
  const tacticValue = fields.tacticValue === undefined ? undefined : String(fields.tacticValue);
  if (tacticValue !== undefined) layer.tacticValue = tacticValue;
  const tactic = fields.tacticName || tacticValue;
  if (tactic) layer.tactic = tactic;
  return layer;
}

type TensorStyle = '10' | '11' | undefined;

/** Which schema the layer tensors use: `Format/Datatype` (≤10.x) or `Format` + `DataType` (11.x). */
function tensorStyle(layers: readonly unknown[]): TensorStyle {
  let old = 0;
  let split = 0;
  for (const layer of layers) {
    if (!isRecord(layer)) continue;
    for (const key of ['Inputs', 'Outputs']) {
      const list = layer[key];
      if (!Array.isArray(list)) continue;
      for (const t of list) {
        if (!isRecord(t)) continue;
        if ('Format/Datatype' in t) old++;
        else if ('DataType' in t || 'Datatype' in t || 'Format' in t) split++;
      }
    }
    if (old + split >= 16) break;
  }
  if (old === 0 && split === 0) return undefined;
  return old >= split ? '10' : '11';
}

function readIoTensors11(list: unknown[], warnings: Warnings): IoTensor[] {
  const out: IoTensor[] = [];
  list.forEach((v, i) => {
    const t = readRecord(IoTensorRecord, v, `I/O tensor ${i}`, warnings);
    if (!t) return;
    if (t.Name === undefined) warnings.add(`I/O tensor ${i} has no Name`);
    const io: IoTensor = { name: t.Name ?? '' };
    if (t.IOMode !== undefined) io.mode = t.IOMode.toLowerCase().replace(/^k/, '');
    const dtype = normalizeDtype(t.DataType ?? t.Datatype);
    if (dtype !== undefined) io.dtype = dtype;
    if (t.Dimensions) io.dims = t.Dimensions;
    if (t.Location !== undefined) io.location = t.Location;
    if (t.IsShapeInferenceIO !== undefined) io.isShapeIO = Boolean(t.IsShapeInferenceIO);
    if (t.ProfileInfo) {
      io.profiles = [];
      t.ProfileInfo.forEach((p, j) => {
        const r = readRecord(ProfileInfoRecord, p, `I/O tensor ${i} profile ${j}`, warnings);
        if (!r) return;
        const profile: NonNullable<IoTensor['profiles']>[number] = {};
        if (r.MinShape) profile.min = r.MinShape;
        if (r.OptShape) profile.opt = r.OptShape;
        if (r.MaxShape) profile.max = r.MaxShape;
        if (r.Format !== undefined) profile.format = r.Format;
        io.profiles?.push(profile);
      });
    }
    out.push(io);
  });
  return out;
}

/** 10.x Bindings are bare names; fill mode, type and shape in from the layers that use them. */
function readBindings10(list: unknown[], layers: readonly EngineLayer[], warnings: Warnings): IoTensor[] {
  const produced = new Map<string, EngineTensor>();
  const consumed = new Map<string, EngineTensor>();
  for (const layer of layers) {
    for (const t of layer.outputs) if (!produced.has(t.name)) produced.set(t.name, t);
    for (const t of layer.inputs) if (!consumed.has(t.name)) consumed.set(t.name, t);
  }
  const out: IoTensor[] = [];
  list.forEach((v, i) => {
    if (typeof v !== 'string') {
      warnings.add(`binding ${i} is ${describeJson(v)}, not a name; skipped`);
      return;
    }
    const io: IoTensor = { name: v };
    const p = produced.get(v);
    const c = consumed.get(v);
    if (p) io.mode = 'output';
    else if (c) io.mode = 'input';
    const t = p ?? c;
    if (t?.dtype !== undefined) io.dtype = t.dtype;
    if (t?.dims) io.dims = t.dims;
    if (t?.location !== undefined) io.location = t.location;
    out.push(io);
  });
  return out;
}

/**
 * A reformat layer without Metadata of its own takes the ONNX names of the layer it serves when that
 * layer has Metadata (its name may omit nodes, e.g. a BatchNormalization folded into a Conv).
 */
function inheritReformatTargets(layers: EngineLayer[]): void {
  const byName = new Map<string, EngineLayer>();
  for (const l of layers) if (!byName.has(l.name)) byName.set(l.name, l);
  for (const l of layers) {
    if (!l.reformat || l.onnxNamesFrom === 'metadata') continue;
    const targetName = l.profile === undefined ? l.reformat.target : `${l.reformat.target} [profile ${l.profile}]`;
    const target = byName.get(targetName) ?? byName.get(l.reformat.target);
    if (target?.onnxNamesFrom === 'metadata') {
      l.onnxNames = [...target.onnxNames];
      l.onnxNamesFrom = 'metadata';
    }
  }
}

function looksLikeSingleLayer(v: Record<string, unknown>): boolean {
  return typeof v.Name === 'string' && ('LayerType' in v || 'Inputs' in v || 'Outputs' in v);
}

/**
 * Reads IEngineInspector / `trtexec --exportLayerInfo` JSON (already parsed). Never throws: what
 * cannot be read is skipped and named in `warnings`.
 */
export function parseLayerInfo(json: unknown, fileName: string, notes: JsonTextNotes = {}): EngineLayerInfo {
  const warnings = new Warnings(notes.warnings);
  const partial = notes.partial;
  const result = (schema: LayerInfoSchema, layers: EngineLayer[], ioTensors: IoTensor[]): EngineLayerInfo => ({
    kind: 'layer-info',
    fileName,
    schema,
    layers,
    ioTensors,
    truncated: notes.truncated ?? false,
    warnings: warnings.done(),
  });

  if (!isRecord(json)) {
    warnings.add(`${fileName} is ${describeJson(json)}, not a layer-information object; nothing imported`);
    return result('unknown', [], []);
  }
  let root = json;
  if (!('Layers' in root) && looksLikeSingleLayer(root)) {
    warnings.add('this is one layer (IEngineInspector::getLayerInformation), not the whole engine');
    root = { Layers: [root] };
  }
  const layersRaw = root.Layers;
  if (!Array.isArray(layersRaw)) {
    warnings.add(
      layersRaw === undefined
        ? `no "Layers" list${notes.truncated ? ' (the file ends before it)' : ''}; no layers imported`
        : `"Layers" is ${describeJson(layersRaw)}, not a list; no layers imported`,
    );
  }
  const rawLayers: unknown[] = Array.isArray(layersRaw) ? layersRaw : [];
  if (notes.truncated && partial?.has(rawLayers)) {
    warnings.add(`the file is cut off after ${rawLayers.length} layers; later layers are missing`);
  } else if (notes.truncated) {
    warnings.add('the file is cut off; fields after the layer list are missing');
  }

  const strings = rawLayers.filter((l) => typeof l === 'string').length;
  const namesOnly = rawLayers.length > 0 && strings === rawLayers.length;
  if (strings > 0 && !namesOnly) warnings.add(`${strings} of ${rawLayers.length} layers are bare names among objects`);

  const layers: EngineLayer[] = [];
  rawLayers.forEach((raw, index) => {
    if (typeof raw === 'string') {
      layers.push(makeLayer(index, raw, raw, {}, warnings));
      return;
    }
    const where = `layer ${index}`;
    const l = readRecord(LayerRecord, raw, where, warnings);
    if (!l) return;
    const name = l.Name ?? '';
    if (l.Name === undefined) warnings.add(`${where} has no Name`);
    const fields: Parameters<typeof makeLayer>[3] = {
      inputs: readTensors(l.Inputs, `${where} (${name}) input`, warnings),
      outputs: readTensors(l.Outputs, `${where} (${name}) output`, warnings),
    };
    if (l.LayerType !== undefined) fields.type = l.LayerType;
    else if (!partial?.has(raw as object)) warnings.add(`${where} (${name}) has no LayerType`);
    if (l.ParameterType !== undefined) fields.parameterType = l.ParameterType;
    if (l.Origin !== undefined) fields.origin = l.Origin;
    if (l.TacticName !== undefined) fields.tacticName = l.TacticName;
    if (l.TacticValue !== undefined) fields.tacticValue = l.TacticValue;
    if (l.Metadata !== undefined) fields.metadata = l.Metadata;
    const layer = makeLayer(index, name, raw as Record<string, unknown>, fields, warnings);
    if (partial?.has(raw as object)) {
      layer.incomplete = true;
      warnings.add(`layer ${index} (${name || 'unnamed'}) is cut off; its fields may be incomplete`);
    }
    layers.push(layer);
  });

  inheritReformatTargets(layers);

  const profiles = new Set(layers.map((l) => l.profile ?? 0));
  if (profiles.size > 1) {
    warnings.add(
      `the engine has ${profiles.size} optimization profiles; every layer appears once per profile (see EngineLayer.profile)`,
    );
  }

  const bindings = root.Bindings;
  const io = root['I/O Tensors'];
  const hasBindings = Array.isArray(bindings);
  const hasIo = Array.isArray(io);
  if (bindings !== undefined && !hasBindings) warnings.add(`"Bindings" is ${describeJson(bindings)}, not a list`);
  if (io !== undefined && !hasIo) warnings.add(`"I/O Tensors" is ${describeJson(io)}, not a list`);

  let schema: LayerInfoSchema;
  const style = tensorStyle(rawLayers);
  if (namesOnly) schema = 'names-only';
  else if (hasIo && hasBindings) {
    schema = style ?? '11';
    warnings.add(`both "Bindings" (10.x) and "I/O Tensors" (11.x) are present; read as ${schema}.x`);
  } else if (hasIo) {
    schema = '11';
    if (style === '10') warnings.add('"I/O Tensors" (11.x) with 10.x "Format/Datatype" tensors; read as 11.x');
  } else if (hasBindings) {
    schema = '10';
    if (style === '11') warnings.add('"Bindings" (10.x) with 11.x "Format"/"DataType" tensors; read as 10.x');
  } else if (style !== undefined) {
    schema = style;
    if (!notes.truncated) {
      warnings.add(
        style === '10'
          ? 'no "Bindings" list (TensorRT before 8.4 wrote none); I/O tensors unknown'
          : 'no "I/O Tensors" list; I/O tensors unknown',
      );
    }
  } else {
    schema = 'unknown';
    if (rawLayers.length > 0) {
      warnings.add(
        'unrecognized layer-information version: no Bindings, no I/O Tensors and no known tensor fields; read names only',
      );
    }
  }

  let ioTensors: IoTensor[] = [];
  if (hasIo) ioTensors = readIoTensors11(io, warnings);
  else if (hasBindings) ioTensors = readBindings10(bindings, layers, warnings);
  return result(schema, layers, ioTensors);
}

// ---------------------------------------------------------------------------------------------
// Profile

/** Reads `trtexec --exportProfile` JSON (already parsed). Never throws. */
export function parseProfile(json: unknown, fileName: string, notes: JsonTextNotes = {}): EngineProfile {
  const warnings = new Warnings(notes.warnings);
  const out: EngineProfile = {
    kind: 'profile',
    fileName,
    layers: [],
    totalMs: 0,
    totalAverageMs: 0,
    truncated: notes.truncated ?? false,
    warnings: [],
  };
  if (!Array.isArray(json)) {
    warnings.add(`${fileName} is ${describeJson(json)}, not a profile list; nothing imported`);
    out.warnings = warnings.done();
    return out;
  }
  if (notes.truncated) warnings.add(`the file is cut off after ${json.length} records; later layers are missing`);
  let missingPercentage = 0;
  let badRecords = 0;
  json.forEach((value, i) => {
    const where = `profile record ${i}`;
    const r = readRecord(ProfileRecord, value, where, warnings);
    if (!r) return;
    if (r.name === undefined) {
      if (r.count !== undefined) {
        if (out.iterations !== undefined) warnings.add(`${where}: a second "count" record`);
        out.iterations = r.count;
      } else if (!isPartial(notes, value)) {
        warnings.add(`${where} has neither "name" nor "count"; skipped`);
      }
      return;
    }
    if (r.timeMs === undefined && r.averageMs === undefined) {
      badRecords++;
      warnings.add(`${where} (${r.name}) has no usable timeMs or averageMs; skipped`);
      return;
    }
    const parsed = parseLayerName(r.name);
    const layer: ProfileLayer = {
      index: out.layers.length,
      name: r.name,
      timeMs: r.timeMs ?? (r.averageMs ?? 0) * (out.iterations ?? 1),
      averageMs: r.averageMs ?? (r.timeMs ?? 0) / (out.iterations ?? 1),
      percentage: r.percentage ?? NaN,
      onnxNames: parsed.names,
      isReformat: parsed.reformat !== undefined,
      isForeign: parsed.foreign,
    };
    if (r.medianMs !== undefined) layer.medianMs = r.medianMs;
    if (parsed.ranges[0]) layer.range = parsed.ranges[0];
    if (r.percentage === undefined) missingPercentage++;
    out.layers.push(layer);
  });
  if (out.iterations === undefined && out.layers.length > 0) warnings.add('no {"count": N} record');
  out.totalMs = out.layers.reduce((s, l) => s + l.timeMs, 0);
  out.totalAverageMs = out.layers.reduce((s, l) => s + l.averageMs, 0);
  if (missingPercentage > 0) {
    for (const l of out.layers)
      if (!Number.isFinite(l.percentage)) l.percentage = out.totalMs > 0 ? (l.timeMs / out.totalMs) * 100 : 0;
    warnings.add(`${missingPercentage} records had no usable percentage; computed from timeMs`);
  }
  if (badRecords > 0 && out.layers.length === 0) warnings.add('no layer timings could be read');
  out.warnings = warnings.done();
  return out;
}

function isPartial(notes: JsonTextNotes, value: unknown): boolean {
  return typeof value === 'object' && value !== null && (notes.partial?.has(value) ?? false);
}

// ---------------------------------------------------------------------------------------------
// Times

function stats(values: number[]): TimingStats | null {
  if (values.length === 0) return null;
  return { count: values.length, ...latencyStats(values).stats };
}

/** Reads `trtexec --exportTimes` JSON (already parsed) into latency statistics. Never throws. */
export function parseTimes(json: unknown, fileName: string, notes: JsonTextNotes = {}): EngineTimes {
  const warnings = new Warnings(notes.warnings);
  const latency: number[] = [];
  const compute: number[] = [];
  const h2d: number[] = [];
  const d2h: number[] = [];
  const enqueue: number[] = [];
  let spanStart = Infinity;
  let spanEnd = -Infinity;
  let skipped = 0;
  let derived = 0;
  let cut = 0;
  const list = Array.isArray(json) ? json : [];
  if (!Array.isArray(json))
    warnings.add(`${fileName} is ${describeJson(json)}, not a list of inferences; nothing imported`);
  const quiet = new Warnings();
  list.forEach((value, i) => {
    if (isPartial(notes, value)) {
      cut++;
      return;
    }
    const r = readRecord(TimesRecord, value, `inference ${i}`, quiet);
    if (!r) return;
    let lat = r.latencyMs;
    if (lat === undefined && r.startH2dMs !== undefined && r.endD2hMs !== undefined) {
      lat = r.endD2hMs - r.startH2dMs;
      derived++;
    }
    if (lat === undefined || !Number.isFinite(lat)) {
      skipped++;
      return;
    }
    latency.push(lat);
    const comp =
      r.computeMs ??
      (r.startComputeMs !== undefined && r.endComputeMs !== undefined ? r.endComputeMs - r.startComputeMs : undefined);
    if (comp !== undefined) compute.push(comp);
    if (r.h2dMs !== undefined) h2d.push(r.h2dMs);
    if (r.d2hMs !== undefined) d2h.push(r.d2hMs);
    if (r.startEnqMs !== undefined && r.endEnqMs !== undefined) enqueue.push(r.endEnqMs - r.startEnqMs);
    const start = r.startH2dMs ?? r.startComputeMs;
    const end = r.endD2hMs ?? r.endComputeMs;
    if (start !== undefined) spanStart = Math.min(spanStart, start);
    if (end !== undefined) spanEnd = Math.max(spanEnd, end);
  });
  if (quiet.list.length > 0) warnings.add(`${quiet.list.length} inference records had problems, e.g. ${quiet.list[0]}`);
  if (notes.truncated) warnings.add(`the file is cut off after ${list.length} inferences`);
  if (cut > 0) warnings.add('the inference the file is cut off in was skipped');
  if (skipped > 0) warnings.add(`${skipped} inferences without a usable latencyMs were skipped`);
  if (derived > 0) warnings.add(`${derived} inferences had no latencyMs; used endD2hMs − startH2dMs`);
  if (latency.length > 0 && compute.length < latency.length) {
    warnings.add(`${latency.length - compute.length} inferences have no compute time`);
  }
  if (Array.isArray(json) && latency.length === 0) warnings.add('no inference timings could be read');

  const out: EngineTimes = {
    kind: 'times',
    fileName,
    count: latency.length,
    latency: stats(latency),
    compute: stats(compute),
    h2d: stats(h2d),
    d2h: stats(d2h),
    enqueue: stats(enqueue),
    truncated: notes.truncated ?? false,
    warnings: [],
  };
  if (compute.length > 0) out.computeCov = latencyStats(compute).cov;
  if (Number.isFinite(spanStart) && spanEnd > spanStart)
    out.throughputQps = latency.length / ((spanEnd - spanStart) / 1000);
  out.warnings = warnings.done();
  return out;
}

// ---------------------------------------------------------------------------------------------
// JSON text: strict first, then a reader that recovers what a truncated file holds

class EndOfInput extends Error {}

function escapeControlCharacters(s: string): string {
  let out = '';
  for (const ch of s) {
    const code = ch.charCodeAt(0);
    out += code < 32 ? `\\u${code.toString(16).padStart(4, '0')}` : ch;
  }
  return out;
}

const NON_FINITE_RE = /-?(?:nan|NaN|NAN|inf|Inf|INF|infinity|Infinity)(?![A-Za-z0-9_])/y;
const NUMBER_RE = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const MAX_DEPTH = 512;

interface LenientJson {
  value: unknown;
  truncated: boolean;
  partial: WeakSet<object>;
  nonFinite: number;
  rawControl: number;
}

class LenientReader {
  pos = 0;
  truncated = false;
  nonFinite = 0;
  rawControl = 0;
  readonly partial = new WeakSet<object>();
  constructor(
    private readonly text: string,
    private readonly fileName: string,
  ) {}

  read(): LenientJson {
    let value: unknown;
    try {
      value = this.value(0);
    } catch (e) {
      if (e instanceof EndOfInput) {
        throw new KilnError('INVALID_ARGUMENT', `${this.fileName} ends before its first JSON value is complete`, {
          file: this.fileName,
        });
      }
      throw e;
    }
    if (!this.truncated) {
      this.ws();
      if (this.pos < this.text.length) this.fail('unexpected text after the JSON value');
    }
    return {
      value,
      truncated: this.truncated,
      partial: this.partial,
      nonFinite: this.nonFinite,
      rawControl: this.rawControl,
    };
  }

  private fail(message: string): never {
    const before = this.text.slice(0, this.pos);
    const line = before.split('\n').length;
    const column = this.pos - before.lastIndexOf('\n');
    throw new KilnError(
      'INVALID_ARGUMENT',
      `${this.fileName} is not valid JSON: ${message} at line ${line}, column ${column}`,
      { file: this.fileName, details: { line, column, offset: this.pos } },
    );
  }

  private ws(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 32 || c === 10 || c === 13 || c === 9) this.pos++;
      else break;
    }
  }

  private need(): string {
    this.ws();
    if (this.pos >= this.text.length) throw new EndOfInput();
    return this.text[this.pos] as string;
  }

  private value(depth: number): unknown {
    if (depth > MAX_DEPTH) this.fail('nesting too deep');
    const c = this.need();
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') return this.string();
    if (c === 't') return this.literal('true', true);
    if (c === 'f') return this.literal('false', false);
    if (c === 'n' && this.text.startsWith('nu', this.pos)) return this.literal('null', null);
    if (c === '-' || c === 'n' || c === 'N' || c === 'i' || c === 'I' || (c >= '0' && c <= '9')) return this.number();
    return this.fail(`unexpected ${JSON.stringify(c)}`);
  }

  private literal<T>(word: string, value: T): T {
    const rest = this.text.slice(this.pos, this.pos + word.length);
    if (rest === word) {
      this.pos += word.length;
      return value;
    }
    if (this.pos + rest.length >= this.text.length && word.startsWith(rest)) throw new EndOfInput();
    return this.fail(`unexpected ${JSON.stringify(rest)}`);
  }

  private number(): number {
    const t = this.text;
    NON_FINITE_RE.lastIndex = this.pos;
    const nf = NON_FINITE_RE.exec(t);
    if (nf) {
      if (this.pos + nf[0].length >= t.length) throw new EndOfInput();
      this.pos += nf[0].length;
      this.nonFinite++;
      const word = nf[0].toLowerCase();
      if (word.includes('nan')) return NaN;
      return word.startsWith('-') ? -Infinity : Infinity;
    }
    NUMBER_RE.lastIndex = this.pos;
    const m = NUMBER_RE.exec(t);
    const end = m ? this.pos + m[0].length : this.pos;
    // A number that reaches the end of the text may have lost digits.
    if (end >= t.length || (t.length - end < 32 && /^[-.eE+\d]*$/.test(t.slice(end)))) throw new EndOfInput();
    if (!m || m[0] === '-') return this.fail('malformed number');
    this.pos = end;
    return Number(m[0]);
  }

  private string(): string {
    const t = this.text;
    const start = this.pos;
    let i = start + 1;
    let control = false;
    for (;;) {
      if (i >= t.length) throw new EndOfInput();
      const c = t.charCodeAt(i);
      if (c === 34) break;
      if (c === 92) {
        if (i + 1 >= t.length) throw new EndOfInput();
        i += 2;
        continue;
      }
      if (c < 32) control = true;
      i++;
    }
    let literal = t.slice(start, i + 1);
    if (control) {
      this.rawControl++;
      literal = escapeControlCharacters(literal);
    }
    try {
      const s = JSON.parse(literal) as string;
      this.pos = i + 1;
      return s;
    } catch {
      return this.fail('invalid escape in a string');
    }
  }

  private array(depth: number): unknown[] {
    const out: unknown[] = [];
    this.pos++;
    try {
      if (this.need() === ']') {
        this.pos++;
        return out;
      }
      for (;;) {
        out.push(this.value(depth + 1));
        const c = this.need();
        this.pos++;
        if (c === ']') return out;
        if (c !== ',') {
          this.pos--;
          this.fail("expected ',' or ']'");
        }
      }
    } catch (e) {
      if (!(e instanceof EndOfInput)) throw e;
      // Whatever was being read when the text ran out is dropped; every enclosing container ends here too.
      this.pos = this.text.length;
      this.truncated = true;
      this.partial.add(out);
      return out;
    }
  }

  private object(depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.pos++;
    try {
      if (this.need() === '}') {
        this.pos++;
        return out;
      }
      for (;;) {
        if (this.need() !== '"') this.fail('expected a property name');
        const key = this.string();
        if (this.need() !== ':') this.fail("expected ':'");
        this.pos++;
        const v = this.value(depth + 1);
        Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
        const c = this.need();
        this.pos++;
        if (c === '}') return out;
        if (c !== ',') {
          this.pos--;
          this.fail("expected ',' or '}'");
        }
      }
    } catch (e) {
      if (!(e instanceof EndOfInput)) throw e;
      // Whatever was being read when the text ran out is dropped; every enclosing container ends here too.
      this.pos = this.text.length;
      this.truncated = true;
      this.partial.add(out);
      return out;
    }
  }
}

/**
 * Parses JSON text the way TensorRT files need: strict JSON first; failing that, a reader that
 * accepts trtexec's bare `nan`/`inf` numbers and raw control characters in strings and, when the
 * text simply stops, keeps every complete value and marks the containers it was cut inside.
 * Throws KilnError (EMPTY_FILE or INVALID_ARGUMENT, naming the file) for anything else.
 */
export function readJsonText(text: string, fileName: string): { value: unknown; notes: JsonTextNotes } {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.trim() === '') throw new KilnError('EMPTY_FILE', `${fileName} is empty`, { file: fileName });
  if (body.slice(0, 4096).includes('\u0000')) {
    throw new KilnError(
      'INVALID_ARGUMENT',
      `${fileName} is binary, not JSON (a serialized engine? export layer information with trtexec --exportLayerInfo)`,
      { file: fileName },
    );
  }
  try {
    return { value: JSON.parse(body) as unknown, notes: {} };
  } catch {
    // fall through to the lenient reader, which says where the text goes wrong
  }
  const r = new LenientReader(body, fileName).read();
  const warnings: string[] = [];
  if (r.truncated) warnings.push(`${fileName} is truncated: the JSON stops before it is complete`);
  if (r.nonFinite > 0) warnings.push(`${r.nonFinite} numbers were written as nan/inf (not JSON); read as NaN/Infinity`);
  if (r.rawControl > 0) warnings.push(`${r.rawControl} strings hold raw control characters (not JSON); kept`);
  return { value: r.value, notes: { truncated: r.truncated, partial: r.partial, warnings } };
}

function hasAnyKey(v: unknown, keys: readonly string[]): boolean {
  return isRecord(v) && keys.some((k) => k in v);
}

/** Which export a parsed JSON value is, or undefined. */
export function detectEngineJsonKind(value: unknown): EngineJson['kind'] | undefined {
  if (isRecord(value)) {
    if ('Layers' in value || 'Bindings' in value || 'I/O Tensors' in value) return 'layer-info';
    if (looksLikeSingleLayer(value)) return 'layer-info';
    return undefined;
  }
  if (!Array.isArray(value)) return undefined;
  const sample = value.slice(0, 8);
  const timesKeys = ['latencyMs', 'computeMs', 'startEnqMs', 'startComputeMs', 'h2dMs'];
  const profileKeys = ['timeMs', 'averageMs', 'medianMs', 'percentage'];
  if (sample.some((v) => hasAnyKey(v, timesKeys))) return 'times';
  if (sample.some((v) => hasAnyKey(v, profileKeys))) return 'profile';
  const first: unknown = sample[0];
  if (isRecord(first) && 'count' in first) return 'profile';
  return undefined;
}

/**
 * Reads a JSON file TensorRT or trtexec wrote (layer information, profile or times), telling the
 * kind from its content. Throws KilnError naming the file when the text is empty, not JSON, or JSON
 * of another kind; everything short of that imports with warnings.
 */
export function parseEngineJsonText(text: string, fileName: string): EngineJson {
  const { value, notes } = readJsonText(text, fileName);
  const kind = detectEngineJsonKind(value);
  if (kind === 'layer-info') return parseLayerInfo(value, fileName, notes);
  if (kind === 'profile') return parseProfile(value, fileName, notes);
  if (kind === 'times') return parseTimes(value, fileName, notes);
  const what = describeJson(value);
  throw new KilnError(
    'UNSUPPORTED',
    `${fileName} is JSON (${what}) but not TensorRT layer information, a trtexec profile or a trtexec times export${
      notes.truncated ? '; it is also truncated' : ''
    }`,
    { file: fileName, details: { found: what } },
  );
}

// ---------------------------------------------------------------------------------------------
// Mapping to ONNX nodes

export type UnmappedReason = 'not-in-model' | 'trt-internal' | 'tensor-name';

export interface UnmappedName {
  layerIndex: number;
  layerName: string;
  /** The name the layer mentions that matches no ONNX node. */
  name: string;
  reason: UnmappedReason;
}

export interface LayerOnnxMapping {
  layerIndex: number;
  layerName: string;
  /** ONNX node indices the layer covers, ascending. */
  nodes: number[];
  /** How: Metadata names, a ForeignNode range (plus any plain names), plain names, or nothing matched. */
  via: 'metadata' | 'range' | 'name' | 'none';
  unmappedNames: string[];
}

export interface OnnxMapping {
  layers: LayerOnnxMapping[];
  /** Every name some layer mentions that matches no ONNX node; nothing is dropped silently. */
  unmapped: UnmappedName[];
  /** For each ONNX node, the layers covering it. */
  nodeLayers: number[][];
  /** ONNX nodes no layer covers (folded constants, eliminated no-ops, or unparseable names). */
  uncoveredNodes: number[];
  warnings: string[];
}

export interface MapToOnnxOptions {
  /**
   * Each node's output tensor names: an unnamed node is known to TensorRT as
   * "node_of_<first output>" (onnx-tensorrt's getNodeName).
   */
  nodeOutputs?: ReadonlyArray<ReadonlyArray<string> | undefined>;
  /** Tensor names (initializers, values): fused QAT names mention weights such as "conv1.weight". */
  tensorNames?: Iterable<string>;
}

const TRT_INTERNAL_PATTERNS = [
  /^\(Unnamed Layer\* ?\d+\)/,
  /^__myl_/,
  /_myl\d+_\d+$/,
  /^ONNXTRT_/,
  /_after_/,
  /^Reformatted (?:Input|Output) Tensor /,
  / copy$/,
];

/**
 * Maps engine layers to ONNX node indices. Metadata names and plain names match node names exactly;
 * a ForeignNode range covers every node from its first to its last name in `topoOrder` (node ids
 * in order; default: node list order, which ONNX requires to be topological). A range over list
 * order may take in nodes of parallel branches that other layers also cover; `nodeLayers` shows
 * such sharing.
 */
export function mapToOnnx(
  info: Pick<EngineLayerInfo, 'layers'>,
  onnxNodeNames: readonly string[],
  topoOrder?: ArrayLike<number>,
  options: MapToOnnxOptions = {},
): OnnxMapping {
  const n = onnxNodeNames.length;
  const warnings = new Warnings();
  const byName = new Map<string, number[]>();
  const add = (name: string, id: number) => {
    const list = byName.get(name);
    if (list) list.push(id);
    else byName.set(name, [id]);
  };
  for (let i = 0; i < n; i++) {
    const name = onnxNodeNames[i] ?? '';
    if (name) add(name, i);
    else {
      const first = options.nodeOutputs?.[i]?.[0];
      if (first) add(`node_of_${first}`, i);
    }
  }
  const duplicates = [...byName].filter(([, ids]) => ids.length > 1);
  if (duplicates.length > 0) {
    warnings.add(
      `${duplicates.length} ONNX node names are used more than once (e.g. "${duplicates[0]?.[0]}"); a layer naming one covers all`,
    );
  }

  // Position of each node in the order ranges follow.
  let order: number[] = [];
  if (topoOrder !== undefined) {
    const seen = new Uint8Array(n);
    let valid = true;
    for (let k = 0; k < topoOrder.length; k++) {
      const id = topoOrder[k] as number;
      if (!Number.isInteger(id) || id < 0 || id >= n || seen[id]) {
        valid = false;
        break;
      }
      seen[id] = 1;
      order.push(id);
    }
    if (!valid) {
      warnings.add('topoOrder is not a list of distinct node indices; ranges follow node list order');
      order = [];
    }
  }
  if (order.length === 0) order = Array.from({ length: n }, (_, i) => i);
  const position = new Int32Array(n).fill(-1);
  order.forEach((id, k) => (position[id] = k));

  const tensorNames = new Set(options.tensorNames ?? []);
  const reasonFor = (name: string): UnmappedReason =>
    tensorNames.has(name)
      ? 'tensor-name'
      : TRT_INTERNAL_PATTERNS.some((re) => re.test(name))
        ? 'trt-internal'
        : 'not-in-model';

  const nodeLayers: number[][] = Array.from({ length: n }, () => []);
  const unmapped: UnmappedName[] = [];
  const layers: LayerOnnxMapping[] = [];

  for (const layer of info.layers) {
    const nodes = new Set<number>();
    const missing: string[] = [];
    const resolve = (name: string): boolean => {
      const ids = byName.get(name);
      if (!ids) {
        if (!missing.includes(name)) missing.push(name);
        return false;
      }
      for (const id of ids) nodes.add(id);
      return true;
    };
    let via: LayerOnnxMapping['via'] = 'none';
    if (layer.onnxNamesFrom === 'metadata') {
      for (const name of layer.onnxNames) resolve(name);
      via = 'metadata';
    } else {
      const endpoints = new Set<string>();
      let expanded = false;
      for (const range of layer.ranges) {
        endpoints.add(range.first);
        endpoints.add(range.last);
        const firstIds = (byName.get(range.first) ?? []).filter((id) => position[id] !== -1);
        const lastIds = (byName.get(range.last) ?? []).filter((id) => position[id] !== -1);
        if (firstIds.length === 0 || lastIds.length === 0) {
          resolve(range.first);
          resolve(range.last);
          warnings.add(
            `layer ${layer.index} (${layer.name}): range end "${firstIds.length === 0 ? range.first : range.last}" is not an ONNX node; only the other end is mapped`,
          );
          continue;
        }
        let from = Math.min(...firstIds.map((id) => position[id] as number));
        let to = Math.max(...lastIds.map((id) => position[id] as number));
        if (from > to) {
          warnings.add(
            `layer ${layer.index} (${layer.name}): range "${range.first}" … "${range.last}" runs backwards; covering the span between them`,
          );
          [from, to] = [to, from];
        }
        for (let k = from; k <= to; k++) nodes.add(order[k] as number);
        expanded = true;
      }
      for (const name of layer.onnxNames) if (!endpoints.has(name)) resolve(name);
      if (expanded) via = 'range';
      else if (layer.onnxNames.length > 0) via = 'name';
    }
    if (nodes.size === 0) via = 'none';
    const sorted = [...nodes].sort((a, b) => a - b);
    for (const id of sorted) nodeLayers[id]?.push(layer.index);
    for (const name of missing)
      unmapped.push({ layerIndex: layer.index, layerName: layer.name, name, reason: reasonFor(name) });
    layers.push({ layerIndex: layer.index, layerName: layer.name, nodes: sorted, via, unmappedNames: missing });
  }

  const uncoveredNodes: number[] = [];
  nodeLayers.forEach((l, id) => {
    if (l.length === 0) uncoveredNodes.push(id);
  });
  return { layers, unmapped, nodeLayers, uncoveredNodes, warnings: warnings.done() };
}
