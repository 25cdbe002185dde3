/**
 * The spectral ops: DFT and STFT. TensorRT parses STFT from 10.5 and DFT from 11.2, so audio front
 * ends (spectrograms before a keyword spotter or a speech encoder) now reach an engine, and their
 * shapes must be known for the check, the cost and the profiles. Shapes follow the ONNX operator
 * spec: a signal carries a trailing axis of 1 (real) or 2 (complex), every output is complex ([..., 2]),
 * and a one-sided transform keeps floor(n / 2) + 1 bins.
 */
import { attrInt, constInts, dimsOf, dtypeOf, has, normAxis, tensor, type Rule } from '../helpers';
import { symAdd, symFloorDiv, symSub } from '../sym';
import type { SymDim } from '../types';

const bins = (n: SymDim, onesided: boolean): SymDim => (onesided ? symAdd(symFloorDiv(n, 2), 1) : n);

/** A scalar (or one-element) constant input's value; null when absent or not known. */
function scalar(ctx: Parameters<Rule>[0], i: number): number | null {
  const v = constInts(ctx, i);
  return v && v.length === 1 ? v[0]! : null;
}

/**
 * DFT(input [batch, n1, ..., nk, 1|2], dft_length?, axis?): the transformed axis becomes dft_length
 * (or stays), one-sided keeps floor(n / 2) + 1 of it, the last axis becomes 2. The axis is an
 * attribute up to opset 19 (default 1) and an input from opset 20 (default -2).
 */
export const dft: Rule = (ctx) => {
  const dtype = dtypeOf(ctx, 0);
  const x = dimsOf(ctx, 0);
  if (!x) return { outputs: [tensor(dtype, null)] };
  const r = x.length;
  const out: SymDim[] = x.slice();
  out[r - 1] = 2;
  let axisValue: number | null = ctx.opset >= 20 ? (has(ctx, 2) ? scalar(ctx, 2) : -2) : attrInt(ctx, 'axis', 1);
  // Accepted range: [-r, -2] and [0, r - 2]; the last axis holds real and imaginary parts.
  if (axisValue === -1 || axisValue === r - 1) axisValue = null;
  const axis = axisValue === null ? undefined : normAxis(axisValue, r);
  if (axis === undefined) {
    // Which axis is transformed is not known: only it changes, so every other dim is unknown too.
    return {
      outputs: [
        tensor(
          dtype,
          out.map((d, i) => (i === r - 1 ? 2 : i === 0 ? d : null)),
        ),
      ],
    };
  }
  const onesided = attrInt(ctx, 'onesided', 0) === 1 && attrInt(ctx, 'inverse', 0) === 0;
  const length: SymDim = has(ctx, 1) ? scalar(ctx, 1) : x[axis]!;
  out[axis] = bins(length, onesided);
  return { outputs: [tensor(dtype, out)] };
};

/**
 * STFT(signal [batch, length, 1|2], frame_step, window?, frame_length?) -> [batch, frames, bins, 2]:
 * frames = floor((length - frame_length) / frame_step) + 1, frame_length from the input or else the
 * window's length, bins = floor(frame_length / 2) + 1 when one-sided (the default), else frame_length.
 */
export const stft: Rule = (ctx) => {
  const dtype = dtypeOf(ctx, 0);
  const x = dimsOf(ctx, 0);
  const step = scalar(ctx, 1);
  const frameLength: SymDim = has(ctx, 3) ? scalar(ctx, 3) : has(ctx, 2) ? (dimsOf(ctx, 2)?.[0] ?? null) : null;
  const onesided = attrInt(ctx, 'onesided', 1) === 1;
  const frames =
    x && x.length === 3 && step !== null && step > 0 && frameLength !== null
      ? symAdd(symFloorDiv(symSub(x[1]!, frameLength), step), 1)
      : null;
  const batch = x && x.length === 3 ? x[0]! : null;
  return {
    outputs: [
      tensor(dtype, [batch, typeof frames === 'number' && frames < 0 ? null : frames, bins(frameLength, onesided), 2]),
    ],
  };
};
