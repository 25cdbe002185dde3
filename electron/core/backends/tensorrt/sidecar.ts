/**
 * The sidecar JSON next to every .engine Kiln writes: what it takes to deploy the engine
 * (TensorRT version, GPU, compatibility, precision recipe, source model, shapes, build options,
 * engine hash). It describes an engine and says which TensorRT and GPU it is for; whether the
 * engine may be opened at all is decided by its bytes, in engine-gate.ts, never by this editable file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { KilnError } from '../../../shared/api/errors';
import { writeFileAtomic } from '../../../platform/atomic-write';

export const EngineSidecarSchema = z.object({
  kiln: z.string(),
  tensorrt: z.string(),
  plugin: z.string(),
  device: z.object({ name: z.string(), computeCapability: z.string() }),
  compatibility: z.object({ hardware: z.string(), versionCompatible: z.boolean() }),
  recipe: z.unknown(),
  sourceModel: z.object({ name: z.string(), sha256: z.string() }),
  shapeProfiles: z.unknown(),
  buildOptions: z.unknown(),
  buildMs: z.number(),
  engineSha256: z.string().regex(/^[0-9a-f]{64}$/),
  createdAt: z.string(),
});
export type EngineSidecar = z.infer<typeof EngineSidecarSchema>;

export const sidecarPath = (enginePath: string) => `${enginePath}.json`;

export function writeSidecar(enginePath: string, sidecar: EngineSidecar): void {
  writeFileAtomic(sidecarPath(enginePath), `${JSON.stringify(EngineSidecarSchema.parse(sidecar), null, 2)}\n`);
}

export function readSidecar(enginePath: string): EngineSidecar {
  const file = sidecarPath(enginePath);
  const name = path.basename(enginePath);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new KilnError(
      code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'NOT_ONNX',
      code === 'ENOENT'
        ? `${name} has no sidecar (${path.basename(file)}): Kiln cannot tell which TensorRT and GPU it is for`
        : `${path.basename(file)} is not valid JSON`,
      { file: name },
    );
  }
  const parsed = EngineSidecarSchema.safeParse(raw);
  if (!parsed.success)
    throw new KilnError(
      'NOT_ONNX',
      `${path.basename(file)} is not a Kiln engine sidecar: ${parsed.error.issues[0]?.message}`,
      {
        file: name,
      },
    );
  return parsed.data;
}
