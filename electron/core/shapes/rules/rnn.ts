/**
 * Recurrent layers: LSTM, GRU, RNN. X is [seq, batch, input] (layout=0) or [batch, seq, input]
 * (layout=1, opset 14). With D = 2 for bidirectional, else 1, and H = hidden_size:
 *   Y   [seq, D, batch, H]  (layout 1: [batch, seq, D, H])
 *   Y_h [D, batch, H]       (layout 1: [batch, D, H]); LSTM's Y_c likewise.
 */
import { attrInt, attrString, dimsOf, dtypeOf, tensor, type Rule } from '../helpers';
import type { SymDim } from '../types';

export const recurrent: Rule = (ctx) => {
  const x = dimsOf(ctx, 0);
  const w = dimsOf(ctx, 1);
  const dtype = dtypeOf(ctx, 0);
  const dirs = attrString(ctx, 'direction', 'forward') === 'bidirectional' ? 2 : 1;
  const layout = attrInt(ctx, 'layout', 0);
  let h: SymDim = attrInt(ctx, 'hidden_size', -1);
  if (h < 0) {
    // W is [D, gates*H, input].
    const gates = ctx.op === 'LSTM' ? 4 : ctx.op === 'GRU' ? 3 : 1;
    const g = w && w.length === 3 ? w[1]! : null;
    h = typeof g === 'number' && g % gates === 0 ? g / gates : null;
  }
  const seq: SymDim = x && x.length === 3 ? x[layout ? 1 : 0]! : null;
  const batch: SymDim = x && x.length === 3 ? x[layout ? 0 : 1]! : null;
  const y = layout ? [batch, seq, dirs, h] : [seq, dirs, batch, h];
  const yh = layout ? [batch, dirs, h] : [dirs, batch, h];
  return { outputs: [tensor(dtype, y), tensor(dtype, yh), tensor(dtype, yh.slice())] };
};
