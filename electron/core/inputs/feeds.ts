/**
 * Input data as model feeds: what calibration, comparison, the accuracy check and profiling all run
 * on. A source (seeded random tensors, the user's .npy/.npz files in ModelOpt's layout, or images)
 * becomes one stream of feeds, a sample at a time, checked against the model's inputs.
 */
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { ImagePreprocess } from '../../shared/api/variants';
import { KilnError } from '../../shared/api/errors';
import { randomData, rng } from './generate';
import { imageSamples } from './images';
import type { NpyArray } from './npy';
import { readArrayFile } from './npz';
import { resolveShapes, type InputSpec } from './specs';

/** Where a model's input samples come from. */
export type InputData =
  | { kind: 'random'; samples: number; seed: number; shapes: Record<string, number[]> }
  /** .npy or .npz files; an .npz maps input name → array (ModelOpt's layout), a .npy feeds the single input. */
  | { kind: 'npz'; paths: string[] }
  /** Image files for a single image input, preprocessed to the resolved shape. */
  | { kind: 'images'; paths: string[]; preprocess: ImagePreprocess; shapes: Record<string, number[]> };

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

/** One sample of seeded random values for every input, at the given concrete shapes. */
export function randomFeeds(
  inputs: readonly InputSpec[],
  shapes: Record<string, number[]>,
  seed: number,
): Record<string, ort.Tensor> {
  const next = rng(seed);
  const feeds: Record<string, ort.Tensor> = {};
  for (const input of inputs) {
    const dims = shapes[input.name] as number[];
    const size = dims.reduce((a, b) => a * b, 1);
    const data = randomData(input.dtype, size, next, input.indexRows);
    feeds[input.name] = new ort.Tensor(input.dtype as 'float32', data as Float32Array, dims);
  }
  return feeds;
}

/** How many samples the data holds, without reading array contents twice for random data. */
export function sampleCount(data: InputData): number | null {
  if (data.kind === 'random') return data.samples;
  if (data.kind === 'images') {
    const batch = Object.values(data.shapes)[0]?.[0] ?? 1;
    return Math.floor(data.paths.length / Math.max(1, batch));
  }
  return null;
}

/** Every kind of input data as one stream of feeds (images decode asynchronously). */
export async function* inputFeeds(
  inputs: readonly InputSpec[],
  data: InputData,
  modelName: string,
): AsyncGenerator<Record<string, ort.Tensor>> {
  if (data.kind === 'images') {
    yield* imageSamples(inputs, data.paths, resolveShapes(inputs, data.shapes), data.preprocess, modelName);
    return;
  }
  yield* inputSamples(inputs, data, modelName);
}

/**
 * Yields one feed per sample. npz arrays are split along axis 0 into batches of the input's batch
 * size (its fixed leading dim, else 1) when their first dim is a multiple of it; an array one rank
 * short of the input is one sample. Files are read one at a time, so a pass holds one file.
 */
export function* inputSamples(
  inputs: readonly InputSpec[],
  data: Exclude<InputData, { kind: 'images' }>,
  modelName: string,
): Generator<Record<string, ort.Tensor>> {
  if (data.kind === 'random') {
    if (!Number.isInteger(data.samples) || data.samples < 1)
      throw new KilnError('INVALID_ARGUMENT', `calibration needs at least one sample, not ${data.samples}`);
    const shapes = resolveShapes(inputs, data.shapes);
    for (let i = 0; i < data.samples; i++) yield randomFeeds(inputs, shapes, (data.seed + i) >>> 0);
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
