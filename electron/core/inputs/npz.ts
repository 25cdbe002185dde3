/**
 * Array files as the user gives them: an .npz (a zip of .npy members, one per input name, ModelOpt's
 * layout) or a single .npy, read from disk into arrays by name.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KilnError } from '../../shared/api/errors';
import { readNpy, type NpyArray } from './npy';
import { readZip } from './zip';

/** The arrays of an .npz file by name (`x.npy` → `x`). */
export function readNpz(bytes: Uint8Array, name = 'arrays.npz'): Map<string, NpyArray> {
  const out = new Map<string, NpyArray>();
  for (const [entry, content] of readZip(bytes, name)) {
    if (!entry.endsWith('.npy')) continue;
    out.set(entry.slice(0, -4), readNpy(content, `${name}:${entry}`));
  }
  return out;
}

/** Reads a .npy (one array, under the name '') or .npz file. */
export function readArrayFile(file: string): Map<string, NpyArray> {
  const name = path.basename(file);
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new KilnError(
      e.code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'FILE_UNREADABLE',
      `cannot read calibration data ${name}: ${e.message}`,
      { file: name },
    );
  }
  // Zip archives start with a local header ("PK\x03\x04"), .npy files with "\x93NUMPY".
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) return readNpz(bytes, name);
  return new Map([['', readNpy(bytes, name)]]);
}
