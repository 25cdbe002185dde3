/**
 * The `model.export` job: build (or reuse the cached build) with the chosen backend, then write a
 * Triton model repository or an .engine with its sidecar into Kiln's export folder.
 */
import * as path from 'node:path';
import type { z } from 'zod';
import type { BuildOptionsSchema } from '../../shared/api/backends';
import { KilnError } from '../../shared/api/errors';
import { exportDir } from '../../platform/paths';
import { buildWith } from '../backends/registry';
import { throughGate } from '../backends/tensorrt/trt-backend';
import type { JobContext } from '../jobs/context';
import { sidecarPath } from '../backends/tensorrt/sidecar';
import { assertEngineTrusted, exportEngine } from '../backends/tensorrt/engine-gate';
import { analyzeModel } from '../onnx/analyze';
import { trtexecCommand } from '../trt/trtexec-command';
import { exportTriton } from './triton';

type Build = z.output<typeof BuildOptionsSchema>;

export interface ExportRequest {
  target: 'triton' | 'engine';
  name: string;
  maxBatchSize: number;
  dynamicBatching: boolean;
  instances: number;
  kind: 'gpu' | 'cpu';
}

export async function exportModel(
  modelPath: string,
  displayName: string,
  build: Build,
  req: ExportRequest,
  ctx: JobContext,
): Promise<{ folder: string; files: string[]; config: string | null; trtexec: string | null }> {
  const trt = build.backend === 'tensorrt';
  if (req.target === 'engine' && !trt)
    throw new KilnError('INVALID_ARGUMENT', 'an .engine export needs the TensorRT backend');
  const a = await analyzeModel(modelPath, displayName);
  if (!trt && a.summary.externalDataBytes > 0)
    throw new KilnError(
      'UNSUPPORTED',
      `${displayName} keeps weights in external files; Kiln exports single-file ONNX models to Triton only`,
      {
        file: displayName,
      },
    );
  const artifact = trt ? await buildWith(modelPath, build, ctx) : null;
  const major = artifact && artifact.backendVersion.startsWith('10') ? 10 : 11;
  const trtexec =
    trt && build.trt
      ? trtexecCommand({ major, model: displayName, engine: `${req.name}.engine`, trt: build.trt })
      : null;
  ctx.progress({ fraction: null, stage: `Exporting ${req.name}` });
  if (req.target === 'engine') {
    const out = path.join(exportDir(), `${req.name}.engine`);
    const r = throughGate(artifact!, (enginePath) => exportEngine(enginePath, out));
    return { folder: exportDir(), files: [r.engine, r.sidecar], config: null, trtexec };
  }
  // A model.plan is shipped only if it passes the same gate as an .engine export.
  if (artifact) throughGate(artifact, assertEngineTrusted);
  const r = exportTriton({
    repository: path.join(exportDir(), 'model_repository'),
    name: req.name,
    backend: trt ? 'tensorrt' : 'onnxruntime',
    artifact: artifact ? artifact.artifactPath : modelPath,
    ...(artifact ? { sidecar: sidecarPath(artifact.artifactPath) } : {}),
    inputs: a.summary.inputs,
    outputs: a.summary.outputs,
    maxBatchSize: req.maxBatchSize,
    dynamicBatching: req.dynamicBatching,
    instances: req.instances,
    kind: trt ? 'gpu' : req.kind,
    profiles: Object.keys(build.trt?.profiles ?? {}).length > 0 ? 1 : 0,
  });
  return { folder: r.folder, files: r.files, config: r.config, trtexec };
}
