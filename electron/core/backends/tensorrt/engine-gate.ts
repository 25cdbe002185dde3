/**
 * The one gate every engine passes before Kiln deserializes it (profile, run) or ships it (an
 * .engine or a Triton model.plan export), and where a user's explicit yes to an outside engine is
 * recorded. An engine is a program TensorRT loads; a version-compatible one even embeds a TensorRT
 * runtime that runs on this machine. So the gate asks what the bytes are, not what their sidecar
 * claims: the bytes must be the ones their sidecar describes, and their sha256 must be in the
 * registry of engines Kiln built or a user trusted (trusted-engines.ts). Editing a sidecar — its
 * versionCompatible flag, or its hash — lets nothing through that the registry does not know.
 *
 * TensorRT's own say, through the plugin seam: the real plugin deserializes with
 * IRuntime::setEngineHostCodeAllowed(false) — TensorRT's default, under which it refuses a plan that
 * carries host code (the lean runtime of a version-compatible engine) — unless the request says
 * `allowHostCode`, which Kiln sends only for an engine that passed this gate. A plan's header also
 * says its TensorRT version without deserializing (`trtexec --getPlanVersionOnly`; TensorRT-RTX's
 * IRuntime::getEngineValidity reads the whole header), which a plugin method could report; the fake
 * plugin's JSON "engines" carry no such header, so here the hash recorded at build decides.
 * The plugin reads the file again after this check: whoever can rewrite it in that moment can
 * also rewrite the registry, which lives in the same cache folder.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KilnError } from '../../../shared/api/errors';
import type { ReplyOf } from '../../../shared/api/contract';
import { writeFileAtomic } from '../../../platform/atomic-write';
import { readSidecar, sidecarPath, writeSidecar, type EngineSidecar } from './sidecar';
import { engineTrust, recordEngine, sha256OfFile, type TrustEntry } from './trusted-engines';

/** The TensorRT and GPU an engine would run on here. */
export interface Runtime {
  tensorrt: string;
  computeCapability: string;
}

export interface TrustedEngine {
  sidecar: EngineSidecar;
  sha256: string;
  trust: TrustEntry;
}

const short = (sha: string) => `${sha.slice(0, 12)}…`;

/**
 * Refuses (UNTRUSTED) an engine whose bytes are not the ones its sidecar describes, or whose bytes
 * Kiln did not build and no user trusted; else says what the sidecar and the registry hold.
 */
export function assertEngineTrusted(enginePath: string): TrustedEngine {
  const sidecar = readSidecar(enginePath);
  return gate(path.basename(enginePath), sidecar, sha256OfFile(enginePath));
}

function gate(name: string, sidecar: EngineSidecar, sha256: string): TrustedEngine {
  if (sha256 !== sidecar.engineSha256)
    throw new KilnError(
      'UNTRUSTED',
      `${name} does not match its sidecar (sha256 ${short(sha256)} ≠ ${short(sidecar.engineSha256)}): the engine changed after its sidecar was written, so Kiln will not open it`,
      { file: name, details: { sha256 } },
    );
  const trust = engineTrust(sha256);
  if (!trust) {
    const carriesCode = sidecar.compatibility.versionCompatible
      ? ' Its sidecar says it is version-compatible: it embeds a TensorRT runtime that runs on this machine.'
      : '';
    throw new KilnError(
      'UNTRUSTED',
      `${name} was not built by Kiln here and nobody has trusted it (sha256 ${short(sha256)}). An engine is code that TensorRT loads.${carriesCode} Trust it (engine.trust, with confirm) only if you know where it came from.`,
      { file: name, details: { sha256, versionCompatible: sidecar.compatibility.versionCompatible } },
    );
  }
  return { sidecar, sha256, trust };
}

/**
 * Whether `enginePath` may be deserialized here. Refuses, with the reason: an engine the gate does
 * not let through (assertEngineTrusted), another TensorRT version (unless version-compatible), and
 * another GPU (unless hardware-compatible).
 */
export function checkEngine(enginePath: string, here: Runtime): EngineSidecar {
  const name = path.basename(enginePath);
  const { sidecar: s } = assertEngineTrusted(enginePath);
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

/**
 * Copies an engine that passes the gate and its sidecar to `outPath` (+ `.json`), each atomically,
 * sidecar last. The bytes written are the bytes that were checked.
 */
export function exportEngine(enginePath: string, outPath: string): { engine: string; sidecar: string } {
  const sidecar = readSidecar(enginePath);
  const bytes = fs.readFileSync(enginePath);
  gate(path.basename(enginePath), sidecar, createHash('sha256').update(bytes).digest('hex'));
  fs.mkdirSync(path.dirname(outPath), { recursive: true });
  writeFileAtomic(outPath, bytes);
  writeSidecar(outPath, sidecar);
  return { engine: outPath, sidecar: sidecarPath(outPath) };
}

/**
 * A user's explicit yes to the engine at `enginePath`: its bytes' sha256 joins the registry, so the
 * gate lets these bytes (and only these) through from now on, in every process and after restarts.
 */
export function trustEngine(enginePath: string, displayName: string): ReplyOf<'engine.trust'> {
  const sha256 = sha256OfFile(enginePath);
  const entry = recordEngine(sha256, 'trusted', displayName);
  let sidecar: EngineSidecar | null = null;
  try {
    sidecar = readSidecar(enginePath);
  } catch {
    // no sidecar (an uploaded engine, or one from trtexec): the bytes are trusted all the same
  }
  return {
    file: displayName,
    sha256,
    origin: entry.origin,
    recordedAt: entry.recordedAt,
    sidecar: sidecar === null ? 'missing' : sidecar.engineSha256 === sha256 ? 'matches' : 'differs',
    versionCompatible: sidecar ? sidecar.compatibility.versionCompatible : null,
  };
}
