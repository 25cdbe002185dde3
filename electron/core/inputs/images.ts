/**
 * Images as model inputs: decoded with sharp (libvips) and preprocessed the way the model was
 * trained (resize, crop or pad, scale, mean/std, layout, channel order), one batch at a time.
 */
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import type { ImagePreprocess } from '../../shared/api/variants';
import { KilnError } from '../../shared/api/errors';
import type { InputSpec } from './specs';

/** Where batch, channels, height and width sit in the image input. */
function geometry(input: InputSpec, dims: number[], layout: ImagePreprocess['layout'], modelName: string) {
  if (dims.length !== 4)
    throw new KilnError(
      'INVALID_ARGUMENT',
      `images calibrate a rank-4 image input, but input ${input.name} of ${modelName} has shape [${dims.join(', ')}]; use .npy/.npz files`,
    );
  const [n, a, b, c] = dims as [number, number, number, number];
  const [channels, height, width] = layout === 'NCHW' ? [a, b, c] : [c, a, b];
  if (channels !== 1 && channels !== 3)
    throw new KilnError(
      'INVALID_ARGUMENT',
      `input ${input.name} of ${modelName} has ${channels} channels in ${layout} layout ([${dims.join(', ')}]); images give 1 or 3 — is the layout right?`,
    );
  return { batch: n, channels, height, width };
}

/** Decodes one image into `out` at `offset`, preprocessed for an input of the given geometry. */
async function decodeInto(
  file: string,
  g: { channels: number; height: number; width: number },
  pre: ImagePreprocess,
  out: Float32Array,
  offset: number,
): Promise<void> {
  let raw: { data: Buffer; info: { channels: number } };
  try {
    let img = sharp(file, { failOn: 'error' }).rotate(); // EXIF orientation, as viewers show it
    img = g.channels === 1 ? img.toColourspace('b-w') : img.removeAlpha().toColourspace('srgb');
    const fit = pre.resize === 'stretch' ? 'fill' : pre.resize === 'crop' ? 'cover' : 'contain';
    raw = await img
      .resize(g.width, g.height, { fit, position: 'centre', background: { r: 0, g: 0, b: 0 } })
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw new KilnError(
      'INVALID_ARGUMENT',
      `calibration image ${path.basename(file)} cannot be decoded: ${(err as Error).message}`,
      { file: path.basename(file) },
    );
  }
  const { data, info } = raw;
  const src = info.channels;
  const plane = g.height * g.width;
  const c = g.channels;
  const mean = (k: number) => pre.mean[Math.min(k, pre.mean.length - 1)] as number;
  const std = (k: number) => pre.std[Math.min(k, pre.std.length - 1)] as number;
  for (let k = 0; k < c; k++) {
    // BGR: output channel k reads source channel 2 − k.
    const from = c === 3 && pre.channels === 'BGR' ? 2 - k : k;
    const m = mean(k);
    const sd = std(k);
    for (let i = 0; i < plane; i++) {
      const v = ((data[i * src + Math.min(from, src - 1)] as number) * pre.scale - m) / sd;
      if (pre.layout === 'NCHW') out[offset + k * plane + i] = v;
      else out[offset + i * c + k] = v;
    }
  }
}

/**
 * Yields one feed per batch of images for a model with a single image input. Images are decoded
 * one batch at a time, so a pass holds one batch in memory; leftovers short of a batch are dropped.
 */
export async function* imageSamples(
  inputs: readonly InputSpec[],
  files: readonly string[],
  shapes: Record<string, number[]>,
  pre: ImagePreprocess,
  modelName: string,
): AsyncGenerator<Record<string, ort.Tensor>> {
  if (inputs.length !== 1)
    throw new KilnError(
      'INVALID_ARGUMENT',
      `images calibrate a model with one input, but ${modelName} has ${inputs.length} (${inputs.map((i) => i.name).join(', ')}); use .npz files with one array per input`,
    );
  const input = inputs[0] as InputSpec;
  if (input.dtype !== 'float32')
    throw new KilnError(
      'INVALID_ARGUMENT',
      `input ${input.name} of ${modelName} is ${input.dtype}; images calibrate float32 inputs`,
    );
  const dims = shapes[input.name] as number[];
  const g = geometry(input, dims, pre.layout, modelName);
  if (files.length < g.batch)
    throw new KilnError(
      'INVALID_ARGUMENT',
      `calibration needs at least ${g.batch} images for one batch of input ${input.name}, got ${files.length}`,
    );
  const per = g.channels * g.height * g.width;
  for (let start = 0; start + g.batch <= files.length; start += g.batch) {
    const data = new Float32Array(per * g.batch);
    for (let b = 0; b < g.batch; b++) await decodeInto(files[start + b] as string, g, pre, data, b * per);
    yield { [input.name]: new ort.Tensor('float32', data, dims) };
  }
}
