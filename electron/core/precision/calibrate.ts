/**
 * Calibration for INT8: feed a model samples (seeded random tensors, or the user's .npy/.npz files
 * in ModelOpt's layout) and measure the activations it computes — min, max, |x| max and, for the
 * histogram calibrators, a histogram of |x| — then turn a histogram into a clipping threshold the
 * way TensorRT's calibrators do (max, percentile, entropy = KL divergence, MSE).
 *
 * Activations are exposed by writing a copy of the model whose graph outputs are the tensors
 * wanted, run by ONNX Runtime with graph optimizations disabled (so every tensor exists exactly as
 * the model computes it). Memory stays bounded: at most `maxTensorsPerPass` tensors are exposed at
 * a time, every sample's outputs are folded into running statistics and dropped, and histograms
 * take two passes over the data (|x| max first, then bins over [0, |x| max]) as onnxruntime's
 * calibrator and TensorRT's entropy calibrator do.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { inflateRawSync } from 'node:zlib';
import * as ort from 'onnxruntime-node';
import { KilnError } from '../../shared/api/errors';
import { resolveShapes, type InputSpec } from '../backends/inputs';
import { makeFeeds } from '../backends/onnxruntime/ort-backend';
import { analyzeModel } from '../onnx/analyze';
import type { IRGraph } from '../onnx/ir';
import { TENSOR_INITIALIZER, TENSOR_INPUT } from '../onnx/ir';
import type { GraphProto, ValueInfoProto } from '../onnx/model';
import { dtypeName } from '../onnx/dtypes';
import { writeModelFile } from '../onnx/write';
import { halfArrayToFloat32 } from './half';
import { imageSamples } from './images';
import type { ImagePreprocess } from '../../shared/api/contract';

// ---- calibration data --------------------------------------------------------------------------

export type CalibrationData =
  | { kind: 'random'; samples: number; seed: number; shapes: Record<string, number[]> }
  /** .npy or .npz files; an .npz maps input name → array (ModelOpt's layout), a .npy feeds the single input. */
  | { kind: 'npz'; paths: string[] }
  /** Image files for a single image input, preprocessed to the resolved shape. */
  | { kind: 'images'; paths: string[]; preprocess: ImagePreprocess; shapes: Record<string, number[]> };

/** An array read from a .npy file, C order, little-endian. */
export interface NpyArray {
  /** Kiln's element type name: float32, float64, int64, int32, uint8, bool. */
  dtype: 'float32' | 'float64' | 'int64' | 'int32' | 'uint8' | 'bool';
  shape: number[];
  data: Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array;
}

const NPY_DTYPES: Record<string, { dtype: NpyArray['dtype']; bytes: number }> = {
  '<f4': { dtype: 'float32', bytes: 4 },
  '<f8': { dtype: 'float64', bytes: 8 },
  '<i8': { dtype: 'int64', bytes: 8 },
  '<i4': { dtype: 'int32', bytes: 4 },
  '|u1': { dtype: 'uint8', bytes: 1 },
  '<u1': { dtype: 'uint8', bytes: 1 },
  '|b1': { dtype: 'bool', bytes: 1 },
};

/** Parses one .npy file (format versions 1, 2 and 3). `name` is used in error messages. */
export function readNpy(bytes: Uint8Array, name = 'array.npy'): NpyArray {
  const bad = (why: string) => new KilnError('INVALID_ARGUMENT', `${name} is not a readable .npy file: ${why}`);
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
  if (bytes.length < 10 || magic.some((b, i) => bytes[i] !== b)) throw bad('no \\x93NUMPY magic');
  const major = bytes[6] as number;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = dv.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw bad('truncated header');
    headerLen = dv.getUint32(8, true);
    start = 12;
  } else throw bad(`format version ${major} is not supported`);
  if (start + headerLen > bytes.length) throw bad('truncated header');
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw bad('malformed header');
  const kind = NPY_DTYPES[descr];
  if (!kind) {
    throw new KilnError(
      'UNSUPPORTED',
      `${name}: arrays of dtype '${descr}' are not supported (use little-endian <f4, <f8, <i8, <i4, |u1 or |b1)`,
    );
  }
  if (fortran === 'True')
    throw new KilnError(
      'UNSUPPORTED',
      `${name} is stored in Fortran order; save it in C order (np.ascontiguousarray) before calibrating`,
    );
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => Number(s.replace(/L$/, '')));
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw bad(`shape (${shapeText}) is not a list of sizes`);
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = start + headerLen;
  const need = count * kind.bytes;
  if (bytes.length - dataStart < need)
    throw bad(`its shape needs ${need} bytes of data but the file holds ${bytes.length - dataStart}`);
  // Copy: the data offset need not be aligned for a typed view.
  const buf = new Uint8Array(bytes.subarray(dataStart, dataStart + need)).buffer;
  let data: NpyArray['data'];
  switch (kind.dtype) {
    case 'float32':
      data = new Float32Array(buf);
      break;
    case 'float64':
      data = new Float64Array(buf);
      break;
    case 'int64':
      data = new BigInt64Array(buf);
      break;
    case 'int32':
      data = new Int32Array(buf);
      break;
    default:
      data = new Uint8Array(buf);
  }
  return { dtype: kind.dtype, shape, data };
}

/**
 * The entries of a zip archive (stored or deflated), read through the central directory so that
 * Zip64 archives (numpy writes its .npz members with force_zip64) and streamed entries work.
 */
export function readZip(bytes: Uint8Array, name = 'archive.zip'): Map<string, Uint8Array> {
  const bad = (why: string) => new KilnError('INVALID_ARGUMENT', `${name} is not a readable .npz (zip) file: ${why}`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // End of central directory: 22 bytes plus a comment of up to 64 KiB.
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (dv.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw bad('no end of central directory record');
  let entries = dv.getUint16(eocd + 10, true);
  let cdOffset = dv.getUint32(eocd + 16, true);
  if (entries === 0xffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || dv.getUint32(loc, true) !== 0x07064b50) throw bad('Zip64 locator missing');
    const z64 = Number(dv.getBigUint64(loc + 8, true));
    if (z64 + 56 > bytes.length || dv.getUint32(z64, true) !== 0x06064b50) throw bad('Zip64 record missing');
    entries = Number(dv.getBigUint64(z64 + 32, true));
    cdOffset = Number(dv.getBigUint64(z64 + 48, true));
  }
  const out = new Map<string, Uint8Array>();
  let p = cdOffset;
  for (let e = 0; e < entries; e++) {
    if (p + 46 > bytes.length || dv.getUint32(p, true) !== 0x02014b50) throw bad('broken central directory');
    const method = dv.getUint16(p + 10, true);
    let compressed = dv.getUint32(p + 20, true);
    let size = dv.getUint32(p + 24, true);
    const nameLen = dv.getUint16(p + 28, true);
    const extraLen = dv.getUint16(p + 30, true);
    const commentLen = dv.getUint16(p + 32, true);
    let local = dv.getUint32(p + 42, true);
    const entryName = new TextDecoder().decode(bytes.subarray(p + 46, p + 46 + nameLen));
    // Zip64 extended information: the fields that overflowed, in this order.
    let x = p + 46 + nameLen;
    const xEnd = x + extraLen;
    while (x + 4 <= xEnd) {
      const id = dv.getUint16(x, true);
      const len = dv.getUint16(x + 2, true);
      if (id === 0x0001) {
        let f = x + 4;
        if (size === 0xffffffff) {
          size = Number(dv.getBigUint64(f, true));
          f += 8;
        }
        if (compressed === 0xffffffff) {
          compressed = Number(dv.getBigUint64(f, true));
          f += 8;
        }
        if (local === 0xffffffff) local = Number(dv.getBigUint64(f, true));
      }
      x += 4 + len;
    }
    p = xEnd + commentLen;
    if (local + 30 > bytes.length || dv.getUint32(local, true) !== 0x04034b50)
      throw bad(`entry ${entryName}: no local header`);
    const dataStart = local + 30 + dv.getUint16(local + 26, true) + dv.getUint16(local + 28, true);
    if (dataStart + compressed > bytes.length) throw bad(`entry ${entryName} is truncated`);
    const raw = bytes.subarray(dataStart, dataStart + compressed);
    let content: Uint8Array;
    if (method === 0) content = raw;
    else if (method === 8) {
      try {
        content = inflateRawSync(raw);
      } catch (err) {
        throw bad(`entry ${entryName} does not inflate: ${(err as Error).message}`);
      }
    } else throw new KilnError('UNSUPPORTED', `${name}: entry ${entryName} uses zip compression method ${method}`);
    if (content.length !== size) throw bad(`entry ${entryName} is ${content.length} bytes, its header says ${size}`);
    out.set(entryName, content);
  }
  return out;
}

/** The arrays of an .npz file by name (`x.npy` → `x`). */
export function readNpz(bytes: Uint8Array, name = 'arrays.npz'): Map<string, NpyArray> {
  const out = new Map<string, NpyArray>();
  for (const [entry, content] of readZip(bytes, name)) {
    if (!entry.endsWith('.npy')) continue;
    out.set(entry.slice(0, -4), readNpy(content, `${name}:${entry}`));
  }
  return out;
}

/** Reads a .npy (one array, under the name '') or .npz file. */
export function readArrayFile(file: string): Map<string, NpyArray> {
  const name = path.basename(file);
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new KilnError(
      e.code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'FILE_UNREADABLE',
      `cannot read calibration data ${name}: ${e.message}`,
      { file: name },
    );
  }
  // Zip archives start with a local header ("PK\x03\x04"), .npy files with "\x93NUMPY".
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) return readNpz(bytes, name);
  return new Map([['', readNpy(bytes, name)]]);
}

type FeedData = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array;

/** `a` converted to `dtype` (floats to floats, integers to integers), or null when that makes no sense. */
function convertTo(a: NpyArray, dtype: string): { data: FeedData; type: string } | null {
  if (a.dtype === dtype) return { data: a.data, type: dtype };
  const isFloat = (t: string) => t === 'float32' || t === 'float64';
  const isInt = (t: string) => t === 'int64' || t === 'int32' || t === 'uint8';
  if (isFloat(a.dtype) && isFloat(dtype)) {
    const src = a.data as Float32Array | Float64Array;
    return { data: dtype === 'float32' ? Float32Array.from(src) : Float64Array.from(src), type: dtype };
  }
  if (isInt(a.dtype) && isInt(dtype)) {
    const n = a.data.length;
    const at = (i: number): number =>
      a.dtype === 'int64' ? Number((a.data as BigInt64Array)[i]) : (a.data[i] as number);
    if (dtype === 'int64') return { data: BigInt64Array.from({ length: n }, (_, i) => BigInt(at(i))), type: dtype };
    if (dtype === 'int32') return { data: Int32Array.from({ length: n }, (_, i) => at(i)), type: dtype };
    return { data: Uint8Array.from({ length: n }, (_, i) => at(i)), type: dtype };
  }
  if (a.dtype === 'bool' && dtype === 'bool') return { data: a.data, type: dtype };
  return null;
}

function sliceAxis0(data: FeedData, per: number, k: number): FeedData {
  return data.subarray(k * per, (k + 1) * per) as FeedData;
}

/** The model's real inputs (graph inputs that are not initializers), as InputSpecs. */
export function modelInputs(graph: GraphProto): InputSpec[] {
  const inits = new Set(graph.initializer.map((t) => t.name));
  return graph.input
    .filter((v) => !inits.has(v.name))
    .map((v) => {
      const t = v.type;
      const tensor = t && t.kind === 'tensor';
      return {
        name: v.name,
        dtype: tensor ? dtypeName(t.elemType) : 'non-tensor',
        dims:
          tensor && t.shape
            ? t.shape.map((d) => (d.value !== undefined && d.value > 0 ? d.value : d.param ? d.param : null))
            : null,
      };
    });
}

/** How many samples the data holds, without reading array contents twice for random data. */
export function sampleCount(data: CalibrationData): number | null {
  if (data.kind === 'random') return data.samples;
  if (data.kind === 'images') {
    const batch = Object.values(data.shapes)[0]?.[0] ?? 1;
    return Math.floor(data.paths.length / Math.max(1, batch));
  }
  return null;
}

/** Every kind of calibration data as one stream of feeds (images decode asynchronously). */
export async function* calibrationFeeds(
  inputs: readonly InputSpec[],
  data: CalibrationData,
  modelName: string,
): AsyncGenerator<Record<string, ort.Tensor>> {
  if (data.kind === 'images') {
    yield* imageSamples(inputs, data.paths, resolveShapes(inputs, data.shapes), data.preprocess, modelName);
    return;
  }
  yield* calibrationSamples(inputs, data, modelName);
}

/**
 * Yields one feed per sample. npz arrays are split along axis 0 into batches of the input's batch
 * size (its fixed leading dim, else 1) when their first dim is a multiple of it; an array one rank
 * short of the input is one sample. Files are read one at a time, so a pass holds one file.
 */
export function* calibrationSamples(
  inputs: readonly InputSpec[],
  data: Exclude<CalibrationData, { kind: 'images' }>,
  modelName: string,
): Generator<Record<string, ort.Tensor>> {
  if (data.kind === 'random') {
    if (!Number.isInteger(data.samples) || data.samples < 1)
      throw new KilnError('INVALID_ARGUMENT', `calibration needs at least one sample, not ${data.samples}`);
    const shapes = resolveShapes(inputs, data.shapes);
    for (let i = 0; i < data.samples; i++) yield makeFeeds(inputs, shapes, (data.seed + i) >>> 0);
    return;
  }
  if (data.paths.length === 0) throw new KilnError('INVALID_ARGUMENT', 'calibration data lists no .npy/.npz files');
  for (const file of data.paths) {
    const fileName = path.basename(file);
    const arrays = readArrayFile(file);
    const single = arrays.get('');
    if (single) {
      if (inputs.length !== 1) {
        throw new KilnError(
          'INVALID_ARGUMENT',
          `${fileName} is a single .npy array but ${modelName} has ${inputs.length} inputs (${inputs.map((i) => i.name).join(', ')}); use an .npz with one array per input`,
          { file: fileName },
        );
      }
      arrays.delete('');
      arrays.set((inputs[0] as InputSpec).name, single);
    }
    const missing = inputs.filter((i) => !arrays.has(i.name)).map((i) => i.name);
    if (missing.length > 0) {
      throw new KilnError(
        'INVALID_ARGUMENT',
        `${fileName} has no array for input${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of ${modelName} (it holds: ${[...arrays.keys()].join(', ') || 'nothing'})`,
        { file: fileName },
      );
    }
    // Per input: samples along axis 0.
    const split = inputs.map((input) => {
      const a = arrays.get(input.name) as NpyArray;
      const dims = input.dims;
      const rank = dims ? dims.length : a.shape.length;
      let shape = a.shape;
      if (dims && a.shape.length === rank - 1) shape = [1, ...a.shape];
      else if (dims && a.shape.length !== rank) {
        throw new KilnError(
          'INVALID_ARGUMENT',
          `${fileName}: array ${input.name} has shape [${a.shape.join(', ')}], input ${input.name} of ${modelName} has rank ${rank}`,
          { file: fileName },
        );
      }
      dims?.forEach((d, axis) => {
        if (axis > 0 && typeof d === 'number' && d !== shape[axis]) {
          throw new KilnError(
            'INVALID_ARGUMENT',
            `${fileName}: array ${input.name} has shape [${a.shape.join(', ')}], but axis ${axis} of input ${input.name} is fixed at ${d}`,
            { file: fileName },
          );
        }
      });
      if (rank === 0) {
        // A scalar input (silero VAD's sample rate): one value for every sample of the file.
        const conv = a.shape.length === 0 ? convertTo(a, input.dtype) : undefined;
        if (!conv)
          throw new KilnError(
            'INVALID_ARGUMENT',
            `${fileName}: input ${input.name} of ${modelName} is a scalar ${input.dtype}, array ${input.name} is ${a.dtype} [${a.shape.join(', ')}]`,
            { file: fileName },
          );
        return { input, count: -1, dims: [] as number[], per: 1, conv };
      }
      const d0 = dims?.[0];
      const batch = typeof d0 === 'number' && d0 > 0 ? d0 : 1;
      const first = shape[0] ?? 1;
      if (shape.length === 0 || first % batch !== 0) {
        throw new KilnError(
          'INVALID_ARGUMENT',
          `${fileName}: array ${input.name} has ${first} rows, not a multiple of the input's batch ${batch}`,
          { file: fileName },
        );
      }
      const conv = convertTo(a, input.dtype);
      if (!conv) {
        throw new KilnError(
          'INVALID_ARGUMENT',
          `${fileName}: array ${input.name} is ${a.dtype}, input ${input.name} of ${modelName} is ${input.dtype}`,
          { file: fileName },
        );
      }
      const sampleDims = [batch, ...shape.slice(1)];
      const per = sampleDims.reduce((x, y) => x * y, 1);
      return { input, count: first / batch, dims: sampleDims, per, conv };
    });
    const first = split.find((s) => s.count >= 0);
    const count = first?.count ?? 1;
    const uneven = split.find((s) => s.count >= 0 && s.count !== count);
    if (uneven) {
      throw new KilnError(
        'INVALID_ARGUMENT',
        `${fileName}: input ${uneven.input.name} has ${uneven.count} samples, ${first?.input.name} has ${count}`,
        { file: fileName },
      );
    }
    for (let k = 0; k < count; k++) {
      const feeds: Record<string, ort.Tensor> = {};
      for (const s of split) {
        feeds[s.input.name] = new ort.Tensor(
          s.conv.type as 'float32',
          sliceAxis0(s.conv.data, s.per, s.count < 0 ? 0 : k) as Float32Array,
          s.dims,
        );
      }
      yield feeds;
    }
  }
}

// ---- activation statistics ---------------------------------------------------------------------

export interface ActivationStats {
  min: number;
  max: number;
  absMax: number;
  /** Finite values seen. */
  count: number;
  /** Histogram of |x| over [0, absMax] (bins of equal width). */
  histogram?: { bins: Float64Array; absMax: number };
  /** max |x| per channel (axis 1), for the tensors CollectOptions.channels names. */
  channelAbsMax?: Float64Array;
}

export interface CollectOptions {
  /** Tensor names to measure (default: every float activation of the main graph, inputs included). */
  tensors?: string[];
  histogram?: boolean;
  /** Histogram bins (default 2048, as TensorRT's entropy calibrator). */
  bins?: number;
  signal?: AbortSignal;
  onProgress?: (fraction: number, stage: string) => void;
  /** Tensors exposed per ONNX Runtime session (default 200): bounds memory on big models. */
  maxTensorsPerPass?: number;
  /** Of the tensors measured, those whose max |x| is also kept per channel (axis 1). */
  channels?: string[];
}

const FLOAT_TYPES: Record<string, number> = { float32: 1, float16: 10, float64: 11 };

/** Values of an output tensor as numbers (float16 decoded). */
function floatView(t: ort.Tensor): ArrayLike<number> | null {
  if (t.type === 'float32' || t.type === 'float64') return t.data as Float32Array | Float64Array;
  if (t.type === 'float16') {
    return halfArrayToFloat32(t.data as Uint16Array);
  }
  return null;
}

function newStats(): ActivationStats {
  return { min: Infinity, max: -Infinity, absMax: 0, count: 0 };
}

function accumulate(s: ActivationStats, v: ArrayLike<number>): void {
  let min = s.min;
  let max = s.max;
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i] as number;
    if (x - x !== 0) continue; // NaN or ±Inf
    if (x < min) min = x;
    if (x > max) max = x;
    n++;
  }
  s.min = min;
  s.max = max;
  s.absMax = Math.max(Math.abs(min), Math.abs(max), s.absMax);
  s.count += n;
}

/** max |x| per index of axis 1 (NCHW channels, or the features of [N, C]). */
function accumulateChannels(s: ActivationStats, v: ArrayLike<number>, dims: readonly number[]): void {
  const channels = dims[1] ?? 1;
  const inner = dims.slice(2).reduce((a, b) => a * b, 1);
  const m = (s.channelAbsMax ??= new Float64Array(channels));
  if (m.length !== channels) return;
  for (let i = 0; i < v.length; i++) {
    const x = Math.abs(v[i] as number);
    const c = Math.floor(i / inner) % channels;
    if (x > (m[c] as number) && x !== Infinity) m[c] = x;
  }
}

function fillHistogram(h: { bins: Float64Array; absMax: number }, v: ArrayLike<number>): void {
  const bins = h.bins;
  const last = bins.length - 1;
  const per = h.absMax > 0 ? bins.length / h.absMax : 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i] as number;
    if (x - x !== 0) continue;
    const b = Math.floor(Math.abs(x) * per);
    bins[b > last ? last : b] = (bins[b > last ? last : b] as number) + 1;
  }
}

function cancelled(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new KilnError('CANCELLED', `${what} was cancelled`);
}

/**
 * Runs the calibration data through the model and returns statistics per tensor name. Tensors
 * that never got a finite value have min = +Infinity, max = -Infinity and count 0.
 */
export async function collectActivationStats(
  modelPath: string,
  data: CalibrationData,
  opts: CollectOptions = {},
): Promise<Map<string, ActivationStats>> {
  const a = await analyzeModel(modelPath);
  const file = a.opened.displayName;
  const { ir, shapes } = a;
  const model = a.opened.model;
  const graph = model.graph;
  if (!graph) throw new KilnError('NOT_ONNX', `${file} has no graph`, { file });
  const main = ir.graphs[0] as IRGraph;
  const bins = opts.bins ?? 2048;
  if (!Number.isInteger(bins) || bins < 1)
    throw new KilnError('INVALID_ARGUMENT', `histogram bins must be ≥ 1, not ${bins}`);
  const perPass = opts.maxTensorsPerPass ?? 200;
  if (!Number.isInteger(perPass) || perPass < 1)
    throw new KilnError('INVALID_ARGUMENT', `maxTensorsPerPass must be ≥ 1, not ${perPass}`);
  const what = `Calibrating ${file}`;

  // Which tensors: ids in the main graph, and their element types.
  const byName = new Map<string, number>();
  for (let t = 0; t < ir.tensorCount; t++) if (ir.tensorGraph[t] === 0) byName.set(ir.tensorName[t] as string, t);
  const isConstant = (t: number) => {
    if ((ir.tensorFlags[t] as number) & TENSOR_INITIALIZER) return true;
    const p = ir.tensorProducer[t] as number;
    return p >= 0 && ir.nodes[p]?.opType === 'Constant';
  };
  const inputNames = new Set(modelInputs(graph).map((i) => i.name));
  let wanted: string[];
  if (opts.tensors) {
    wanted = [...new Set(opts.tensors)];
    for (const name of wanted) {
      const t = byName.get(name);
      if (t === undefined)
        throw new KilnError('INVALID_ARGUMENT', `${file} has no tensor "${name}" in its main graph`, { file });
      if (isConstant(t))
        throw new KilnError('INVALID_ARGUMENT', `"${name}" in ${file} is a constant, not an activation`, { file });
    }
  } else {
    wanted = [];
    for (const [name, t] of byName) {
      const flags = ir.tensorFlags[t] as number;
      const produced =
        (ir.tensorProducer[t] as number) >= main.nodeStart && (ir.tensorProducer[t] as number) < main.nodeEnd;
      if (isConstant(t) || !(produced || (flags & TENSOR_INPUT && inputNames.has(name)))) continue;
      if ((shapes.types[t]?.dtype ?? '') in FLOAT_TYPES) wanted.push(name);
    }
  }
  const stats = new Map<string, ActivationStats>();
  for (const name of wanted) stats.set(name, newStats());
  const fromFeeds = wanted.filter((n) => inputNames.has(n));
  const exposed = wanted.filter((n) => !inputNames.has(n));

  const inputs = modelInputs(graph);
  const groups: string[][] = [];
  for (let i = 0; i < exposed.length; i += perPass) groups.push(exposed.slice(i, i + perPass));
  const histogram = opts.histogram ?? false;
  const passes = histogram ? 2 : 1;
  const perChannel = new Set(opts.channels ?? []);
  // Samples per pass: known for random data; counted on the first pass for files.
  let samples = sampleCount(data);
  const totalPasses = Math.max(1, groups.length) * passes;
  let passesDone = 0;
  const progress = (k: number, stage: string) => {
    if (!opts.onProgress) return;
    const within = samples ? Math.min(1, k / samples) : 0;
    opts.onProgress(Math.min(1, (passesDone + within) / totalPasses), stage);
  };

  const observe = (name: string, values: ArrayLike<number>, pass: number) => {
    const s = stats.get(name) as ActivationStats;
    if (pass === 0) accumulate(s, values);
    else if (s.histogram) fillHistogram(s.histogram, values);
  };
  const startHistograms = (names: string[]) => {
    for (const name of names) {
      const s = stats.get(name) as ActivationStats;
      s.histogram = { bins: new Float64Array(bins), absMax: s.absMax };
    }
  };

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-calib-'));
  const savedOutputs = graph.output;
  try {
    // Graph inputs (and nothing else) when no tensor needs exposing: run the data through without ORT.
    if (groups.length === 0) {
      for (let pass = 0; pass < passes; pass++) {
        if (pass === 1) startHistograms(fromFeeds);
        let k = 0;
        for await (const feeds of calibrationFeeds(inputs, data, file)) {
          cancelled(opts.signal, what);
          for (const name of fromFeeds) {
            const v = floatView(feeds[name] as ort.Tensor);
            if (v) observe(name, v, pass);
          }
          progress(++k, pass === 0 ? 'Measuring ranges' : 'Filling histograms');
        }
        samples ??= k;
        passesDone++;
      }
      return stats;
    }
    for (const [g, group] of groups.entries()) {
      cancelled(opts.signal, what);
      const outputs: ValueInfoProto[] = group.map((name) => {
        const t = byName.get(name) as number;
        const elemType = FLOAT_TYPES[shapes.types[t]?.dtype ?? ''] ?? 1;
        return { name, type: { kind: 'tensor', elemType, shape: null, denotation: '' }, docString: '' };
      });
      graph.output = outputs;
      const exposedPath = path.join(tmp, `expose-${g}.onnx`);
      try {
        writeModelFile(model, exposedPath, { source: a.opened.bytes });
      } finally {
        graph.output = savedOutputs;
      }
      let session: ort.InferenceSession;
      try {
        session = await ort.InferenceSession.create(exposedPath, {
          executionProviders: ['cpu'],
          graphOptimizationLevel: 'disabled',
          logSeverityLevel: 3,
        });
      } catch (err) {
        throw new KilnError(
          'UNSUPPORTED',
          `ONNX Runtime cannot load ${file} for calibration: ${err instanceof Error ? err.message : String(err)}`,
          { file },
        );
      }
      fs.rmSync(exposedPath, { force: true });
      const inputsHere = g === 0 ? fromFeeds : [];
      try {
        for (let pass = 0; pass < passes; pass++) {
          if (pass === 1) startHistograms([...group, ...inputsHere]);
          const stage = `${pass === 0 ? 'Measuring ranges' : 'Filling histograms'}${groups.length > 1 ? ` (tensors ${g * perPass + 1}–${g * perPass + group.length} of ${exposed.length})` : ''}`;
          let k = 0;
          for await (const feeds of calibrationFeeds(inputs, data, file)) {
            cancelled(opts.signal, what);
            let out: ort.InferenceSession.ReturnType;
            try {
              out = await session.run(feeds);
            } catch (err) {
              throw new KilnError(
                'UNSUPPORTED',
                `ONNX Runtime failed to run ${file} on calibration sample ${k + 1}: ${err instanceof Error ? err.message : String(err)}`,
                { file },
              );
            }
            for (const name of group) {
              const t = out[name];
              const v = t ? floatView(t) : null;
              if (v) observe(name, v, pass);
              if (v && t && pass === 0 && perChannel.has(name))
                accumulateChannels(stats.get(name) as ActivationStats, v, t.dims);
              t?.dispose();
            }
            for (const name of inputsHere) {
              const v = floatView(feeds[name] as ort.Tensor);
              if (v) observe(name, v, pass);
            }
            progress(++k, stage);
          }
          if (k === 0) throw new KilnError('INVALID_ARGUMENT', `the calibration data for ${file} holds no samples`);
          samples ??= k;
          passesDone++;
        }
      } finally {
        await session.release();
      }
    }
    return stats;
  } finally {
    graph.output = savedOutputs;
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

// ---- thresholds from histograms ---------------------------------------------------------------

export type CalibratorKind = 'max' | 'percentile' | 'entropy' | 'mse';

/**
 * Threshold covering `percentile` % of the values: the upper edge of the first bin where the
 * cumulative count reaches it (so at least that share of |x| lies within the threshold).
 */
export function percentileThreshold(bins: ArrayLike<number>, absMax: number, percentile: number): number {
  if (!(percentile > 0 && percentile <= 100))
    throw new KilnError('INVALID_ARGUMENT', `percentile must be in (0, 100], not ${percentile}`);
  let total = 0;
  for (let i = 0; i < bins.length; i++) total += bins[i] as number;
  if (total === 0 || absMax === 0) return absMax;
  const target = (percentile / 100) * total;
  let c = 0;
  for (let i = 0; i < bins.length; i++) {
    c += bins[i] as number;
    if (c >= target * (1 - 1e-12)) return ((i + 1) * absMax) / bins.length;
  }
  return absMax;
}

/**
 * TensorRT's entropy calibration (EntropyCalibrator2, as NVIDIA's pytorch-quantization implements
 * it): for every candidate of i = startBin … bins kept bins, the reference distribution P is the
 * first i bins with the outliers added to the last; the candidate Q is those bins merged into
 * `levels` quantization levels and expanded back over the non-empty bins; the threshold is the
 * upper edge of bin i with the smallest KL(P‖Q) (the last one on ties). The zero bin takes the
 * count of bin 1, as there, so exact zeros (ReLU) do not dominate.
 */
export function entropyThreshold(
  histogram: ArrayLike<number>,
  absMax: number,
  opts: { levels?: number; startBin?: number; stride?: number } = {},
): number {
  const n = histogram.length;
  const levels = opts.levels ?? 128;
  const start = Math.max(1, Math.min(opts.startBin ?? 128, n));
  const stride = opts.stride ?? 1;
  if (absMax === 0 || n === 0) return absMax;
  const bins = Float64Array.from(histogram);
  if (n > 1) bins[0] = bins[1] as number;
  // Prefix sums over bins: counts, non-empty bins, and Σ b·ln b — each candidate then costs O(levels).
  const S = new Float64Array(n + 1);
  const C = new Float64Array(n + 1);
  const L = new Float64Array(n + 1);
  for (let j = 0; j < n; j++) {
    const b = bins[j] as number;
    S[j + 1] = (S[j] as number) + b;
    C[j + 1] = (C[j] as number) + (b > 0 ? 1 : 0);
    L[j + 1] = (L[j] as number) + (b > 0 ? b * Math.log(b) : 0);
  }
  const total = S[n] as number;
  if (total === 0) return absMax;
  const logT = Math.log(total);
  let best = Infinity;
  let bestI = n;
  for (let i = start; i <= n; i += stride) {
    const kept = S[i] as number; // Σ Q before normalising: each level's mean times its non-empty bins
    const outliers = total - kept;
    const last = bins[i - 1] as number;
    let kl = 0;
    if (outliers > 0 && last === 0)
      kl = Infinity; // P has mass in the last bin, Q none
    else if (kept > 0) {
      const logKept = Math.log(kept);
      // Bin j is in level floor(j·levels / i): level l spans [ceil(l·i/levels), ceil((l+1)·i/levels)).
      let a = 0;
      for (let l = 0; l < levels && a < i; l++) {
        const e = Math.min(i, Math.ceil(((l + 1) * i) / levels));
        const count = (C[e] as number) - (C[a] as number);
        if (count > 0) {
          const sum = (S[e] as number) - (S[a] as number);
          // Σ over the level's non-empty bins of p·ln(p/q), p = b/T, q = (sum/count)/kept.
          const logQ = Math.log(sum / count) - logKept;
          kl += ((L[e] as number) - (L[a] as number)) / total - (sum / total) * (logT + logQ);
          if (outliers > 0 && e === i) {
            // The last bin holds the outliers in P: swap its term.
            const p0 = last / total;
            const p1 = (last + outliers) / total;
            kl += p1 * (Math.log(p1) - logQ) - p0 * (Math.log(p0) - logQ);
          }
        }
        a = e;
      }
    }
    if (kl <= best) {
      best = kl;
      bestI = i;
    }
  }
  return (bestI * absMax) / n;
}

/**
 * The threshold (an upper bin edge) minimising the mean squared error of quantizing the
 * histogram's values — bin centres — to `levels` steps of threshold/levels, values beyond the
 * threshold clipped to it.
 */
export function mseThreshold(
  histogram: ArrayLike<number>,
  absMax: number,
  opts: { levels?: number; stride?: number } = {},
): number {
  const n = histogram.length;
  const levels = opts.levels ?? 127;
  const stride = opts.stride ?? 1;
  if (absMax === 0 || n === 0) return absMax;
  const width = absMax / n;
  // Suffix moments of the clipped part: Σc, Σc·x, Σc·x² over bins from j on.
  const c0 = new Float64Array(n + 1);
  const c1 = new Float64Array(n + 1);
  const c2 = new Float64Array(n + 1);
  for (let j = n - 1; j >= 0; j--) {
    const c = histogram[j] as number;
    const x = (j + 0.5) * width;
    c0[j] = (c0[j + 1] as number) + c;
    c1[j] = (c1[j + 1] as number) + c * x;
    c2[j] = (c2[j + 1] as number) + c * x * x;
  }
  let best = Infinity;
  let bestI = n;
  for (let i = n; i >= 1; i -= stride) {
    const t = i * width;
    const step = t / levels;
    // Bins from i on have centres ≥ t: clipped to t.
    let err = Math.max(0, (c2[i] as number) - 2 * t * (c1[i] as number) + t * t * (c0[i] as number));
    for (let j = 0; j < i && err < best; j++) {
      const c = histogram[j] as number;
      if (c === 0) continue;
      const x = (j + 0.5) * width;
      const d = x - Math.round(x / step) * step;
      err += c * d * d;
    }
    if (err < best) {
      best = err;
      bestI = i;
    }
  }
  return bestI * width;
}

/**
 * The clipping threshold on |x| a calibrator picks for these statistics. `unsigned` (one-sided
 * tensors quantized to UINT8) doubles the levels the entropy and MSE searches quantize to.
 * Entropy needs a histogram with at least as many values as bins: on fewer (a per-channel gate
 * seen on a few samples) the KL search over mostly empty bins clips at random, so |x| max is
 * used and `onFallback` says so.
 */
export function calibratedThreshold(
  s: ActivationStats,
  calibrator: CalibratorKind,
  opts: { percentile?: number; unsigned?: boolean; onFallback?: (reason: string) => void } = {},
): number {
  if (calibrator === 'max' || !s.histogram || s.absMax === 0) return s.absMax;
  const { bins, absMax } = s.histogram;
  if (calibrator === 'percentile') return percentileThreshold(bins, absMax, opts.percentile ?? 99.99);
  if (calibrator === 'entropy' && s.count < bins.length) {
    opts.onFallback?.(`${s.count} values are too few for a ${bins.length}-bin entropy search: |x| max used`);
    return s.absMax;
  }
  if (calibrator === 'entropy') return entropyThreshold(bins, absMax, { levels: opts.unsigned ? 256 : 128 });
  return mseThreshold(bins, absMax, { levels: opts.unsigned ? 255 : 127 });
}
