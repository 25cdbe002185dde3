/**
 * One attention head as PyTorch ≥ 2.0's exporter writes scaled_dot_product_attention (what a
 * torchvision ViT or a transformers BERT exported from torch 2 holds in every layer): the scale is
 * computed from the query's shape at run time — Shape → Slice → Cast(to=float) → Sqrt → Div(1, ·) →
 * Cast(to=float), a Cast of a float to float — and its square root multiplies both Q and Kᵀ. The
 * zoo's exports come from torch 1.13, which writes attention without it. With `valueInfo`, every
 * intermediate tensor is declared, as torch's exporter declares them.
 */
import type { ModelProto } from '../../electron/core/onnx/model';
import { DT, GraphBuilder, model, randomFloats, seeded, tensor, valueInfo } from './graph';

export function sdpaAttention(opts: { valueInfo?: boolean; tokens?: number; width?: number } = {}): ModelProto {
  const n = opts.tokens ?? 4;
  const d = opts.width ?? 8;
  const rand = seeded(3);
  const b = new GraphBuilder('main_graph');
  const x = b.input('x', DT.float32, ['batch', n, d]);
  const w = (name: string) => b.init(name, DT.float32, [d, d], randomFloats(rand, d * d, 0.5));
  const q = b.node('MatMul', [x, w('wq')], { name: '/attn/q/MatMul' });
  const k = b.node('MatMul', [x, w('wk')], { name: '/attn/k/MatMul' });
  const v = b.node('MatMul', [x, w('wv')], { name: '/attn/v/MatMul' });
  const shape = b.node('Shape', [q], { name: '/attn/Shape' });
  const last = b.node(
    'Slice',
    [shape, b.init('/attn/start', DT.int64, [1], [-1]), b.init('/attn/end', DT.int64, [1], [2 ** 31])],
    {
      name: '/attn/Slice',
    },
  );
  const size = b.node('Cast', [last], { name: '/attn/Cast', attrs: { to: DT.float32 } });
  const one = b.node('Constant', [], { name: '/attn/Constant', attrs: { value: tensor('', DT.float32, [1], [1]) } });
  const root = b.node('Sqrt', [size], { name: '/attn/Sqrt' });
  const inv = b.node('Div', [one, root], { name: '/attn/Div' });
  const scale = b.node('Cast', [inv], { name: '/attn/Cast_1', attrs: { to: DT.float32 } });
  const qs = b.node('Mul', [q, b.node('Sqrt', [scale], { name: '/attn/Sqrt_1' })], { name: '/attn/Mul' });
  const kt = b.node('Transpose', [k], { name: '/attn/Transpose', attrs: { perm: [0, 2, 1] } });
  const ks = b.node('Mul', [kt, b.node('Sqrt', [scale], { name: '/attn/Sqrt_2' })], { name: '/attn/Mul_1' });
  const scores = b.node('MatMul', [qs, ks], { name: '/attn/MatMul' });
  const p = b.node('Softmax', [scores], { name: '/attn/Softmax', attrs: { axis: -1 } });
  b.node('MatMul', [p, v], { name: '/attn/MatMul_1', outputs: ['y'] });
  b.output('y', DT.float32, ['batch', n, d]);
  const g = b.graph();
  if (opts.valueInfo) {
    const float = (name: string, dims: (number | string)[]) => valueInfo(name, DT.float32, dims);
    g.valueInfo = [
      float(q, ['batch', n, d]),
      float(k, ['batch', n, d]),
      float(v, ['batch', n, d]),
      valueInfo(shape, DT.int64, [3]),
      valueInfo(last, DT.int64, [1]),
      float(size, [1]),
      float(one, [1]),
      float(root, [1]),
      float(inv, [1]),
      float(scale, [1]),
      float(qs, ['batch', n, d]),
      float(kt, ['batch', d, n]),
      float(ks, ['batch', d, n]),
      float(scores, ['batch', n, n]),
      float(p, ['batch', n, n]),
    ];
  }
  return model(g, { opset: 17, producer: 'pytorch' });
}
