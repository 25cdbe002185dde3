/**
 * Big byte replies from a forked engine host to its parent, through a file instead of the IPC pipe.
 * The pipe moves a few hundred kilobytes per turn, each a turn of both processes' event loops: the
 * 20 MB graph payload of a 125k-node model took hundreds of such turns, a second or more on a busy
 * machine, where one write and one read of a file in the page cache take milliseconds.
 *
 * The parent makes a private folder per host and names it in the host's environment; the host writes
 * a reply's bytes to a file there and sends a reference in their place; the parent reads the file,
 * deletes it, and hands the bytes on as if they had come through the pipe. Only file names the host
 * could have made are read, and only inside that folder. (Electron's utilityProcess posts through a
 * port that takes big messages whole, so it needs none of this.)
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { replaceAtomically } from './atomic-write';

/** The environment variable that names a forked host's folder for bulk replies. */
export const BULK_DIR_ENV = 'KILN_HOST_BULK_DIR';

/** Byte values at least this big go through a file. */
export const BULK_MIN_BYTES = 1 << 20;

/** What stands in a message for bytes that went through a file. */
export interface BulkRef {
  kilnBulkFile: string;
  bytes: number;
}

const FILE_NAME = /^[0-9a-f]{32}\.bin$/;

/** The parent's side: a new private folder for one host (removed with `removeBulkDir`). */
export function makeBulkDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-host-'));
}

export function removeBulkDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * The host's side, when it leaves because its parent went (killed outright, it could not remove
 * the folder it made): remove the folder the environment names, if it is one the parent made.
 */
export function removeOwnBulkDir(): void {
  const dir = process.env[BULK_DIR_ENV];
  if (!dir) return;
  if (path.dirname(dir) !== path.resolve(os.tmpdir()) || !path.basename(dir).startsWith('kiln-host-')) return;
  removeBulkDir(dir);
}

/** The host's side: the bytes written to a file in `dir`, and the reference to send instead. */
export async function writeBulk(dir: string, bytes: Uint8Array): Promise<BulkRef> {
  const name = `${randomBytes(16).toString('hex')}.bin`;
  await replaceAtomically(path.join(dir, name), (tmp) => fs.writeFileSync(tmp, bytes, { mode: 0o600 }));
  return { kilnBulkFile: name, bytes: bytes.byteLength };
}

export function isBulkRef(value: unknown): value is BulkRef {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as BulkRef).kilnBulkFile === 'string' &&
    typeof (value as BulkRef).bytes === 'number'
  );
}

/**
 * The parent's side: the bytes a reference stands for, read from `dir` and the file removed. A
 * reference to anything but a file the host could have written there is refused.
 */
export function readBulk(dir: string, ref: BulkRef): Uint8Array {
  if (!FILE_NAME.test(ref.kilnBulkFile)) throw new Error('a bulk reply named a file it cannot have written');
  const file = path.join(dir, ref.kilnBulkFile);
  try {
    const bytes = fs.readFileSync(file);
    if (bytes.byteLength !== ref.bytes) throw new Error('a bulk reply came short');
    return bytes;
  } finally {
    fs.rmSync(file, { force: true });
  }
}
