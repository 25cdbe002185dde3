// The readiness check on real PyTorch exports (test/fixtures/zoo): a ViT, a BERT-shaped encoder with
// an attention mask, SSDlite with its NMS post-processing, a U-Net, an LSTM/GRU keyword spotter and an
// FP16-stored MobileNetV3. TensorRT 10 and 11 parse every op in them, so the check must pass each one:
// a CI gate that blocks valid models is worse than none. The one exception is the already-quantized
// vit-nbits (onnxruntime's MatMulNBits), which TensorRT cannot parse until it is dequantized.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dequantize } from '../../../electron/core/edit/dequantize';
import { analyzeModel, analyzeModelBytes } from '../../../electron/core/onnx/analyze';
import { encodeModel } from '../../../electron/core/onnx/encode';
import { checkModel } from '../../../electron/core/trt/check';
import { predictFusions } from '../../../electron/core/trt/fusion';

const ZOO = path.resolve(__dirname, '../../fixtures/zoo');
const models = fs.readdirSync(ZOO).filter((f) => f.endsWith('.onnx'));

describe('readiness on the zoo', () => {
  it('holds the seven real exports', () => {
    expect(models.sort()).toEqual([
      'bert-tiny.onnx',
      'kws-lstm-gru.onnx',
      'mobilenetv3-fp16.onnx',
      'ssdlite-tiny.onnx',
      'unet-tiny.onnx',
      'vit-nbits.onnx',
      'vit-tiny.onnx',
    ]);
  });

  it('vit-nbits.onnx: only its six MatMulNBits are refused, each with the way out; dequantized, all of it passes', async () => {
    const a = await analyzeModel(path.join(ZOO, 'vit-nbits.onnx'));
    for (const major of [10, 11] as const) {
      const refusals = checkModel(a, major).findings.filter((f) => f.status !== 'warning' && f.status !== 'precision');
      expect(refusals.map((f) => f.op)).toEqual(Array(6).fill('com.microsoft:MatMulNBits'));
      for (const f of refusals) expect(f.suggestion).toMatch(/^dequantize its packed weights to float/);
    }
    const step = dequantize(a.opened.model, { kind: 'dequantize' }, { path: a.opened.path, bytes: a.opened.bytes });
    expect(step.summary).toMatch(/MatMulNBits \(4-bit\) 6; quantized nodes 6 → 0/);
    const b = analyzeModelBytes(
      encodeModel(step.model, { source: a.opened.bytes }),
      a.opened.path,
      'vit-nbits.float.onnx',
    );
    for (const major of [10, 11] as const) expect(checkModel(b, major).unsupported).toBe(0);
  });

  for (const file of models.filter((f) => f !== 'vit-nbits.onnx'))
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
