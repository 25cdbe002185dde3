/**
 * The zip container .npz files are, read from memory: numpy writes stored or deflated members,
 * with Zip64 records, and nothing else here needs a zip reader, so no dependency is taken for it.
 */
import { inflateRawSync } from 'node:zlib';
import { KilnError } from '../../shared/api/errors';

/**
 * The entries of a zip archive (stored or deflated), read through the central directory so that
 * Zip64 archives (numpy writes its .npz members with force_zip64) and streamed entries work.
 */
export function readZip(bytes: Uint8Array, name = 'archive.zip'): Map<string, Uint8Array> {
  const bad = (why: string) => new KilnError('INVALID_ARGUMENT', `${name} is not a readable .npz (zip) file: ${why}`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // End of central directory: 22 bytes plus a comment of up to 64 KiB.
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (dv.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) {
    const zipStart = bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
    throw new KilnError(
      'INVALID_ARGUMENT',
      zipStart
        ? `${name} is cut short: it starts as a zip archive but ends before the archive's directory — was the download or copy interrupted?`
        : `${name} is not a readable .npz (zip) file`,
      { details: { detail: 'no end of central directory record' } },
    );
  }
  let entries = dv.getUint16(eocd + 10, true);
  let cdOffset = dv.getUint32(eocd + 16, true);
  if (entries === 0xffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || dv.getUint32(loc, true) !== 0x07064b50) throw bad('Zip64 locator missing');
    const z64 = Number(dv.getBigUint64(loc + 8, true));
    if (z64 + 56 > bytes.length || dv.getUint32(z64, true) !== 0x06064b50) throw bad('Zip64 record missing');
    entries = Number(dv.getBigUint64(z64 + 32, true));
    cdOffset = Number(dv.getBigUint64(z64 + 48, true));
  }
  const out = new Map<string, Uint8Array>();
  let p = cdOffset;
  for (let e = 0; e < entries; e++) {
    if (p + 46 > bytes.length || dv.getUint32(p, true) !== 0x02014b50) throw bad('broken central directory');
    const method = dv.getUint16(p + 10, true);
    let compressed = dv.getUint32(p + 20, true);
    let size = dv.getUint32(p + 24, true);
    const nameLen = dv.getUint16(p + 28, true);
    const extraLen = dv.getUint16(p + 30, true);
    const commentLen = dv.getUint16(p + 32, true);
    let local = dv.getUint32(p + 42, true);
    const entryName = new TextDecoder().decode(bytes.subarray(p + 46, p + 46 + nameLen));
    // Zip64 extended information: the fields that overflowed, in this order.
    let x = p + 46 + nameLen;
    const xEnd = x + extraLen;
    while (x + 4 <= xEnd) {
      const id = dv.getUint16(x, true);
      const len = dv.getUint16(x + 2, true);
      if (id === 0x0001) {
        let f = x + 4;
        if (size === 0xffffffff) {
          size = Number(dv.getBigUint64(f, true));
          f += 8;
        }
        if (compressed === 0xffffffff) {
          compressed = Number(dv.getBigUint64(f, true));
          f += 8;
        }
        if (local === 0xffffffff) local = Number(dv.getBigUint64(f, true));
      }
      x += 4 + len;
    }
    p = xEnd + commentLen;
    if (local + 30 > bytes.length || dv.getUint32(local, true) !== 0x04034b50)
      throw bad(`entry ${entryName}: no local header`);
    const dataStart = local + 30 + dv.getUint16(local + 26, true) + dv.getUint16(local + 28, true);
    if (dataStart + compressed > bytes.length) throw bad(`entry ${entryName} is truncated`);
    const raw = bytes.subarray(dataStart, dataStart + compressed);
    let content: Uint8Array;
    if (method === 0) content = raw;
    else if (method === 8) {
      try {
        content = inflateRawSync(raw);
      } catch (err) {
        throw bad(`entry ${entryName} does not inflate: ${(err as Error).message}`);
      }
    } else throw new KilnError('UNSUPPORTED', `${name}: entry ${entryName} uses zip compression method ${method}`);
    if (content.length !== size) throw bad(`entry ${entryName} is ${content.length} bytes, its header says ${size}`);
    out.set(entryName, content);
  }
  return out;
}
