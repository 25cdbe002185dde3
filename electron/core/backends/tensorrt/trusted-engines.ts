/**
 * Which engines Kiln may deserialize: a registry, keyed by the sha256 of an engine's bytes, of the
 * engines Kiln built here and of those a user explicitly trusted (the `engine.trust` call). The
 * decision rests on what the bytes are, never on what a sidecar says: a sidecar is a file anyone can
 * edit, so its versionCompatible flag cannot be what lets an engine that carries code through.
 *
 * One small JSON file per engine (`<cache>/tensorrt/trusted/<sha256>.json`), each written atomically:
 * the two engine-host lanes, or the CLI beside the app, can record at once without losing each
 * other's entries, a restart reads what was recorded before it, and an entry that is torn, foreign
 * or names other bytes than its file name reads as absent (not trusted). Whoever can write Kiln's
 * cache folder can also write here; the registry guards against edited sidecars, swapped or
 * tampered cache entries and engines from elsewhere, not against the user's own account.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { KilnError } from '../../../shared/api/errors';
import { writeFileAtomic } from '../../../platform/atomic-write';
import { KILN_VERSION } from '../../../platform/version';
import { cacheDir } from '../onnxruntime/ort-backend';

const SHA256 = /^[0-9a-f]{64}$/;

export const TrustEntrySchema = z.object({
  sha256: z.string().regex(SHA256),
  /** built: Kiln wrote these bytes in a build; trusted: a user said yes to them. */
  origin: z.enum(['built', 'trusted']),
  /** The engine's file name when recorded (for people; the hash is what counts). */
  name: z.string(),
  recordedAt: z.string(),
  kiln: z.string(),
});
export type TrustEntry = z.infer<typeof TrustEntrySchema>;
export type TrustOrigin = TrustEntry['origin'];

/** The registry's folder, in Kiln's build cache. */
export function trustDir(): string {
  return path.join(cacheDir(), 'tensorrt', 'trusted');
}

const entryPath = (sha256: string) => path.join(trustDir(), `${sha256}.json`);

/** What the registry says of these bytes, or undefined when Kiln neither built nor was told to trust them. */
export function engineTrust(sha256: string): TrustEntry | undefined {
  if (!SHA256.test(sha256)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(entryPath(sha256), 'utf8'));
  } catch {
    return undefined; // absent, unreadable or torn: not trusted
  }
  const parsed = TrustEntrySchema.safeParse(raw);
  return parsed.success && parsed.data.sha256 === sha256 ? parsed.data : undefined;
}

/**
 * Records `sha256` as built by Kiln or trusted by the user. An engine Kiln built stays "built" when
 * a user trusts it as well; a trusted one that Kiln later builds byte for byte becomes "built".
 */
export function recordEngine(sha256: string, origin: TrustOrigin, name: string): TrustEntry {
  if (!SHA256.test(sha256)) throw new KilnError('INTERNAL', `"${sha256}" is not a sha256`);
  const known = engineTrust(sha256);
  if (known && (known.origin === 'built' || origin === 'trusted')) return known;
  const entry: TrustEntry = { sha256, origin, name, recordedAt: new Date().toISOString(), kiln: KILN_VERSION };
  fs.mkdirSync(trustDir(), { recursive: true });
  writeFileAtomic(entryPath(sha256), `${JSON.stringify(entry, null, 2)}\n`);
  return entry;
}

/**
 * The sha256 of a file's bytes, read in 1 MiB chunks (an engine can be gigabytes). Only a regular
 * file is read: a FIFO or a device would block or never end, a folder has no bytes.
 */
export function sha256OfFile(file: string): string {
  const name = path.basename(file);
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer before it can be refused below.
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new KilnError('FILE_NOT_FOUND', `${name}: no such file`, { file: name });
    throw new KilnError('FILE_UNREADABLE', `${name} cannot be read (${code ?? 'error'})`, { file: name });
  }
  try {
    if (!fs.fstatSync(fd).isFile()) throw new KilnError('NOT_A_FILE', `${name} is not a regular file`, { file: name });
    const hash = createHash('sha256');
    const chunk = Buffer.allocUnsafe(2 ** 20);
    for (let n = fs.readSync(fd, chunk); n > 0; n = fs.readSync(fd, chunk)) hash.update(chunk.subarray(0, n));
    return hash.digest('hex');
  } finally {
    fs.closeSync(fd);
  }
}
