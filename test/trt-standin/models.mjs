// Small ONNX models for the stand-in cases, written with onnx-proto: each one has the feature a
// plugin defect needs (a dynamic batch, a data-dependent output, a shape-tensor input, Gather
// indices and bools, a TensorRT plugin op, an op the parser refuses, E8M0 tensors).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { onnx } = require('onnx-proto');

const F32 = 1;
const I64 = 7;
const BOOL = 9;
const E8M0 = 24; // FLOAT8E8M0, the MX block scale: one byte per element
const dims = (d) => ({ dim: d.map((x) => (typeof x === 'number' ? { dimValue: x } : { dimParam: x })) });
const value = (name, elemType, d) => ({ name, type: { tensorType: { elemType, shape: dims(d) } } });
const node = (opType, input, output, name = `${opType}_0`) => ({ opType, input, output, name });

function model(nodes, inputs, outputs, initializer = []) {
  const m = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: { name: 'standin', node: nodes, input: inputs, output: outputs, initializer },
  });
  return onnx.ModelProto.encode(m).finish();
}

export const MODELS = {
  static: () => model([node('Relu', ['x'], ['y'])], [value('x', F32, [1, 3])], [value('y', F32, [1, 3])]),
  dynamic: () => model([node('Relu', ['x'], ['y'])], [value('x', F32, ['N', 3])], [value('y', F32, ['N', 3])]),
  nonzero: () => model([node('NonZero', ['x'], ['y'])], [value('x', F32, [4])], [value('y', I64, [1, 'nnz'])]),
  reshape: () =>
    model(
      [node('Reshape', ['x', 'shape'], ['y'])],
      [value('x', F32, [1, 6]), value('shape', I64, [2])],
      [value('y', F32, ['A', 'B'])],
    ),
  gather: () =>
    model(
      [node('Gather', ['emb', 'ids'], ['y']), node('Not', ['mask'], ['m'])],
      [value('ids', I64, [1, 4]), value('mask', BOOL, [1, 4])],
      [value('y', F32, [1, 4, 2]), value('m', BOOL, [1, 4])],
      [{ name: 'emb', dims: [10, 2], dataType: F32, floatData: new Array(20).fill(0.5) }],
    ),
  roialign: () =>
    model(
      [node('RoiAlign', ['x', 'rois', 'idx'], ['y'])],
      [value('x', F32, [1, 1, 4, 4]), value('rois', F32, [1, 4]), value('idx', I64, [1])],
      [value('y', F32, [1, 1, 2, 2])],
    ),
  e8m0: () => model([node('Identity', ['x'], ['y'])], [value('x', E8M0, [4])], [value('y', E8M0, [4])]),
  refused: () =>
    model(
      [node('Relu', ['x'], ['h'], 'ok_relu'), node('QLinearConv', ['h'], ['y'], 'the_qlinear')],
      [value('x', F32, [1, 3])],
      [value('y', F32, [1, 3])],
    ),
};

/** Writes every model into `dir`; returns name -> path. */
export function writeModels(dir) {
  fs.mkdirSync(dir, { recursive: true });
  const out = {};
  for (const [name, make] of Object.entries(MODELS)) {
    out[name] = path.join(dir, `${name}.onnx`);
    fs.writeFileSync(out[name], make());
  }
  return out;
}
