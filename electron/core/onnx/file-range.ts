/**
 * Reading a byte range of a file a model points at — the model file itself or an external data
 * file — where the range comes from the model's own claims. The file must be a regular file
 * (open() on a FIFO waits for a writer forever, a folder reads as EISDIR, a device never ends) and
 * the range whole, safe, non-negative numbers inside it. Every failure is a KilnError that names
 * the tensor and the file by its name, never its folder (a server's paths must not reach a client).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KilnError } from '../../shared/api/errors';

/** True when `n` can be a byte offset or length: a whole number from 0 to 2^53 − 1. */
export function isByteCount(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

/** What a file that is not a regular file is, in words. */
export function fileKind(stat: fs.Stats): string {
  if (stat.isDirectory()) return 'a folder';
  if (stat.isFIFO()) return 'a pipe (FIFO)';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  if (stat.isSocket()) return 'a socket';
  return 'not a regular file';
}

function statError(err: unknown, name: string, what: string): KilnError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR')
    return new KilnError('FILE_NOT_FOUND', `${what}: its data file ${name} is missing`, { file: name });
  if (code === 'ELOOP')
    return new KilnError('NOT_A_FILE', `${what}: its data file ${name} is a link that loops`, { file: name });
  return new KilnError('FILE_UNREADABLE', `${what}: its data file ${name} cannot be read (${code ?? 'error'})`, {
    file: name,
  });
}

/** The size of `file` (links followed), which must be a regular file; a KilnError naming `what` otherwise. */
export function regularFileSize(file: string, what: string): number {
  const name = path.basename(file);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (err) {
    throw statError(err, name, what);
  }
  if (!stat.isFile())
    throw new KilnError('NOT_A_FILE', `${what}: its data file ${name} is ${fileKind(stat)}, not a regular file`, {
      file: name,
    });
  return stat.size;
}

/** Opens a file checked to be regular, without blocking should it have become a FIFO since. */
export function openRegularFile(file: string, what: string): number {
  const name = path.basename(file);
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  } catch (err) {
    throw statError(err, name, what);
  }
  if (!fs.fstatSync(fd).isFile()) {
    fs.closeSync(fd);
    throw new KilnError('NOT_A_FILE', `${what}: its data file ${name} is not a regular file`, { file: name });
  }
  return fd;
}

/** Bytes [offset, offset + length) of `file`, for `what` ("tensor conv.weight"). */
export function readFileRange(file: string, offset: number, length: number, what: string): Uint8Array {
  const name = path.basename(file);
  if (!isByteCount(offset) || !isByteCount(length)) {
    throw new KilnError(
      'NOT_ONNX',
      `${what} has an invalid data offset (${offset}) or length (${length}) in ${name}: both must be whole numbers of bytes`,
      { file: name },
    );
  }
  const size = regularFileSize(file, what);
  if (offset + length > size) {
    throw new KilnError('FILE_UNREADABLE', `${what} ends early: ${name} is shorter than its offsets say`, {
      file: name,
    });
  }
  const fd = openRegularFile(file, what);
  try {
    const out = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const n = fs.readSync(fd, out, done, length - done, offset + done);
      if (n === 0)
        throw new KilnError('FILE_UNREADABLE', `${what} ends early: ${name} is shorter than its offsets say`, {
          file: name,
        });
      done += n;
    }
    return out;
  } finally {
    fs.closeSync(fd);
  }
}
