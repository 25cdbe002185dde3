/**
 * A BERT-style encoder as PyTorch exports it: exactly 50 nodes per layer with exporter-style names
 * (`/encoder/layer.3/attention/self/query/MatMul`), a Shape→Gather→Unsqueeze→Concat chain feeding
 * the head reshapes, decomposed LayerNorm and sigmoid-GELU. 2,500 layers = 125,000 nodes.
 * With `mask`, an `attention_mask` input becomes an additive bias the way transformers exports it
 * (Equal / Greater on the mask, Where, an IsNaN guard: comparisons output BOOL) and each layer adds
 * it to its scores: 8 nodes once, plus one Add per layer.
 */
import type { ModelProto } from '../../electron/core/onnx/model';
import { DT, GraphBuilder, model, randomFloats, seeded } from './graph';

export const TRANSFORMER_NODES_PER_LAYER = 50;

export interface TransformerOptions {
  /** Hidden size (small by default: the benchmark is about graph size, not weights). */
  hidden?: number;
  heads?: number;
  seed?: number;
  /** An int64 `attention_mask` [batch, sequence] input, turned into an additive bias on the scores. */
  mask?: boolean;
}

export function transformer(layers: number, opts: TransformerOptions = {}): ModelProto {
  const h = opts.hidden ?? 16;
  const nh = opts.heads ?? 2;
  const hd = h / nh;
  if (!Number.isInteger(hd)) throw new Error('builder: hidden must be a multiple of heads');
  const rand = seeded(opts.seed ?? 1);
  const b = new GraphBuilder('main_graph');
  let x = b.input('input', DT.float32, ['batch', 'sequence', h]);
  const idx0 = b.init('/encoder/Constant_idx0', DT.int64, [], [0]);
  const axes0 = b.init('/encoder/Constant_axes0', DT.int64, [1], [0]);
  const headShape = b.init('/encoder/Constant_heads', DT.int64, [3], [-1, nh, hd]);
  const mergeShape = b.init('/encoder/Constant_merge', DT.int64, [3], [0, 0, h]);
  const two = b.init('/encoder/Constant_two', DT.float32, [], [2]);
  const eps = b.init('/encoder/Constant_eps', DT.float32, [], [1e-5]);
  const geluK = b.init('/encoder/Constant_gelu', DT.float32, [], [1.702]);
  const w = (name: string, dims: number[]) =>
    b.init(
      name,
      DT.float32,
      dims,
      randomFloats(
        rand,
        dims.reduce((p, d) => p * d, 1),
      ),
    );

  // The mask as transformers exports it: 0 where padded -> a large negative bias before Softmax.
  let bias: string | undefined;
  if (opts.mask) {
    const M = '/encoder/attention_mask';
    const mask = b.input('attention_mask', DT.int64, ['batch', 'sequence']);
    const axes12 = b.init(`${M}/Constant_axes`, DT.int64, [2], [1, 2]);
    const zeroI = b.init(`${M}/Constant_zero_i64`, DT.int64, [], [0]);
    const half = b.init(`${M}/Constant_half`, DT.float32, [], [0.5]);
    const zeroF = b.init(`${M}/Constant_zero`, DT.float32, [], [0]);
    const minF = b.init(`${M}/Constant_min`, DT.float32, [], [-1e4]);
    const m4 = b.node('Unsqueeze', [mask, axes12], { name: `${M}/Unsqueeze` });
    const padded = b.node('Equal', [m4, zeroI], { name: `${M}/Equal` });
    const asFloat = b.node('Cast', [m4], { name: `${M}/Cast`, attrs: { to: DT.float32 } });
    const kept = b.node('Greater', [asFloat, half], { name: `${M}/Greater` });
    const masked = b.node('Where', [padded, minF, zeroF], { name: `${M}/Where` });
    const both = b.node('Where', [kept, masked, minF], { name: `${M}/Where_1` });
    const nan = b.node('IsNaN', [both], { name: `${M}/IsNaN` });
    bias = b.node('Where', [nan, zeroF, both], { name: `${M}/Where_2` });
  }

  const layerNorm = (p: string, input: string): string => {
    const mean = b.node('ReduceMean', [input], { name: `${p}/ReduceMean`, attrs: { axes: [-1] } });
    const centered = b.node('Sub', [input, mean], { name: `${p}/Sub` });
    const sq = b.node('Pow', [centered, two], { name: `${p}/Pow` });
    const variance = b.node('ReduceMean', [sq], { name: `${p}/ReduceMean_1`, attrs: { axes: [-1] } });
    const ve = b.node('Add', [variance, eps], { name: `${p}/Add` });
    const std = b.node('Sqrt', [ve], { name: `${p}/Sqrt` });
    const norm = b.node('Div', [centered, std], { name: `${p}/Div` });
    const scaled = b.node('Mul', [norm, w(`${p}.weight`, [h])], { name: `${p}/Mul` });
    return b.node('Add', [scaled, w(`${p}.bias`, [h])], { name: `${p}/Add_1` });
  };

  for (let i = 0; i < layers; i++) {
    const L = `/encoder/layer.${i}`;
    const A = `${L}/attention/self`;
    const shape = b.node('Shape', [x], { name: `${A}/Shape` });
    const batch = b.node('Gather', [shape, idx0], { name: `${A}/Gather`, attrs: { axis: 0 } });
    const batch1 = b.node('Unsqueeze', [batch, axes0], { name: `${A}/Unsqueeze` });
    const split = b.node('Concat', [batch1, headShape], { name: `${A}/Concat`, attrs: { axis: 0 } });
    const proj = (which: string, perm: number[]): string => {
      const mm = b.node('MatMul', [x, w(`${A}.${which}.weight`, [h, h])], { name: `${A}/${which}/MatMul` });
      const add = b.node('Add', [mm, w(`${A}.${which}.bias`, [h])], { name: `${A}/${which}/Add` });
      const r = b.node('Reshape', [add, split], { name: `${A}/${which}/Reshape` });
      return b.node('Transpose', [r], { name: `${A}/${which}/Transpose`, attrs: { perm } });
    };
    const q = proj('query', [0, 2, 1, 3]);
    const k = proj('key', [0, 2, 3, 1]);
    const v = proj('value', [0, 2, 1, 3]);
    const raw = b.node('MatMul', [q, k], { name: `${A}/MatMul` });
    const scores = bias ? b.node('Add', [raw, bias], { name: `${A}/Add` }) : raw;
    const probs = b.node('Softmax', [scores], { name: `${A}/Softmax`, attrs: { axis: -1 } });
    const ctx = b.node('MatMul', [probs, v], { name: `${A}/MatMul_1` });
    const ctxT = b.node('Transpose', [ctx], { name: `${A}/Transpose`, attrs: { perm: [0, 2, 1, 3] } });
    const merged = b.node('Reshape', [ctxT, mergeShape], { name: `${A}/Reshape` });
    const O = `${L}/attention/output`;
    const o = b.node('MatMul', [merged, w(`${O}.dense.weight`, [h, h])], { name: `${O}/dense/MatMul` });
    const ob = b.node('Add', [o, w(`${O}.dense.bias`, [h])], { name: `${O}/dense/Add` });
    const res1 = b.node('Add', [ob, x], { name: `${O}/Add` });
    const ln1 = layerNorm(`${O}/LayerNorm`, res1);
    const I = `${L}/intermediate`;
    const f1 = b.node('MatMul', [ln1, w(`${I}.dense.weight`, [h, 4 * h])], { name: `${I}/dense/MatMul` });
    const f1b = b.node('Add', [f1, w(`${I}.dense.bias`, [4 * h])], { name: `${I}/dense/Add` });
    const gk = b.node('Mul', [f1b, geluK], { name: `${I}/intermediate_act_fn/Mul` });
    const sg = b.node('Sigmoid', [gk], { name: `${I}/intermediate_act_fn/Sigmoid` });
    const gelu = b.node('Mul', [f1b, sg], { name: `${I}/intermediate_act_fn/Mul_1` });
    const P = `${L}/output`;
    const f2 = b.node('MatMul', [gelu, w(`${P}.dense.weight`, [4 * h, h])], { name: `${P}/dense/MatMul` });
    const f2b = b.node('Add', [f2, w(`${P}.dense.bias`, [h])], { name: `${P}/dense/Add` });
    const res2 = b.node('Add', [f2b, ln1], { name: `${P}/Add` });
    x = layerNorm(`${P}/LayerNorm`, res2);
  }
  b.output(x, DT.float32, ['batch', 'sequence', h]);
  return model(b.graph(), { opset: 17, producer: 'pytorch' });
}
