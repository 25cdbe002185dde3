/**
 * A Q/DQ model laid out the way ONNX Runtime's own quantizer lays it out — UINT8 activations with
 * non-zero zero points, INT8 per-channel weights, INT32 biases — made by Kiln's quantizer in its
 * onnxruntime flavour from the sample classifier. The TensorRT readiness tests need such a model
 * (TensorRT takes symmetric INT8 only); making it here keeps them from depending on a file outside
 * the repository.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { quantizeInt8 } from '../../electron/core/precision/int8/quantize';

/** The sample model: PaddleOCR's direction classifier (471 nodes, input x [1, 3, 48, 192]). */
export const SAMPLE_CLASSIFIER = path.resolve(__dirname, '../../assets/sample/ch_ppocr_mobile_v2.0_cls_infer.onnx');

/**
 * Writes the classifier quantized to UINT8 Q/DQ at `out` (calibrated on two seeded samples: the
 * layout is what matters here, not the accuracy) and returns `out`. Reuses a file already there.
 */
export async function uint8QdqClassifier(out: string): Promise<string> {
  if (fs.existsSync(out)) return out;
  await quantizeInt8(SAMPLE_CLASSIFIER, out, {
    data: { kind: 'random', samples: 2, seed: 1, shapes: { x: [1, 3, 48, 192] } },
    calibrator: 'max',
    flavour: 'onnxruntime',
  });
  return out;
}
