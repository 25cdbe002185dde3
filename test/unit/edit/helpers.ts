/**
 * What the edit tests share: zoo models opened with their source bytes, built models written and
 * analyzed, and a fingerprint of a model's encoding to prove an edit left its input as it was.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll } from 'vitest';
import { analyzeModel, type ModelAnalysis } from '../../../electron/core/onnx/analyze';
import { encodeModel } from '../../../electron/core/onnx/encode';
import type { ModelProto } from '../../../electron/core/onnx/model';
import { openModelFile, type OpenedModel } from '../../../electron/core/onnx/open';
import type { TensorSource } from '../../../electron/core/onnx/values';

export const ZOO_DIR = path.resolve(__dirname, '../../fixtures/zoo');

/** A temp folder for this test file, removed after it. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface Zoo {
  opened: OpenedModel;
  model: ModelProto;
  src: TensorSource;
}

export async function zoo(file: string): Promise<Zoo> {
  const opened = await openModelFile(path.join(ZOO_DIR, file));
  return { opened, model: opened.model, src: { path: opened.path, bytes: opened.bytes } };
}

/** The model's encoding, to compare before and after an edit (weights read from `src`). */
export function fingerprint(model: ModelProto, src?: TensorSource): string {
  const bytes = encodeModel(model, src?.bytes ? { source: src.bytes } : {});
  return Buffer.from(bytes).toString('base64');
}

/** Writes `model` into `dir` as `name` and analyzes it (shapes, types) as the app would. */
export async function analyzed(
  dir: string,
  name: string,
  model: ModelProto,
  src?: TensorSource,
): Promise<ModelAnalysis> {
  const file = path.join(dir, name);
  fs.writeFileSync(file, encodeModel(model, src?.bytes ? { source: src.bytes } : {}));
  return analyzeModel(file);
}

export const ops = (m: ModelProto): string[] => (m.graph?.node ?? []).map((n) => n.opType);
export const countOf = (m: ModelProto, op: string): number => ops(m).filter((o) => o === op).length;
