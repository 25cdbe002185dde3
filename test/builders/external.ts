/**
 * A model whose weights live in an external data file of any size. The weights file is sparse
 * (ftruncate), so a 3 GiB model costs no disk and no time to create: the point is that opening it
 * must never read the weights.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeModelFile } from '../../electron/core/onnx/write';
import type { TensorProto } from '../../electron/core/onnx/model';
import { DT, GraphBuilder, model } from './graph';

export interface ExternalModel {
  modelPath: string;
  weightsPath: string;
  weightBytes: number;
  tensors: number;
}

/**
 * Writes `dir/model.onnx` and `dir/weights.bin`: a chain of MatMuls on [batch, n] with n×n float32
 * weights, as many as make up `totalBytes` (rounded down to whole tensors, at least one).
 */
export function externalWeightsModel(
  dir: string,
  totalBytes: number,
  opts: { tensorBytes?: number } = {},
): ExternalModel {
  fs.mkdirSync(dir, { recursive: true });
  const per = opts.tensorBytes ?? 64 * 2 ** 20;
  const n = Math.max(1, Math.floor(Math.sqrt(per / 4)));
  const bytes = n * n * 4;
  const count = Math.max(1, Math.floor(totalBytes / bytes));
  const b = new GraphBuilder('external_weights');
  let x = b.input('input', DT.float32, ['batch', n]);
  for (let i = 0; i < count; i++) {
    const name = `layers.${i}.weight`;
    const t: TensorProto = {
      name,
      dataType: DT.float32,
      dims: [n, n],
      data: {
        kind: 'external',
        location: 'weights.bin',
        path: path.join(dir, 'weights.bin'),
        offset: i * bytes,
        length: bytes,
      },
      externalData: [
        { key: 'location', value: 'weights.bin' },
        { key: 'offset', value: String(i * bytes) },
        { key: 'length', value: String(bytes) },
      ],
      docString: '',
    };
    b.initializers.push(t);
    const mm = b.node('MatMul', [x, name], { name: `/layers.${i}/MatMul` });
    x = b.node('Relu', [mm], { name: `/layers.${i}/Relu` });
  }
  b.output(x, DT.float32, ['batch', n]);
  const weightsPath = path.join(dir, 'weights.bin');
  const fd = fs.openSync(weightsPath, 'w');
  fs.ftruncateSync(fd, count * bytes);
  fs.closeSync(fd);
  const modelPath = path.join(dir, 'model.onnx');
  writeModelFile(model(b.graph(), { opset: 17 }), modelPath);
  return { modelPath, weightsPath, weightBytes: count * bytes, tensors: count };
}
