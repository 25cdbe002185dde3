/**
 * Writing a model file: encode (losing nothing), then write atomically — a temp file in the same
 * folder renamed over the target — so a crash never leaves half a model behind. Weights either stay
 * embedded (raw_data) or go to one external data file next to the model; external weights of the
 * source are copied in bounded chunks, never loaded whole.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KilnError } from '../../shared/api/errors';
import { tempPathBeside } from '../../platform/atomic-write';
import { encodeModelChunks } from './encode';
import { isByteCount, openRegularFile, regularFileSize } from './file-range';
import { forEachTensor } from './open';
import type { ModelProto, StringEntry, TensorProto } from './model';
import { tensorBytes } from './model';
import { tensorRawBytes } from './values';

export interface WriteOptions {
  /** The bytes the model was decoded from (embedded weights are copied from here). */
  source?: Uint8Array;
  /** The model `source` decoded to, spans kept: its nodes the model still holds are copied (encode.ts). */
  decoded?: ModelProto;
  /**
   * Put weights in one external file (`location`, relative to the output's folder): every tensor
   * of at least `minBytes` (default 1 KiB) and every tensor that is external in the source.
   */
  externalData?: { location: string; minBytes?: number };
}

export interface WriteResult {
  path: string;
  bytes: number;
  externalPath: string | null;
  externalBytes: number;
}

/** protobuf's hard limit on one message: bigger models need external data. */
const MAX_MESSAGE = 2 ** 31 - 1;
const COPY_CHUNK = 16 << 20;

function writeChunks(fd: number, chunks: Uint8Array[]): number {
  let total = 0;
  for (const c of chunks) {
    let off = 0;
    while (off < c.length) off += fs.writeSync(fd, c, off, c.length - off);
    total += c.length;
  }
  return total;
}

/** Copies [offset, offset+length) of `from` (a regular file: see file-range.ts) to the end of `fd` in bounded chunks. */
function copyRange(fd: number, from: string, offset: number, length: number, name: string): void {
  if (!isByteCount(offset) || !isByteCount(length))
    throw new KilnError('NOT_ONNX', `external data of tensor ${name} has an invalid offset or length`);
  regularFileSize(from, `tensor ${name}`);
  const src = openRegularFile(from, `tensor ${name}`);
  try {
    const buf = Buffer.allocUnsafe(Math.min(COPY_CHUNK, Math.max(1, length)));
    let done = 0;
    while (done < length) {
      const n = fs.readSync(src, buf, 0, Math.min(buf.length, length - done), offset + done);
      if (n === 0)
        throw new KilnError('FILE_UNREADABLE', `external data of tensor ${name} ends early in ${path.basename(from)}`);
      writeChunks(fd, [buf.subarray(0, n)]);
      done += n;
    }
  } finally {
    fs.closeSync(src);
  }
}

/**
 * Encodes `model` to `outPath`. Tensors are not modified in place: external placement is applied to
 * copies, so the caller's model still describes the source.
 */
export function writeModelFile(model: ModelProto, outPath: string, opts: WriteOptions = {}): WriteResult {
  const target = path.resolve(outPath);
  const outDir = path.dirname(target);
  const renames: [string, string][] = [];
  const cleanup: string[] = [];
  let externalBytes = 0;
  let externalPath: string | null = null;
  try {
    // Tensors are swapped for external-data copies while encoding, then restored.
    const restore: [TensorProto, TensorProto][] = [];
    let extFd: number | null = null;
    if (opts.externalData) {
      const loc = opts.externalData.location;
      if (path.isAbsolute(loc) || loc.split(/[\\/]/).includes('..') || loc === '') {
        throw new KilnError(
          'UNSAFE_PATH',
          `external data location "${loc}" must be a file name inside the model's folder`,
        );
      }
      externalPath = path.resolve(outDir, loc);
      const tmp = tempPathBeside(externalPath);
      cleanup.push(tmp);
      renames.push([tmp, externalPath]);
      extFd = fs.openSync(tmp, 'w');
      const minBytes = opts.externalData.minBytes ?? 1024;
      try {
        forEachTensor(model, (t) => {
          const d = t.data;
          const bytes = tensorBytes(t);
          if (d.kind === 'none' || d.kind === 'typed') return;
          if (d.kind !== 'external' && bytes < minBytes) return;
          // Align each tensor to 4 KiB so the file can be memory-mapped tensor by tensor.
          const pad = (4096 - (externalBytes % 4096)) % 4096;
          if (pad) writeChunks(extFd as number, [new Uint8Array(pad)]);
          const offset = externalBytes + pad;
          let length: number;
          if (d.kind === 'external') {
            length = d.length ?? Math.max(0, regularFileSize(d.path, `tensor ${t.name}`) - d.offset);
            copyRange(extFd as number, d.path, d.offset, length, t.name);
          } else if (d.kind === 'raw') {
            if (!opts.source) throw new KilnError('INTERNAL', `cannot write tensor ${t.name}: source bytes not given`);
            length = writeChunks(extFd as number, [opts.source.subarray(d.offset, d.offset + d.length)]);
          } else length = writeChunks(extFd as number, [d.bytes]);
          externalBytes = offset + length;
          const entries: StringEntry[] = [
            { key: 'location', value: loc },
            { key: 'offset', value: String(offset) },
            { key: 'length', value: String(length) },
          ];
          const copy: TensorProto = {
            ...t,
            data: { kind: 'external', location: loc, path: externalPath as string, offset, length },
            externalData: entries,
          };
          delete copy.empty;
          restore.push([t, { ...t }]);
          Object.assign(t, copy);
        });
      } finally {
        fs.closeSync(extFd);
      }
    } else {
      // Weights kept next to the source model are embedded when the output lives elsewhere
      // (external files are never shared between two models: one could be rewritten under the other).
      const moved: TensorProto[] = [];
      let movedBytes = 0;
      forEachTensor(model, (t) => {
        if (t.data.kind !== 'external' || path.resolve(outDir, t.data.location) === t.data.path) return;
        moved.push(t);
        movedBytes += tensorBytes(t);
      });
      if (movedBytes > MAX_MESSAGE) {
        throw new KilnError(
          'UNSUPPORTED',
          `${(movedBytes / 2 ** 30).toFixed(2)} GiB of external weights cannot be embedded (protobuf limits a model file to 2 GiB); write with external data`,
          { file: path.basename(target) },
        );
      }
      for (const t of moved) {
        const bytes = tensorRawBytes(t, { path: target });
        restore.push([t, { ...t }]);
        Object.assign(t, { data: { kind: 'bytes', bytes }, externalData: [] } satisfies Partial<TensorProto>);
      }
    }
    let chunks: Uint8Array[];
    try {
      chunks = encodeModelChunks(model, opts.source ? { source: opts.source, decoded: opts.decoded } : {});
    } finally {
      for (const [t, orig] of restore) {
        for (const k of Object.keys(t)) if (!(k in orig)) delete (t as unknown as Record<string, unknown>)[k];
        Object.assign(t, orig);
      }
    }
    const size = chunks.reduce((n, c) => n + c.length, 0);
    if (size > MAX_MESSAGE) {
      throw new KilnError(
        'UNSUPPORTED',
        `the model would be ${(size / 2 ** 30).toFixed(2)} GiB; protobuf limits a model file to 2 GiB — write its weights as external data`,
        { file: path.basename(target) },
      );
    }
    const tmp = tempPathBeside(target);
    cleanup.push(tmp);
    const fd = fs.openSync(tmp, 'w');
    try {
      writeChunks(fd, chunks);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    renames.unshift([tmp, target]);
    // External data first, then the model that points at it.
    for (const [from, to] of renames.reverse()) fs.renameSync(from, to);
    return { path: target, bytes: size, externalPath, externalBytes };
  } catch (err) {
    for (const f of cleanup) fs.rmSync(f, { force: true });
    if (err instanceof KilnError) throw err;
    // The system's message names full paths (a server's folders must not reach a client): its code only.
    const e = err as NodeJS.ErrnoException;
    throw new KilnError('FILE_UNREADABLE', `cannot write ${path.basename(target)}: ${e.code ?? e.message}`, {
      file: path.basename(target),
    });
  }
}
