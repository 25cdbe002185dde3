/**
 * The node rewrites of an opset conversion past 13, one rule per op whose meaning changed
 * (opset-changes.ts lists where): Reduce* and DFT attributes that became inputs, Split's
 * num_outputs, RoiAlign's and GridSample's renamed defaults, GroupNormalization's per-channel scale,
 * and the refusals (BatchNormalization in training form, an op Kiln does not know the new meaning
 * of). Kept apart from opset.ts, whose rules reach 13, so each file holds one stretch of history.
 */
import { KilnError } from '../../shared/api/errors';
import { attrOf, dropAttr, i64Tensor, intAttr, Names, setAttr, strAttr, tensor } from './graph-edit';
import type { GraphProto, NodeProto } from './model';
import { rewritesBetween } from './opset-changes';
import { tensorRawBytes, type TensorSource } from './values';

export interface LaterContext {
  names: Names;
  /** Dims of main-graph tensors when known (null: unknown). */
  dims: (name: string) => readonly (number | string | null)[] | null;
  src: TensorSource;
  file: string;
  from: number;
  to: number;
  converted: { node: string; op: string; change: string }[];
}

const label = (n: NodeProto) => n.name || `${n.opType}(${n.output[0] ?? ''})`;

function refuse(ctx: LaterContext, n: NodeProto, why: string): never {
  throw new KilnError(
    'UNSUPPORTED',
    `${ctx.file}: cannot convert ${n.opType} node ${label(n)} to opset ${ctx.to}: ${why}; nothing was written`,
    { file: ctx.file, details: { node: label(n), op: n.opType } },
  );
}

const decode = (b: Uint8Array | undefined) => (b ? new TextDecoder().decode(b) : undefined);

/**
 * Moves an ints attribute to a new int64 initializer input at `index` (inputs before it padded with
 * ''); `scalar` gives it as one value of rank 0 (DFT's axis), not a list.
 */
function attrToInput(ctx: LaterContext, g: GraphProto, n: NodeProto, attr: string, index: number, scalar?: number) {
  const v = scalar === undefined ? attrOf(n, attr)?.ints : [scalar];
  dropAttr(n, attr);
  if (!v) return false;
  const name = ctx.names.fresh(`${n.output[0] || n.name}_${attr}`);
  const t = i64Tensor(name, v);
  g.initializer.push(scalar === undefined ? t : { ...t, dims: [] });
  const inputs = [...n.input];
  while (inputs.length < index) inputs.push('');
  inputs[index] = name;
  n.input = inputs;
  return true;
}

/** Repeats each of the `groups` values of a scale or bias `per` times: per-group → per-channel. */
function perChannel(ctx: LaterContext, g: GraphProto, n: NodeProto, input: number, groups: number, channels: number) {
  const name = n.input[input] ?? '';
  const t = g.initializer.find((i) => i.name === name);
  if (!t) return refuse(ctx, n, `its ${input === 1 ? 'scale' : 'bias'} ${name} is computed, not an initializer`);
  const bytes = tensorRawBytes(t, ctx.src);
  const size = bytes.length / groups;
  if (!Number.isInteger(size) || size === 0)
    return refuse(ctx, n, `its ${input === 1 ? 'scale' : 'bias'} ${name} does not hold one value per group`);
  const per = channels / groups;
  const out = new Uint8Array(size * channels);
  for (let c = 0; c < channels; c++)
    out.set(bytes.subarray(Math.floor(c / per) * size, (Math.floor(c / per) + 1) * size), c * size);
  const fresh = ctx.names.fresh(`${name}_per_channel`);
  g.initializer.push(tensor(fresh, t.dataType, [channels], out));
  n.input[input] = fresh;
}

/** Rewrites `n` (of graph `g`, `isMain` for the main graph) for every change between ctx.from and ctx.to. */
export function upgradeAfter13(n: NodeProto, g: GraphProto, ctx: LaterContext, isMain: boolean): void {
  const note = (change: string) => ctx.converted.push({ node: label(n), op: n.opType, change });
  for (const at of rewritesBetween(n.opType, Math.max(ctx.from, 13), ctx.to)) {
    switch (n.opType) {
      case 'BatchNormalization':
        if (n.output.slice(1).some(Boolean))
          refuse(
            ctx,
            n,
            'it also writes the running mean and variance (training form), which opset 14 only allows with training_mode',
          );
        break;
      case 'RoiAlign':
        if (!attrOf(n, 'coordinate_transformation_mode')) {
          setAttr(n, strAttr('coordinate_transformation_mode', 'output_half_pixel'));
          note('coordinate_transformation_mode output_half_pixel spelled out (opset 16 made half_pixel the default)');
        }
        break;
      case 'Split':
        if (!n.input[1]) {
          setAttr(n, intAttr('num_outputs', n.output.length));
          note(`num_outputs ${n.output.length} (equal parts, which opset 18 names)`);
        }
        break;
      case 'DFT': {
        const axis = attrOf(n, 'axis')?.i ?? 1;
        attrToInput(ctx, g, n, 'axis', 2, axis);
        note(`axis ${axis} attribute → input (opset 20's default is -2)`);
        break;
      }
      case 'GridSample': {
        const mode = decode(attrOf(n, 'mode')?.s);
        const renamed = mode === 'bilinear' ? 'linear' : mode === 'bicubic' ? 'cubic' : undefined;
        if (renamed) {
          setAttr(n, strAttr('mode', renamed));
          note(`mode ${mode} → ${renamed}`);
        }
        break;
      }
      case 'GroupNormalization': {
        const groups = attrOf(n, 'num_groups')?.i;
        const c = isMain ? ctx.dims(n.input[0] ?? '')?.[1] : undefined;
        if (groups === undefined) refuse(ctx, n, 'it has no num_groups');
        if (typeof c !== 'number') refuse(ctx, n, 'the channel count of its input is not known');
        if (c % groups !== 0) refuse(ctx, n, `${c} channels do not split into ${groups} groups`);
        perChannel(ctx, g, n, 1, groups, c);
        perChannel(ctx, g, n, 2, groups, c);
        note(`scale and bias per group (${groups}) → per channel (${c})`);
        break;
      }
      case 'Attention':
        refuse(ctx, n, `Kiln does not know whether Attention means the same at opset ${at}`);
        break;
      default:
        if (n.opType.startsWith('Reduce')) {
          if (attrToInput(ctx, g, n, 'axes', 1)) note('axes attribute → input');
        }
    }
  }
}
