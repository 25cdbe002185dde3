/** DFT and STFT shape rules (rules/signal.ts), on symbolic audio lengths as exports carry them. */
import { describe, expect, it } from 'vitest';
import { inferNode } from '../../../electron/core/shapes/infer';
import { ctx, i64 } from './ctx';

const scalar = (v: number) => i64([v], []);
const dims = (c: Parameters<typeof inferNode>[0]) => inferNode(c).outputs[0]?.dims;

describe('STFT', () => {
  it('frames and one-sided bins from frame_step and the window length', () => {
    // 16000 samples, 400-sample Hann window, hop 160: 98 frames of 201 bins.
    const c = ctx({
      op: 'STFT',
      opset: 17,
      inputs: [[1, 16000, 1], { dtype: 'int64', dims: [] }, [400]],
      consts: [undefined, scalar(160)],
    });
    expect(dims(c)).toEqual([1, 98, 201, 2]);
  });

  it('a symbolic signal length gives a symbolic frame count; onesided=0 keeps every bin', () => {
    const c = ctx({
      op: 'STFT',
      opset: 17,
      inputs: [['batch', 'samples', 1], { dtype: 'int64', dims: [] }, null, { dtype: 'int64', dims: [] }],
      consts: [undefined, scalar(128), undefined, scalar(256)],
      attrs: { onesided: 0 },
    });
    const out = dims(c)!;
    expect(out[0]).toBe('batch');
    expect(typeof out[1]).toBe('string');
    expect(out.slice(2)).toEqual([256, 2]);
  });

  it('an unknown frame step leaves the frame count unknown, not wrong', () => {
    const c = ctx({ op: 'STFT', opset: 17, inputs: [[1, 1000, 1], { dtype: 'int64', dims: [] }, [64]] });
    expect(dims(c)).toEqual([1, null, 33, 2]);
  });
});

describe('DFT', () => {
  it('opset 17: axis attribute (default 1), complex output', () => {
    expect(dims(ctx({ op: 'DFT', opset: 17, inputs: [[3, 10, 1]] }))).toEqual([3, 10, 2]);
    expect(dims(ctx({ op: 'DFT', opset: 17, inputs: [[3, 10, 1]], attrs: { onesided: 1 } }))).toEqual([3, 6, 2]);
  });

  it('opset 20: axis input (default -2), dft_length input', () => {
    const c = ctx({
      op: 'DFT',
      opset: 20,
      inputs: [[2, 5, 8, 2], { dtype: 'int64', dims: [] }, { dtype: 'int64', dims: [] }],
      consts: [undefined, scalar(16), scalar(1)],
    });
    expect(dims(c)).toEqual([2, 16, 8, 2]);
    expect(dims(ctx({ op: 'DFT', opset: 20, inputs: [[2, 5, 8, 2]] }))).toEqual([2, 5, 8, 2]);
    expect(dims(ctx({ op: 'DFT', opset: 20, inputs: [[2, 5, 8, 1]], attrs: { onesided: 1 } }))).toEqual([2, 5, 5, 2]);
  });

  it('an axis known only at run time leaves every dim but batch and the last unknown', () => {
    const c = ctx({ op: 'DFT', opset: 20, inputs: [[2, 5, 8, 1], null, { dtype: 'int64', dims: [] }] });
    expect(dims(c)).toEqual([2, null, null, 2]);
  });
});

describe('MaxUnpool with output_shape', () => {
  it('a run-time output_shape gives its rank and no dims (never the inverse of pooling)', () => {
    const c = ctx({
      op: 'MaxUnpool',
      opset: 11,
      inputs: [[1, 1, 2, 2], { dtype: 'int64', dims: [1, 1, 2, 2] }, { dtype: 'int64', dims: [4] }],
      attrs: { kernel_shape: [2, 2], strides: [2, 2] },
    });
    expect(dims(c)).toEqual([null, null, null, null]);
  });
});
