/**
 * Spatial resampling: Resize, Upsample, GridSample, RoiAlign.
 */
import {
  attrFloats,
  attrInt,
  attrInts,
  attrString,
  constNumbers,
  dimsOf,
  dtypeOf,
  fail,
  normAxes,
  tensor,
  type Rule,
} from '../helpers';
import { symFloorDiv, symMul } from '../sym';
import type { SymDim } from '../types';

/** Applies a float scale to a dim: floor(d * scale) (exact for symbols only with integer scales). */
function scaleDim(d: SymDim, scale: number): SymDim {
  if (!(scale > 0) || !Number.isFinite(scale)) return null;
  if (typeof d === 'number') return Math.floor(d * scale);
  if (d === null) return null;
  if (Number.isInteger(scale)) return symMul(d, scale);
  const inv = 1 / scale;
  if (Number.isInteger(inv)) return symFloorDiv(d, inv);
  return null;
}

/**
 * Resize (opset 10: X, scales; 11+: X, roi, scales, sizes; 18+: axes, keep_aspect_ratio_policy)
 * and Upsample (scales attribute before opset 9, input from 9): out = floor(in * scale) or sizes.
 */
export const resize: Rule = (ctx) => {
  const dtype = dtypeOf(ctx, 0);
  const x = dimsOf(ctx, 0);
  if (!x) return { outputs: [tensor(dtype, null)] };
  let scales: number[] | undefined;
  let sizes: SymDim[] | undefined;
  if (ctx.op === 'Upsample') {
    scales = ctx.opset < 9 ? attrFloats(ctx, 'scales') : constNumbers(ctx.consts[1]);
  } else if (ctx.opset < 11) scales = constNumbers(ctx.consts[1]);
  else {
    const s = constNumbers(ctx.consts[2]);
    if (s && s.length > 0) scales = s;
    const z = ctx.consts[3];
    if (z && z.values.length > 0) sizes = z.values;
  }
  const axesAttr = ctx.opset >= 18 ? attrInts(ctx, 'axes') : undefined;
  const axes = axesAttr ? normAxes(axesAttr, x.length) : x.map((_, i) => i);
  if (!axes) return fail(`${ctx.op}: axes out of range for rank ${x.length}`);
  const out = x.slice();
  if (sizes) {
    if (sizes.length !== axes.length) return fail(`${ctx.op}: ${sizes.length} sizes for ${axes.length} axes`);
    const policy = attrString(ctx, 'keep_aspect_ratio_policy', 'stretch');
    if (policy !== 'stretch') {
      let scale = policy === 'not_larger' ? Infinity : 0;
      for (let k = 0; k < axes.length; k++) {
        const d = x[axes[k]!]!;
        const s = sizes[k]!;
        if (typeof d !== 'number' || typeof s !== 'number')
          return {
            outputs: [
              tensor(
                dtype,
                x.map(() => null),
              ),
            ],
          };
        const r = s / d;
        scale = policy === 'not_larger' ? Math.min(scale, r) : Math.max(scale, r);
      }
      for (const a of axes) out[a] = Math.round((x[a] as number) * scale);
    } else for (let k = 0; k < axes.length; k++) out[axes[k]!] = sizes[k]!;
    return { outputs: [tensor(dtype, out)] };
  }
  if (!scales)
    return {
      outputs: [
        tensor(
          dtype,
          x.map(() => null),
        ),
      ],
    };
  if (scales.length !== axes.length) return fail(`${ctx.op}: ${scales.length} scales for ${axes.length} axes`);
  for (let k = 0; k < axes.length; k++) out[axes[k]!] = scaleDim(x[axes[k]!]!, scales[k]!);
  return { outputs: [tensor(dtype, out)] };
};

/** GridSample(X [N, C, ...], grid [N, ..., r]): [N, C, grid spatial dims]. */
export const gridSample: Rule = (ctx) => {
  const x = dimsOf(ctx, 0);
  const g = dimsOf(ctx, 1);
  const dtype = dtypeOf(ctx, 0);
  if (!g) return { outputs: [tensor(dtype, x ? x.map((d, i) => (i < 2 ? d : null)) : null)] };
  return { outputs: [tensor(dtype, [x ? x[0]! : g[0]!, x ? x[1]! : null, ...g.slice(1, -1)])] };
};

/** RoiAlign(X, rois [R, 4], batch_indices [R]): [R, C, output_height, output_width]. */
export const roiAlign: Rule = (ctx) => {
  const x = dimsOf(ctx, 0);
  const r = dimsOf(ctx, 1);
  return {
    outputs: [
      tensor(dtypeOf(ctx, 0), [
        r ? r[0]! : null,
        x ? (x[1] ?? null) : null,
        attrInt(ctx, 'output_height', 1),
        attrInt(ctx, 'output_width', 1),
      ]),
    ],
  };
};
