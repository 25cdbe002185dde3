/**
 * Files appear whole or not at all. Every file Kiln hands over (variants, caches, engines and their
 * sidecars, exports, CLI outputs) is written to a temp name beside its target and renamed over it,
 * so a crash, a cancel or a full disk never leaves a half-written file under the real name, and two
 * jobs writing the same target never share a temp file. The temp name is unique per call
 * (pid + random), not per process or millisecond: parallel jobs of one host collide otherwise.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KilnError } from '../shared/api/errors';

/** A fresh hidden temp path in `file`'s folder (same file system, so the rename is atomic). */
export function tempPathBeside(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
}

/**
 * Runs `write(tmp)` to produce the file under a temp name, then renames it to `file`. On any failure
 * the temp file is removed and the error rethrown: a KilnError as it is, anything else as a
 * FILE_UNREADABLE KilnError naming the file (never a raw errno with a home path in it).
 */
export async function replaceAtomically(file: string, write: (tmp: string) => Promise<void> | void): Promise<void> {
  const tmp = tempPathBeside(file);
  try {
    await write(tmp);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw asWriteError(err, file);
  }
}

/** The synchronous form of replaceAtomically, for writers that are synchronous. */
export function replaceAtomicallySync(file: string, write: (tmp: string) => void): void {
  const tmp = tempPathBeside(file);
  try {
    write(tmp);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw asWriteError(err, file);
  }
}

/** Writes `data` to `file` atomically. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  replaceAtomicallySync(file, (tmp) => fs.writeFileSync(tmp, data));
}

/** Copies `from` to `to` atomically (the copy appears whole under `to`, or not at all). */
export function copyFileAtomic(from: string, to: string): void {
  replaceAtomicallySync(to, (tmp) => fs.copyFileSync(from, tmp));
}

/**
 * A folder (a Triton model's directory) built under a temp name and swapped in whole: an earlier
 * folder at `target` is moved aside and removed only once the new one is in place.
 */
export function replaceFolderAtomically(target: string, write: (tmp: string) => void): void {
  const tmp = tempPathBeside(target);
  try {
    fs.mkdirSync(tmp, { recursive: true });
    write(tmp);
    const old = fs.existsSync(target) ? tempPathBeside(target) : null;
    if (old) fs.renameSync(target, old);
    fs.renameSync(tmp, target);
    if (old) fs.rmSync(old, { recursive: true, force: true });
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw asWriteError(err, target);
  }
}

function asWriteError(err: unknown, file: string): unknown {
  if (err instanceof KilnError) return err;
  const name = path.basename(file);
  const reason = err instanceof Error ? err.message.replace(file, name) : String(err);
  return new KilnError('FILE_UNREADABLE', `cannot write ${name}: ${reason}`, { file: name });
}
