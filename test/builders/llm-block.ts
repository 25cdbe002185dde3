/**
 * One decoder block of a small language model as opset 23 writes it with the ops ONNX added for
 * LLMs: RMSNormalization, RotaryEmbedding on Q and K, and a fused Attention over 4-D Q/K/V (the
 * layout TensorRT's parser requires). TensorRT parses Attention from 10.14 and the other two from
 * 10.15, so this is the model on which `kiln check --trt 10` must pass and `--trt 10.3` (JetPack 6)
 * must flag all three. Batch and sequence are dynamic, as an export with dynamic axes leaves them.
 */
import type { ModelProto } from '../../electron/core/onnx/model';
import { DT, GraphBuilder, model, randomFloats, seeded } from './graph';

export interface LlmBlockOptions {
  heads?: number;
  headSize?: number;
  /** Rows of the cos/sin caches: the longest sequence the block takes. */
  maxPositions?: number;
  /** Add an attention mask input (4-D, as TensorRT requires): [batch, 1, seq, seq] additive. */
  mask?: boolean;
}

export function llmBlock(opts: LlmBlockOptions = {}): ModelProto {
  const heads = opts.heads ?? 2;
  const hd = opts.headSize ?? 4;
  const width = heads * hd;
  const maxPos = opts.maxPositions ?? 16;
  const rand = seeded(23);
  const b = new GraphBuilder('main_graph');
  const x = b.input('hidden_states', DT.float32, ['batch', 'seq', width]);
  const positions = b.input('position_ids', DT.int64, ['batch', 'seq']);
  const mask = opts.mask ? b.input('attention_mask', DT.float32, ['batch', 1, 'seq', 'seq']) : '';

  const scale = b.init(
    '/input_layernorm/weight',
    DT.float32,
    [width],
    Float32Array.from({ length: width }, () => 1),
  );
  const normed = b.node('RMSNormalization', [x, scale], {
    name: '/input_layernorm/RMSNormalization',
    attrs: { axis: -1, epsilon: { float: 1e-6 } },
  });
  // cos/sin caches for positions 0..maxPos-1 over head_size / 2 frequencies.
  const half = hd / 2;
  const cos = new Float32Array(maxPos * half);
  const sin = new Float32Array(maxPos * half);
  for (let p = 0; p < maxPos; p++)
    for (let i = 0; i < half; i++) {
      const angle = p / 10000 ** ((2 * i) / hd);
      cos[p * half + i] = Math.cos(angle);
      sin[p * half + i] = Math.sin(angle);
    }
  const cosCache = b.init('/rotary/cos_cached', DT.float32, [maxPos, half], cos);
  const sinCache = b.init('/rotary/sin_cached', DT.float32, [maxPos, half], sin);
  const split = b.init('/attn/heads_shape', DT.int64, [4], [0, 0, heads, hd]);

  const project = (name: string, rotate: boolean): string => {
    const w = b.init(`/attn/${name}_proj/weight`, DT.float32, [width, width], randomFloats(rand, width * width, 0.3));
    const m = b.node('MatMul', [normed, w], { name: `/attn/${name}_proj/MatMul` });
    const r = b.node('Reshape', [m, split], { name: `/attn/${name}_proj/Reshape` });
    const t = b.node('Transpose', [r], { name: `/attn/${name}_proj/Transpose`, attrs: { perm: [0, 2, 1, 3] } });
    return rotate
      ? b.node('RotaryEmbedding', [t, cosCache, sinCache, positions], { name: `/attn/${name}_rotary/RotaryEmbedding` })
      : t;
  };
  const q = project('q', true);
  const k = project('k', true);
  const v = project('v', false);
  const attended = b.node('Attention', mask ? [q, k, v, mask] : [q, k, v], {
    name: '/attn/Attention',
    attrs: { is_causal: mask ? 0 : 1 },
  });
  const back = b.node('Transpose', [attended], { name: '/attn/Transpose', attrs: { perm: [0, 2, 1, 3] } });
  const merged = b.node('Reshape', [back, b.init('/attn/merge_shape', DT.int64, [3], [0, 0, width])], {
    name: '/attn/Reshape',
  });
  const wo = b.init('/attn/o_proj/weight', DT.float32, [width, width], randomFloats(rand, width * width, 0.3));
  const out = b.node('MatMul', [merged, wo], { name: '/attn/o_proj/MatMul' });
  b.node('Add', [x, out], { name: '/residual/Add', outputs: ['output'] });
  b.output('output', DT.float32, ['batch', 'seq', width]);
  return model(b.graph(), { opset: 23, irVersion: 10 });
}
