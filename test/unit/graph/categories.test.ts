// Op categories colour the graph, and box labels name the op: an op from another domain (onnxruntime's com.microsoft contrib
// ops, op keys like 'com.microsoft:QLinearAdd') is coloured by its op type, as the default domain's
// are, and quantized matmuls sit with the matmuls; what Kiln does not know is 'other'.
import { describe, expect, it } from 'vitest';
import { categoryOf } from '../../../renderer/src/graph/categories';
import { boxLabel } from '../../../renderer/src/graph/op-label';

describe('op categories', () => {
  it.each([
    ['Conv', 'conv'],
    ['com.microsoft:FusedConv', 'conv'],
    ['QuantizeLinear', 'quant'],
    ['com.microsoft:QLinearAdd', 'quant'],
    ['com.microsoft:QLinearConcat', 'quant'],
    ['com.microsoft:DynamicQuantizeMatMul', 'matmul'],
    ['com.microsoft:MatMulIntegerToFloat', 'matmul'],
    ['com.microsoft:QGemm', 'matmul'],
    ['com.microsoft:MatMulNBits', 'matmul'],
    ['com.microsoft:SkipLayerNormalization', 'norm'],
    ['trt.plugins:MySoftmax', 'other'],
    ['Unknown', 'other'],
  ])('%s is %s', (op, category) => {
    expect(categoryOf(op)).toBe(category);
  });
});

describe('box labels', () => {
  it.each([
    ['Conv', 'Conv'],
    ['com.microsoft:DynamicQuantizeMatMul', 'DynamicQuantizeMatMul'],
    ['trt.plugins:MySoftmax', 'trt.plugins:MySoftmax'],
    ['ai.onnx.ml:TreeEnsembleClassifier', 'ai.onnx.ml:TreeEnsembleClassifier'],
  ])('%s says %s', (op, label) => {
    expect(boxLabel(op)).toBe(label);
  });
});
