/**
 * One small model per op whose meaning changed after opset 13, written the way its old opset has
 * it, to test the opset conversion's rewrites op by op (unit) and on ONNX Runtime (integration):
 * each comes in the form the conversion must change and, where there is one, a form it must leave
 * alone.
 */
import { DT, GraphBuilder, model, randomFloats, seeded } from './graph';
import type { ModelProto } from '../../electron/core/onnx/model';

/** ReduceMean/ReduceMax over axes [1] as an attribute (opset 17), or over every axis (no attribute). */
export function reduceModel(withAxes: boolean, opset = 17): ModelProto {
  const b = new GraphBuilder();
  const x = b.input('x', DT.float32, [2, 3, 4]);
  const attrs: Record<string, number | number[]> = withAxes ? { axes: [1], keepdims: 1 } : { keepdims: 1 };
  const m = b.node('ReduceMean', [x], { name: 'mean', attrs });
  const s = b.node('ReduceMax', [m], { name: 'max', attrs });
  b.node('ReduceSumSquare', [s], { name: 'sumsq', attrs, outputs: ['y'] });
  b.output('y', DT.float32, null);
  return model(b.graph(), { opset });
}

/** Split of a [2, 6] tensor in three along axis 1: equal parts (no `split` input), or sized ones. */
export function splitModel(sized: boolean, opset = 17): ModelProto {
  const b = new GraphBuilder();
  const x = b.input('x', DT.float32, [2, 6]);
  const inputs = sized ? [x, b.init('sizes', DT.int64, [3], [1, 2, 3])] : [x];
  b.node('Split', inputs, { name: 'split', attrs: { axis: 1 }, outputs: ['a', 'b', 'c'] });
  for (const o of ['a', 'b', 'c']) b.output(o, DT.float32, null);
  return model(b.graph(), { opset });
}

/** RoiAlign (opset 10–15: output_half_pixel by default) over a [1, 2, 8, 8] map, two boxes. */
export function roiAlignModel(mode?: string, opset = 13): ModelProto {
  const b = new GraphBuilder();
  const x = b.input('x', DT.float32, [1, 2, 8, 8]);
  const rois = b.init('rois', DT.float32, [2, 4], [0.5, 0.5, 5.5, 6.5, 1.2, 0.3, 7.1, 4.4]);
  const idx = b.init('idx', DT.int64, [2], [0, 0]);
  const attrs = {
    output_height: 3,
    output_width: 3,
    sampling_ratio: 2,
    ...(mode ? { coordinate_transformation_mode: mode } : {}),
  };
  b.node('RoiAlign', [x, rois, idx], { name: 'roi', attrs, outputs: ['y'] });
  b.output('y', DT.float32, [2, 2, 3, 3]);
  return model(b.graph(), { opset });
}

/** GridSample (opset 16) of a [1, 2, 5, 5] map at a fixed grid, in `mode` (bilinear, bicubic, nearest). */
export function gridSampleModel(mode: string, opset = 16): ModelProto {
  const b = new GraphBuilder();
  const x = b.input('x', DT.float32, [1, 2, 5, 5]);
  const grid = b.init('grid', DT.float32, [1, 3, 3, 2], randomFloats(seeded(7), 18, 0.6));
  b.node('GridSample', [x, grid], { name: 'sample', attrs: { mode, align_corners: 0 }, outputs: ['y'] });
  b.output('y', DT.float32, [1, 2, 3, 3]);
  return model(b.graph(), { opset });
}

/** DFT (opset 17) of a [1, 8, 1] real signal along `axis` (absent: the default, 1). */
export function dftModel(axis?: number, opset = 17): ModelProto {
  const b = new GraphBuilder();
  const x = b.input('x', DT.float32, [1, 8, 1]);
  b.node('DFT', [x], { name: 'dft', attrs: { onesided: 0, ...(axis === undefined ? {} : { axis }) }, outputs: ['y'] });
  b.output('y', DT.float32, null);
  return model(b.graph(), { opset });
}

/**
 * GroupNormalization (opset 18: scale and bias per group) of a [1, 6, 2, 2] input in 3 groups; with
 * `computedScale` the scale comes from a node, which the conversion cannot expand.
 */
export function groupNormModel(computedScale = false, opset = 18): ModelProto {
  const b = new GraphBuilder();
  const x = b.input('x', DT.float32, [1, 6, 2, 2]);
  let scale = b.init('scale', DT.float32, [3], [0.5, 2, -1]);
  if (computedScale) scale = b.node('Neg', [scale], { name: 'neg' });
  const bias = b.init('bias', DT.float32, [3], [0.1, -0.2, 0.3]);
  b.node('GroupNormalization', [x, scale, bias], {
    name: 'gn',
    attrs: { num_groups: 3, epsilon: { float: 1e-5 } },
    outputs: ['y'],
  });
  b.output('y', DT.float32, [1, 6, 2, 2]);
  return model(b.graph(), { opset });
}

/** BatchNormalization (opset 13) in inference form, or in training form (with its running mean and var). */
export function batchNormModel(training: boolean): ModelProto {
  const b = new GraphBuilder();
  const x = b.input('x', DT.float32, [1, 2, 3, 3]);
  const p = (n: string, v: number[]) => b.init(n, DT.float32, [2], v);
  b.node('BatchNormalization', [x, p('s', [1, 2]), p('b', [0, 1]), p('m', [0.5, -0.5]), p('v', [1, 4])], {
    name: 'bn',
    outputs: training ? ['y', 'running_mean', 'running_var'] : ['y'],
  });
  b.output('y', DT.float32, [1, 2, 3, 3]);
  return model(b.graph(), { opset: 13 });
}
