/**
 * Triton model repository export, for either backend: `<repo>/<name>/config.pbtxt` and
 * `<repo>/<name>/<version>/model.plan` (TensorRT) or `model.onnx` (ONNX Runtime), plus the engine's
 * sidecar. The folder is assembled under a temporary name and renamed into place, so a failed
 * export never leaves a half-written model that Triton would try to load.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Dim, ValueInfo } from '../../shared/api/model-summary';
import { KilnError } from '../../shared/api/errors';
import { replaceFolderAtomically } from '../../platform/atomic-write';
import { PbEnum, writePbtxt, type PbIn } from './pbtxt';

/** Triton's data types for the dtypes Kiln names. */
const TRITON_TYPE: Record<string, string> = {
  float32: 'TYPE_FP32',
  float16: 'TYPE_FP16',
  bfloat16: 'TYPE_BF16',
  float64: 'TYPE_FP64',
  int8: 'TYPE_INT8',
  int16: 'TYPE_INT16',
  int32: 'TYPE_INT32',
  int64: 'TYPE_INT64',
  uint8: 'TYPE_UINT8',
  uint16: 'TYPE_UINT16',
  uint32: 'TYPE_UINT32',
  uint64: 'TYPE_UINT64',
  bool: 'TYPE_BOOL',
  string: 'TYPE_STRING',
};

export interface TritonOptions {
  repository: string;
  name: string;
  backend: 'tensorrt' | 'onnxruntime';
  /** The file to ship: an engine (tensorrt) or an ONNX model (onnxruntime). */
  artifact: string;
  /** Copied next to the plan when given (the engine's sidecar). */
  sidecar?: string;
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  /** 0 when the first dim is not a batch dim Triton may use. */
  maxBatchSize: number;
  dynamicBatching: boolean;
  instances: number;
  kind: 'gpu' | 'cpu';
  version?: number;
  /** Number of TensorRT optimization profiles in the plan (each instance group may pick one). */
  profiles?: number;
}

const NAME = /^[A-Za-z0-9_.-]{1,128}$/;

function tritonDims(dims: Dim[] | null, batched: boolean): number[] {
  const d = (dims ?? []).map((x) => (typeof x === 'number' ? x : -1));
  return batched ? d.slice(1) : d;
}

export function tritonConfig(o: TritonOptions): string {
  const batched = o.maxBatchSize > 0;
  const tensor = (v: ValueInfo) => {
    const type = TRITON_TYPE[v.dtype];
    if (!type) throw new KilnError('UNSUPPORTED', `Triton has no data type for ${v.name} (${v.dtype})`);
    return { name: v.name, data_type: new PbEnum(type), dims: tritonDims(v.dims, batched) };
  };
  const config: { [k: string]: PbIn | undefined } = {
    name: o.name,
    platform: o.backend === 'tensorrt' ? 'tensorrt_plan' : 'onnxruntime_onnx',
    max_batch_size: o.maxBatchSize,
    input: o.inputs.map(tensor),
    output: o.outputs.map(tensor),
    dynamic_batching: o.dynamicBatching && batched ? {} : undefined,
    instance_group: [
      {
        count: o.instances,
        kind: new PbEnum(o.kind === 'gpu' ? 'KIND_GPU' : 'KIND_CPU'),
        profile:
          o.backend === 'tensorrt' && (o.profiles ?? 0) > 1
            ? Array.from({ length: o.profiles ?? 0 }, (_, i) => String(i))
            : undefined,
      },
    ],
  };
  return writePbtxt(config);
}

/** Batch dim usable by Triton: every input's and output's first dim symbolic (or -1). */
export function batchable(inputs: ValueInfo[], outputs: ValueInfo[]): boolean {
  return [...inputs, ...outputs].every((v) => v.dims !== null && v.dims.length > 0 && typeof v.dims[0] !== 'number');
}

export function exportTriton(o: TritonOptions): { folder: string; config: string; files: string[] } {
  if (!NAME.test(o.name))
    throw new KilnError('INVALID_ARGUMENT', `"${o.name}" is not a Triton model name (letters, digits, _ . -)`);
  if (o.maxBatchSize > 0 && !batchable(o.inputs, o.outputs))
    throw new KilnError(
      'INVALID_ARGUMENT',
      'max batch size > 0 needs a dynamic first dim on every input and output; export with max batch size 0',
    );
  const config = tritonConfig(o);
  fs.mkdirSync(o.repository, { recursive: true });
  const target = path.join(o.repository, o.name);
  const version = String(o.version ?? 1);
  const fileName = o.backend === 'tensorrt' ? 'model.plan' : 'model.onnx';
  // Replace an earlier export only once the new one is whole.
  replaceFolderAtomically(target, (staging) => {
    fs.mkdirSync(path.join(staging, version), { recursive: true });
    fs.writeFileSync(path.join(staging, 'config.pbtxt'), config);
    fs.copyFileSync(o.artifact, path.join(staging, version, fileName));
    if (o.sidecar) fs.copyFileSync(o.sidecar, path.join(staging, version, `${fileName}.json`));
  });
  const files = [path.join(target, 'config.pbtxt'), path.join(target, version, fileName)];
  if (o.sidecar) files.push(path.join(target, version, `${fileName}.json`));
  return { folder: target, config, files };
}
