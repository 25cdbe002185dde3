/**
 * A folder as a .zip, streamed as it is read: how browser mode hands over a Triton model
 * repository, which is a folder on the server. Entries are stored, not compressed (engines and
 * ONNX weights hardly compress, and storing runs at disk speed: `npm run bench:zip`), each followed
 * by a data descriptor so nothing is read twice, with Zip64 records where a file, an offset or the
 * entry count passes the classic limits (TensorRT plans of several GB). Names are UTF-8, relative
 * to the folder, with forward slashes; symbolic links are left out (a Kiln export never has one,
 * and following one could reach outside the folder).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Writable } from 'node:stream';
import { crc32 } from 'node:zlib';

const LOCAL = 0x04034b50;
const DESCRIPTOR = 0x08074b50;
const CENTRAL = 0x02014b50;
const END = 0x06054b50;
const END64 = 0x06064b50;
const LOCATOR64 = 0x07064b50;
/** Bit 3: sizes and CRC follow the data; bit 11: names are UTF-8. */
const FLAGS = 0x0808;
const MAX32 = 0xffffffff;
const MAX16 = 0xffff;
const CHUNK = 1 << 20;

export interface ZipEntry {
  /** Path inside the archive, forward slashes. */
  name: string;
  /** The file on disk. */
  file: string;
  bytes: number;
  mtime: Date;
}

/** Every regular file under `dir`, in a stable order, named relative to `dir` (prefixed with `root/`). */
export function folderEntries(dir: string, root = path.basename(dir)): ZipEntry[] {
  const out: ZipEntry[] = [];
  const walk = (abs: string, rel: string) => {
    for (const d of fs.readdirSync(abs, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const childAbs = path.join(abs, d.name);
      const childRel = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) walk(childAbs, childRel);
      else if (d.isFile()) {
        const st = fs.statSync(childAbs);
        out.push({ name: childRel, file: childAbs, bytes: st.size, mtime: st.mtime });
      }
    }
  };
  walk(dir, root);
  return out;
}

/** DOS date and time (local, 2-second steps, 1980 at the earliest). */
function dosTime(d: Date): { time: number; date: number } {
  const year = Math.max(1980, d.getFullYear());
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | (d.getSeconds() >> 1),
    date: ((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  };
}

/** Waits for `out` to take `chunk` (backpressure), or rejects when it closes first. */
function write(out: Writable, chunk: Buffer): Promise<void> {
  if (out.write(chunk)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = () => {
      out.off('drain', done);
      out.off('close', closed);
      resolve();
    };
    const closed = () => {
      out.off('drain', done);
      reject(new Error('the download was closed before it ended'));
    };
    out.once('drain', done);
    out.once('close', closed);
  });
}

interface Written {
  entry: ZipEntry;
  name: Buffer;
  crc: number;
  size: number;
  offset: number;
  dos: { time: number; date: number };
}

/** Streams the entries as one .zip into `out` (not ended: the caller ends it). Resolves with the bytes written. */
export async function writeZip(entries: readonly ZipEntry[], out: Writable): Promise<number> {
  let offset = 0;
  const put = async (b: Buffer) => {
    await write(out, b);
    offset += b.length;
  };
  const written: Written[] = [];
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const dos = dosTime(entry.mtime);
    const start = offset;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(LOCAL, 0);
    local.writeUInt16LE(entry.bytes >= MAX32 ? 45 : 20, 4);
    local.writeUInt16LE(FLAGS, 6);
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt16LE(dos.time, 10);
    local.writeUInt16LE(dos.date, 12);
    // CRC and sizes are 0 here: the data descriptor after the data has them.
    local.writeUInt16LE(name.length, 26);
    await put(Buffer.concat([local, name]));
    let crc = 0;
    let size = 0;
    const fh = await fs.promises.open(entry.file, 'r');
    try {
      for (;;) {
        // A fresh buffer per chunk: the stream may still hold the last one.
        const { bytesRead, buffer } = await fh.read(Buffer.allocUnsafe(CHUNK), 0, CHUNK, null);
        if (bytesRead === 0) break;
        const chunk = buffer.subarray(0, bytesRead);
        crc = crc32(chunk, crc);
        size += bytesRead;
        await put(chunk);
      }
    } finally {
      await fh.close();
    }
    const big = size >= MAX32;
    const desc = Buffer.alloc(big ? 24 : 16);
    desc.writeUInt32LE(DESCRIPTOR, 0);
    desc.writeUInt32LE(crc >>> 0, 4);
    if (big) {
      desc.writeBigUInt64LE(BigInt(size), 8);
      desc.writeBigUInt64LE(BigInt(size), 16);
    } else {
      desc.writeUInt32LE(size, 8);
      desc.writeUInt32LE(size, 12);
    }
    await put(desc);
    written.push({ entry, name, crc: crc >>> 0, size, offset: start, dos });
  }

  const centralStart = offset;
  for (const w of written) {
    const sizeBig = w.size >= MAX32;
    const offsetBig = w.offset >= MAX32;
    const extra: Buffer[] = [];
    if (sizeBig || offsetBig) {
      const fields: bigint[] = [];
      if (sizeBig) fields.push(BigInt(w.size), BigInt(w.size)); // uncompressed, then compressed
      if (offsetBig) fields.push(BigInt(w.offset));
      const x = Buffer.alloc(4 + 8 * fields.length);
      x.writeUInt16LE(0x0001, 0);
      x.writeUInt16LE(8 * fields.length, 2);
      fields.forEach((f, i) => x.writeBigUInt64LE(f, 4 + 8 * i));
      extra.push(x);
    }
    const extraBytes = Buffer.concat(extra);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(CENTRAL, 0);
    c.writeUInt16LE((3 << 8) | 45, 4); // made by: Unix, spec 4.5
    c.writeUInt16LE(sizeBig || offsetBig ? 45 : 20, 6);
    c.writeUInt16LE(FLAGS, 8);
    c.writeUInt16LE(0, 10);
    c.writeUInt16LE(w.dos.time, 12);
    c.writeUInt16LE(w.dos.date, 14);
    c.writeUInt32LE(w.crc, 16);
    c.writeUInt32LE(sizeBig ? MAX32 : w.size, 20);
    c.writeUInt32LE(sizeBig ? MAX32 : w.size, 24);
    c.writeUInt16LE(w.name.length, 28);
    c.writeUInt16LE(extraBytes.length, 30);
    c.writeUInt32LE((0o100644 << 16) >>> 0, 38); // a regular file, rw-r--r--
    c.writeUInt32LE(offsetBig ? MAX32 : w.offset, 42);
    await put(Buffer.concat([c, w.name, extraBytes]));
  }
  const centralSize = offset - centralStart;
  const count = written.length;
  if (count >= MAX16 || centralStart >= MAX32 || centralSize >= MAX32) {
    const end64At = offset;
    const e64 = Buffer.alloc(56);
    e64.writeUInt32LE(END64, 0);
    e64.writeBigUInt64LE(44n, 4); // size of the rest of this record
    e64.writeUInt16LE((3 << 8) | 45, 12);
    e64.writeUInt16LE(45, 14);
    e64.writeBigUInt64LE(BigInt(count), 24);
    e64.writeBigUInt64LE(BigInt(count), 32);
    e64.writeBigUInt64LE(BigInt(centralSize), 40);
    e64.writeBigUInt64LE(BigInt(centralStart), 48);
    const loc = Buffer.alloc(20);
    loc.writeUInt32LE(LOCATOR64, 0);
    loc.writeBigUInt64LE(BigInt(end64At), 8);
    loc.writeUInt32LE(1, 16); // disks
    await put(Buffer.concat([e64, loc]));
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(END, 0);
  end.writeUInt16LE(Math.min(count, MAX16), 8);
  end.writeUInt16LE(Math.min(count, MAX16), 10);
  end.writeUInt32LE(Math.min(centralSize, MAX32), 12);
  end.writeUInt32LE(Math.min(centralStart, MAX32), 16);
  await put(end);
  return offset;
}
