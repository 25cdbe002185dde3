// The readiness check on real PyTorch exports (test/fixtures/zoo): a ViT, a BERT-shaped encoder with
// an attention mask, SSDlite with its NMS post-processing, a U-Net, an LSTM/GRU keyword spotter and an
// FP16-stored MobileNetV3. TensorRT 10 and 11 parse every op in them, so the check must pass each one:
// a CI gate that blocks valid models is worse than none.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeModel } from '../../../electron/core/onnx/analyze';
import { checkModel } from '../../../electron/core/trt/check';
import { predictFusions } from '../../../electron/core/trt/fusion';

const ZOO = path.resolve(__dirname, '../../fixtures/zoo');
const models = fs.readdirSync(ZOO).filter((f) => f.endsWith('.onnx'));

describe('readiness on the zoo', () => {
  it('holds the six real exports', () => {
    expect(models.sort()).toEqual([
      'bert-tiny.onnx',
      'kws-lstm-gru.onnx',
      'mobilenetv3-fp16.onnx',
      'ssdlite-tiny.onnx',
      'unet-tiny.onnx',
      'vit-tiny.onnx',
    ]);
  });

  for (const file of models)
    it(`${file}: every node supported by TensorRT 10 and 11, and fusion predicted`, async () => {
      const a = await analyzeModel(path.join(ZOO, file));
      for (const major of [10, 11] as const) {
        const r = checkModel(a, major);
        // Warnings (INT64 narrowed to INT32) and precision notes are not refusals; anything else is.
        const refusals = r.findings.filter((f) => f.status !== 'warning' && f.status !== 'precision');
        expect({ major, refusals }).toEqual({ major, refusals: [] });
        expect(r.unsupported).toBe(0);
        expect(r.supported).toBe(r.nodes);
      }
      const f = predictFusions(a.ir, a.shapes);
      expect(f.kernels).toBeGreaterThan(0);
      expect(f.kernels).toBeLessThan(a.ir.nodeCount);
    });
});
