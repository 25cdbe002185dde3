/**
 * The layout's columns read straight from a graph payload's bytes (the KGP1 format of
 * electron/shared/api/graph-codec.ts), before the page decodes the rest. Decoding a 125k-node
 * payload (every node and tensor name, every tensor type) takes the main thread tens of
 * milliseconds; the layout needs none of it, only a few id columns and the group names. Reading
 * those here lets the layout worker start while the main thread decodes.
 *
 * Only a shortcut: anything unexpected gives null and the page prepares the layout from the decoded
 * payload as before; and the worker uses what it made only if it is the structure the view builds
 * (engine.ts checks it to the last box), so a misread costs time, never a wrong picture.
 */
import type { StructureColumns } from './structure';

const MAGIC = 0x3150474b; // "KGP1" read as a little-endian u32

interface Column {
  kind?: unknown;
  at?: unknown;
  count?: unknown;
  blobAt?: unknown;
  blobBytes?: unknown;
}

const align8 = (n: number) => (n + 7) & ~7;
const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0;

/** The columns the layout reads, copied out of `bytes` (which stay untouched); null if they cannot be read. */
export function structureColumnsFromBytes(bytes: Uint8Array): StructureColumns | null {
  try {
    if (bytes.byteLength < 8) return null;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (view.getUint32(0, true) !== MAGIC) return null;
    const headerBytes = view.getUint32(4, true);
    if (8 + headerBytes > bytes.byteLength) return null;
    const decoder = new TextDecoder();
    const header = JSON.parse(decoder.decode(bytes.subarray(8, 8 + headerBytes))) as {
      json?: { ops?: unknown };
      columns?: Record<string, Column>;
    };
    const start = align8(8 + headerBytes);
    const columns = header.columns ?? {};
    const region = (at: unknown, length: number): Uint8Array | null =>
      isCount(at) && start + at + length <= bytes.byteLength ? bytes.subarray(start + at, start + at + length) : null;
    /** A copy of an i32 column (a copy is aligned whatever the payload's offset, and can be handed over). */
    const ids = (name: string): Int32Array | null => {
      const c = columns[name];
      if (!c || c.kind !== 'i32' || !isCount(c.count)) return null;
      const r = region(c.at, c.count * 4);
      return r ? new Int32Array(r.slice().buffer) : null;
    };
    const names = (name: string): string[] | null => {
      const c = columns[name];
      if (!c || c.kind !== 'names' || !isCount(c.count) || !isCount(c.blobBytes)) return null;
      const lengths = region(c.at, c.count * 4);
      const blob = region(c.blobAt, c.blobBytes);
      if (!lengths || !blob) return null;
      const len = new Uint32Array(lengths.slice().buffer);
      const text = decoder.decode(blob);
      const out = new Array<string>(c.count);
      let pos = 0;
      for (let i = 0; i < c.count; i++) out[i] = text.slice(pos, (pos += len[i]!));
      return out;
    };
    const ops = header.json?.ops;
    const nodeName = columns.nodeName;
    if (!Array.isArray(ops) || !ops.every((o) => typeof o === 'string')) return null;
    if (!nodeName || !isCount(nodeName.count)) return null;
    const groupName = names('groupName');
    const nodeOp = ids('nodeOp');
    const nodeGroup = ids('nodeGroup');
    const groupParent = ids('groupParent');
    const edgeFrom = ids('edgeFrom');
    const edgeTo = ids('edgeTo');
    const edgeTensor = ids('edgeTensor');
    if (!groupName || !nodeOp || !nodeGroup || !groupParent || !edgeFrom || !edgeTo || !edgeTensor) return null;
    return {
      ops: ops as string[],
      nodeCount: nodeName.count,
      groupName,
      nodeOp,
      nodeGroup,
      groupParent,
      edgeFrom,
      edgeTo,
      edgeTensor,
    };
  } catch {
    return null;
  }
}
