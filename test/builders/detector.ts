/**
 * The tail of an SSDlite-style detector as torchvision exports it: a small conv head gives boxes and
 * class scores, then per class the scores are thresholded (Greater on float scores, BOOL out), the
 * kept indices found (NonZero on BOOL), and boxes and scores gathered; a TopK keeps the best. The
 * comparisons, NonZero on BOOL and the INT64 indices are what TensorRT readiness has to judge right.
 */
import type { ModelProto } from '../../electron/core/onnx/model';
import { DT, GraphBuilder, model, randomFloats, seeded } from './graph';

export function detectorTail(classes = 3, anchors = 16): ModelProto {
  const rand = seeded(7);
  const b = new GraphBuilder('ssdlite_tail');
  const x = b.input('images', DT.float32, [1, 8, 4, 4]);
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
  // Head: 1x1 convs to anchors*4 box values and anchors*classes scores, over a 4x4 map.
  const perCell = anchors / 16;
  const boxConv = b.node('Conv', [x, w('head.box.weight', [4 * perCell, 8, 1, 1])], {
    name: '/head/box/Conv',
    attrs: { kernel_shape: [1, 1] },
  });
  const clsConv = b.node('Conv', [x, w('head.cls.weight', [classes * perCell, 8, 1, 1])], {
    name: '/head/cls/Conv',
    attrs: { kernel_shape: [1, 1] },
  });
  const boxShape = b.init('/head/Constant_box_shape', DT.int64, [2], [anchors, 4]);
  const clsShape = b.init('/head/Constant_cls_shape', DT.int64, [2], [anchors, classes]);
  const boxes = b.node('Reshape', [boxConv, boxShape], { name: '/head/box/Reshape' });
  const logits = b.node('Reshape', [clsConv, clsShape], { name: '/head/cls/Reshape' });
  const scores = b.node('Softmax', [logits], { name: '/head/Softmax', attrs: { axis: -1 } });
  const thresh = b.init('/postprocess/Constant_score_thresh', DT.float32, [], [0.05]);
  const kept: string[] = [];
  for (let c = 0; c < classes; c++) {
    const P = `/postprocess/class.${c}`;
    const idx = b.init(`${P}/Constant_idx`, DT.int64, [], [c]);
    const s = b.node('Gather', [scores, idx], { name: `${P}/Gather`, attrs: { axis: 1 } });
    const keep = b.node('Greater', [s, thresh], { name: `${P}/Greater` });
    const where = b.node('NonZero', [keep], { name: `${P}/NonZero` });
    const flat = b.node('Squeeze', [where, b.init(`${P}/Constant_axes`, DT.int64, [1], [0])], {
      name: `${P}/Squeeze`,
    });
    const sc = b.node('Gather', [s, flat], { name: `${P}/Gather_1`, attrs: { axis: 0 } });
    kept.push(sc);
  }
  const all = b.node('Concat', kept, { name: '/postprocess/Concat', attrs: { axis: 0 } });
  const finite = b.node('IsInf', [all], { name: '/postprocess/IsInf' });
  const zero = b.init('/postprocess/Constant_zero', DT.float32, [], [0]);
  const clean = b.node('Where', [finite, zero, all], { name: '/postprocess/Where' });
  const k = b.init('/postprocess/Constant_k', DT.int64, [1], [4]);
  b.node('TopK', [clean, k], { name: '/postprocess/TopK', outputs: ['top_scores', 'top_index'] });
  b.node('Identity', [boxes], { name: '/postprocess/Identity', outputs: ['boxes'] });
  b.output('boxes', DT.float32, [anchors, 4]);
  b.output('top_scores', DT.float32, [null]);
  b.output('top_index', DT.int64, [null]);
  return model(b.graph(), { opset: 17, producer: 'pytorch' });
}
