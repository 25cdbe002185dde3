/**
 * The sidecar JSON next to every .engine Kiln writes: what it takes to trust and deploy the engine
 * (TensorRT version, GPU, compatibility, precision recipe, source model, shapes, build options,
 * engine hash). Opening an engine checks it before anything is deserialized: a plan is tied to its
 * TensorRT version and GPU, and a version-compatible plan can carry code.
 */
import { createHash } from 'node:crypto';
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

/** Copies an engine and its sidecar to `outPath` (+ `.json`), each atomically, sidecar last. */
export function exportEngine(enginePath: string, outPath: string): { engine: string; sidecar: string } {
  const sidecar = readSidecar(enginePath);
  fs.mkdirSync(path.dirname(outPath), { recursive: true });
  writeFileAtomic(outPath, fs.readFileSync(enginePath));
  writeSidecar(outPath, sidecar);
  return { engine: outPath, sidecar: sidecarPath(outPath) };
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

export interface Runtime {
  tensorrt: string;
  computeCapability: string;
}

/**
 * Whether `enginePath` may be deserialized here. Refuses, with the reason: a sidecar that does not
 * match its engine, another TensorRT version, another GPU (unless hardware-compatible), and a
 * version-compatible engine from an unknown source unless `allowUntrusted`.
 */
export function checkEngine(enginePath: string, here: Runtime, opts: { allowUntrusted?: boolean } = {}): EngineSidecar {
  const name = path.basename(enginePath);
  const s = readSidecar(enginePath);
  const actual = createHash('sha256').update(fs.readFileSync(enginePath)).digest('hex');
  if (actual !== s.engineSha256)
    throw new KilnError(
      'INVALID_ARGUMENT',
      `${name} does not match its sidecar (sha256 ${actual.slice(0, 12)}… ≠ ${s.engineSha256.slice(0, 12)}…)`,
      {
        file: name,
      },
    );
  if (s.compatibility.versionCompatible && !opts.allowUntrusted)
    throw new KilnError(
      'UNSUPPORTED',
      `${name} is version-compatible: it embeds a TensorRT runtime that can run code. Open it only if you trust where it came from (confirm to continue)`,
      { file: name },
    );
  const major = (v: string) => v.split('.').slice(0, 2).join('.');
  if (!s.compatibility.versionCompatible && major(s.tensorrt) !== major(here.tensorrt))
    throw new KilnError(
      'UNSUPPORTED',
      `${name} was built with TensorRT ${s.tensorrt}; this machine has ${here.tensorrt}`,
      {
        file: name,
      },
    );
  const cc = (v: string) => Number(v);
  const hwOk =
    s.compatibility.hardware === 'ampere+'
      ? cc(here.computeCapability) >= 8
      : s.device.computeCapability === here.computeCapability;
  if (!hwOk)
    throw new KilnError(
      'UNSUPPORTED',
      `${name} was built for a GPU of compute capability ${s.device.computeCapability} (${s.device.name}); this GPU is ${here.computeCapability}`,
      { file: name },
    );
  return s;
}
