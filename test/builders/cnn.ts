/** A plain CNN of a given width (Conv 3×3 + Relu, stride 2 every other layer, pool, Gemm): ~5 MB at the defaults. */
import { rng } from '../../electron/core/inputs/generate';
import type { ModelProto } from '../../electron/core/onnx/model';
import { DT, GraphBuilder, model, randomFloats } from './graph';

export function cnn(
  channels: number[] = [32, 64, 128, 192, 256, 256],
  classes = 10,
  size = 64,
  /** A fixed batch (an export with a baked-in batch size); absent: the symbolic N. */
  batch?: number,
): ModelProto {
  const rand = rng(5);
  const b = new GraphBuilder();
  const n = batch ?? 'N';
  let x = b.input('image', DT.float32, [n, 3, size, size]);
  let cin = 3;
  channels.forEach((c, i) => {
    // He-style scale keeps activations in a steady range through the stack.
    const w = b.init(
      `conv${i}.w`,
      DT.float32,
      [c, cin, 3, 3],
      randomFloats(rand, c * cin * 9, Math.sqrt(2 / (cin * 9)) * 1.7),
    );
    const bias = b.init(`conv${i}.b`, DT.float32, [c], randomFloats(rand, c, 0.05));
    const stride = i % 2 === 1 ? 2 : 1;
    x = b.node('Conv', [x, w, bias], {
      name: `/features/conv${i}/Conv`,
      attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [stride, stride] },
    });
    x = b.node('Relu', [x], { name: `/features/conv${i}/Relu` });
    cin = c;
  });
  x = b.node('GlobalAveragePool', [x], { name: '/pool/GlobalAveragePool' });
  x = b.node('Flatten', [x], { name: '/pool/Flatten', attrs: { axis: 1 } });
  const fw = b.init('fc.w', DT.float32, [cin, classes], randomFloats(rand, cin * classes, Math.sqrt(1 / cin) * 1.7));
  const fb = b.init('fc.b', DT.float32, [classes], randomFloats(rand, classes, 0.05));
  b.node('Gemm', [x, fw, fb], { name: '/fc/Gemm', outputs: ['logits'] });
  b.output('logits', DT.float32, [n, classes]);
  return model(b.graph(), { opset: 17 });
}
