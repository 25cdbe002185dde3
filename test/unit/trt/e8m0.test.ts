/**
 * E8M0, the MX block scale TensorRT 10.12+ computes in (kE8M0): one byte an element, an exponent
 * only. Read from every spelling trtexec writes it in, shown as its own precision (not FP8, not
 * FP32), a mark of a TensorRT 10+ engine in a "Bindings" file, sized 8 bits as ONNX's FLOAT8E8M0,
 * and decoded as 2^(byte − 127) with 0xFF as NaN. (The plugin's own sizing is the stand-in's
 * E8M0 case: npm run test:trt.)
 */
import { describe, expect, it } from 'vitest';
import { dtypeBits, dtypeFromOnnx, onnxDtypeBits } from '../../../electron/core/onnx/dtypes';
import { decodeElements } from '../../../electron/core/onnx/values';
import { normalizeDtype } from '../../../electron/core/trt/engine-files/data-types';
import { parseLayerInfo } from '../../../electron/core/trt/engine-files/layer-info';
import { layerPrecision } from '../../../electron/core/trt/engine-files/precision';

const layer = (name: string, out: string, weights?: string) => ({
  Name: name,
  LayerType: 'Quantize',
  Inputs: [{ Name: `${name}_in`, 'Format/Datatype': 'Row major linear FP32', Dimensions: [1, 32] }],
  Outputs: [{ Name: `${name}_out`, 'Format/Datatype': out, Dimensions: [1, 1] }],
  ...(weights ? { Weights: weights } : {}),
});

describe('E8M0 in engine files', () => {
  it('is read from each spelling, and not taken for FP8 or FP32', () => {
    for (const s of ['E8M0', 'kE8M0', 'Row major linear E8M0', 'Row major linear E8M0 format'])
      expect(normalizeDtype(s)).toBe('E8M0');
    expect(normalizeDtype('Row major linear FP8')).toBe('FP8');
    expect(normalizeDtype('FP32')).toBe('FP32');
  });

  it('marks a "Bindings" file as TensorRT 10+ (8.x has no E8M0); without it the file could be 8.x', () => {
    const withScale = parseLayerInfo(
      { Layers: [layer('dq_0', 'Row major linear FP32'), layer('scale_0', 'Row major linear E8M0')], Bindings: ['x'] },
      'mx.layers.json',
    );
    expect(withScale.layers[1]!.outputs[0]!.dtype).toBe('E8M0');
    expect(withScale.tensorrt).toBe('10.x');
    const without = parseLayerInfo(
      { Layers: [layer('dq_0', 'Row major linear FP32'), layer('scale_0', 'Row major linear FP16')], Bindings: ['x'] },
      'fp.layers.json',
    );
    expect(without.tensorrt).toBe('8.x or 10.x');
  });

  it("is a layer's precision when its weights are E8M0, and a reformat's when it converts to E8M0", () => {
    const info = parseLayerInfo({ Layers: [layer('scale_0', 'Row major linear E8M0')], Bindings: [] }, 'w.json');
    const l = info.layers[0]!;
    const evidence = { inputs: l.inputs, outputs: l.outputs, names: ['scale_0'], isReformat: false };
    expect(layerPrecision({ ...evidence, weights: 'E8M0' })).toEqual({ precision: 'E8M0', from: 'weights' });
    expect(layerPrecision({ ...evidence, isReformat: true })).toEqual({ precision: 'E8M0', from: 'output' });
  });
});

describe('E8M0 in ONNX (FLOAT8E8M0)', () => {
  it('is one byte an element', () => {
    expect(dtypeFromOnnx(24)).toBe('float8e8m0');
    expect(dtypeBits('float8e8m0')).toBe(8);
    expect(onnxDtypeBits(24)).toBe(8);
  });

  it('decodes as 2^(byte − 127), 0xFF as NaN', () => {
    const out = new Float64Array(4);
    decodeElements(24, Uint8Array.from([127, 128, 0, 255]), out, 4);
    expect([...out.slice(0, 3)]).toEqual([1, 2, 2 ** -127]);
    expect(out[3]).toBeNaN();
  });
});
