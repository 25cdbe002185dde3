/**
 * Opening a model file: the checks a user's file needs before and after decoding, each failing
 * with a KilnError that names the file and what is wrong, in plain words (open-errors.ts). External data is resolved against the
 * model's folder and refused when it would leave it (absolute paths, `..`, links pointing out —
 * the ONNX external-data path-traversal CVE class).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KilnError } from '../../shared/api/errors';
import { MAX_MODEL_FILE_BYTES, modelFileTooLarge } from '../../shared/api/sources';
import { decodeModel } from './decode';
import { ModelLimitError } from './limits';
import { DataType, dtypeName, onnxDtypeBits } from './dtypes';
import { fileKind, isByteCount } from './file-range';
import { elementCount, type GraphProto, type ModelProto, type TensorProto } from './model';
import { notAModelError } from './open-errors';
import { WireError } from './wire';

export interface OpenedModel {
  model: ModelProto;
  /** Absolute path of the .onnx file (tensors' raw offsets refer to it). */
  path: string;
  displayName: string;
  fileBytes: number;
  sha256: string;
  warnings: string[];
  /** The file's bytes: raw and typed tensor data are read from here when needed (offsets in `model`). */
  bytes: Uint8Array;
}

/** Reads and decodes a model from disk. */
export async function openModelFile(filePath: string, displayName = path.basename(filePath)): Promise<OpenedModel> {
  const { bytes, absPath } = await readModelFile(filePath, displayName);
  return openModelBytes(bytes, absPath, displayName);
}

/**
 * The bytes of the last file read with `handOff`, for the next read of that file while it is
 * unchanged (path, mtime, size), once: the graph view reads a file's bytes first (graph/load.ts)
 * and the full open right after reads the same file again. Any other read lets them go.
 */
let handedOff: { abs: string; mtimeMs: number; size: number; bytes: Buffer } | null = null;

/**
 * Reads a model file's bytes after the checks a file needs (a folder, empty, over 2 GiB), without
 * decoding: a caller opening two models starts both reads before decoding either. With `handOff`
 * the bytes are kept for the next read of the same unchanged file (see `handedOff`).
 */
export async function readModelFile(
  filePath: string,
  displayName = path.basename(filePath),
  options: { handOff?: boolean } = {},
): Promise<{ bytes: Buffer; absPath: string }> {
  const abs = path.resolve(filePath);
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(abs);
  } catch (err) {
    throw fileError(err, displayName);
  }
  if (stat.isDirectory())
    throw new KilnError('NOT_A_FILE', `${displayName} is a folder, not a model file`, { file: displayName });
  if (!stat.isFile()) throw new KilnError('NOT_A_FILE', `${displayName} is not a regular file`, { file: displayName });
  if (stat.size === 0) throw new KilnError('EMPTY_FILE', `${displayName} is empty (0 bytes)`, { file: displayName });
  if (stat.size > MAX_MODEL_FILE_BYTES) throw modelFileTooLarge(displayName, stat.size);
  const kept = handedOff;
  handedOff = null;
  if (kept && kept.abs === abs && kept.mtimeMs === stat.mtimeMs && kept.size === stat.size)
    return { bytes: kept.bytes, absPath: abs };
  let buf: Buffer;
  try {
    buf = await fs.promises.readFile(abs);
  } catch (err) {
    throw fileError(err, displayName);
  }
  if (options.handOff) handedOff = { abs, mtimeMs: stat.mtimeMs, size: stat.size, bytes: buf };
  return { bytes: buf, absPath: abs };
}

/**
 * Keeps bytes read another way (an upload read as it arrived, arriving-file.ts) for the next read
 * of that file while it is unchanged, as a read with `handOff` would. The file's checks (empty,
 * over 2 GiB) still run on that next read.
 */
export function handOffBytes(filePath: string, stat: fs.Stats, bytes: Buffer): void {
  handedOff = { abs: path.resolve(filePath), mtimeMs: stat.mtimeMs, size: stat.size, bytes };
}

/** Decodes bytes already in memory as the model at `absPath` (also what the fuzz tests drive). */
export function openModelBytes(buf: Uint8Array, absPath: string, displayName: string): OpenedModel {
  let model: ModelProto;
  try {
    model = decodeModel(buf);
  } catch (err) {
    // Plain words first (cut short, not a model and what it looks like); the decoder's underneath.
    if (err instanceof WireError) throw notAModelError(buf, displayName, { message: err.message, offset: err.offset });
    if (err instanceof ModelLimitError || err instanceof RangeError) {
      throw new KilnError('UNSUPPORTED', `${displayName} cannot be read: ${err.message}`, { file: displayName });
    }
    throw err;
  }
  if (!model.graph) throw notAModelError(buf, displayName, null);
  const warnings: string[] = [];
  if (model.irVersion < 3 || model.irVersion > 12)
    warnings.push(`unusual IR version ${model.irVersion} (Kiln knows IR 3 to 11)`);
  if (model.opsetImport.length === 0) warnings.push('the model declares no opset (IR 3 models assume ai.onnx opset 1)');
  resolveExternalData(model, path.dirname(absPath), displayName, warnings);
  checkStoredSizes(model, warnings);
  return {
    model,
    path: absPath,
    displayName,
    fileBytes: buf.length,
    sha256: createHash('sha256').update(buf).digest('hex'),
    warnings,
    bytes: buf,
  };
}

function fileError(err: unknown, file: string): KilnError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new KilnError('FILE_NOT_FOUND', `${file}: no such file`, { file });
  if (code === 'EISDIR') return new KilnError('NOT_A_FILE', `${file} is a folder, not a model file`, { file });
  if (code === 'EACCES' || code === 'EPERM')
    return new KilnError('FILE_UNREADABLE', `${file} cannot be read: permission denied`, { file });
  if (code === 'ELOOP') return new KilnError('NOT_A_FILE', `${file} is a link that loops, not a model file`, { file });
  // The system's message names the full path (a server's folders must not reach a client): its code only.
  return new KilnError('FILE_UNREADABLE', `${file} cannot be read (${code ?? 'error'})`, { file });
}

/** Calls `fn` for every tensor that can hold weights: initializers, sparse values, and tensor attributes, in every subgraph and function. */
export function forEachTensor(
  model: ModelProto,
  fn: (t: TensorProto, where: 'initializer' | 'attribute' | 'sparse') => void,
): void {
  const visitGraph = (g: GraphProto): void => {
    for (const t of g.initializer) fn(t, 'initializer');
    for (const sp of g.sparseInitializer) {
      if (sp.values) fn(sp.values, 'sparse');
      if (sp.indices) fn(sp.indices, 'sparse');
    }
    for (const n of g.node) visitAttrs(n.attribute);
  };
  const visitAttrs = (attrs: ModelProto['functions'][number]['attributeProto']): void => {
    for (const a of attrs) {
      if (a.t) fn(a.t, 'attribute');
      for (const t of a.tensors ?? []) fn(t, 'attribute');
      if (a.g) visitGraph(a.g);
      for (const g of a.graphs ?? []) visitGraph(g);
    }
  };
  if (model.graph) visitGraph(model.graph);
  for (const f of model.functions) for (const n of f.node) visitAttrs(n.attribute);
}

function resolveExternalData(model: ModelProto, dir: string, file: string, warnings: string[]): void {
  let realDir: string | undefined;
  const sizes = new Map<string, number | null>();
  forEachTensor(model, (t) => {
    if (t.data.kind !== 'external') return;
    const loc = t.data.location;
    const name = t.name || '(unnamed)';
    const unsafe = (why: string) =>
      new KilnError(
        'UNSAFE_PATH',
        `${file}: tensor ${name} has external data at "${loc}", which ${why}; Kiln only reads external data inside the model's folder`,
        {
          file,
        },
      );
    // A FIFO would block the first read forever, a folder fail with EISDIR, a device never end.
    const notRegular = (why: string) =>
      new KilnError(
        'NOT_A_FILE',
        `${file}: tensor ${name} has external data in "${loc}", which ${why}; Kiln only reads external data from regular files`,
        { file },
      );
    if (loc === '') throw unsafe('is empty');
    if (path.isAbsolute(loc) || path.win32.isAbsolute(loc) || /^[a-zA-Z]:/.test(loc))
      throw unsafe('is an absolute path');
    if (loc.split(/[\\/]/).includes('..')) throw unsafe('climbs out with ".."');
    if (loc.includes('\0')) throw unsafe('contains a NUL character');
    const full = path.resolve(dir, loc);
    if (!sizes.has(full)) {
      let size: number | null = null;
      try {
        const real = fs.realpathSync(full);
        realDir ??= fs.realpathSync(dir);
        if (real !== realDir && !real.startsWith(realDir + path.sep))
          throw unsafe('is a link that points outside the folder');
        const stat = fs.statSync(real);
        if (!stat.isFile()) throw notRegular(`is ${fileKind(stat)}`);
        size = stat.size;
      } catch (err) {
        if (err instanceof KilnError) throw err;
        if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw notRegular('is a link that loops');
        warnings.push(`external data file "${loc}" is missing; weights stored there cannot be read`);
      }
      sizes.set(full, size);
    }
    const size = sizes.get(full) ?? null;
    const { offset, length } = t.data;
    if (!isByteCount(offset) || (length !== null && !isByteCount(length))) {
      throw new KilnError(
        'NOT_ONNX',
        `${file}: tensor ${name} has an invalid external-data offset or length (offset ${offset}, length ${length ?? 'not given'}): both must be whole numbers of bytes`,
        { file },
      );
    }
    if (size !== null && offset + (length ?? 0) > size) {
      warnings.push(`tensor ${t.name}: external data runs past the end of "${loc}" (${size} bytes)`);
    }
    t.data.path = full;
  });
}

/** At most this many tensors are named in warnings about their dims; the rest are counted. */
const MAX_DIMS_WARNINGS = 20;

/**
 * Warns about tensors whose dims and stored data disagree (2^40 elements over 16 bytes): reading
 * them fails later, and a tool that trusts the dims would allocate what they say.
 */
function checkStoredSizes(model: ModelProto, warnings: string[]): void {
  let found = 0;
  forEachTensor(model, (t) => {
    const problem = storedSizeProblem(t);
    if (problem === null) return;
    if (++found <= MAX_DIMS_WARNINGS) warnings.push(`tensor ${t.name || '(unnamed)'}: ${problem}`);
  });
  if (found > MAX_DIMS_WARNINGS)
    warnings.push(`${found - MAX_DIMS_WARNINGS} more tensors have dims that disagree with the data they store`);
}

/** How a tensor's dims and its stored data disagree, or null when they agree (or cannot be compared). */
function storedSizeProblem(t: TensorProto): string | null {
  const d = t.data;
  if (d.kind === 'none' || d.kind === 'bytes') return null;
  const dims = `[${t.dims.join(', ')}]`;
  const n = elementCount(t.dims);
  if (!Number.isSafeInteger(n) || n < 0) return `its dims ${dims} do not make a valid number of elements`;
  const bits = onnxDtypeBits(t.dataType);
  const complex = t.dataType === DataType.COMPLEX64 || t.dataType === DataType.COMPLEX128;
  if (d.kind === 'typed') {
    if (bits === 0 && d.field !== 6) return null;
    // int32_data holds a 4-bit pair per entry; complex numbers are two values each.
    const want = d.field === 5 && bits === 4 ? Math.ceil(n / 2) : complex ? 2 * n : n;
    if (d.count === want) return null;
    return `its dims ${dims} make ${n} elements (${want} values) but it stores ${d.count} values`;
  }
  if (bits === 0) return null;
  const stored = d.length;
  if (stored === null) return null;
  const want = Math.ceil((n * bits) / 8);
  if (stored === want) return null;
  return `its dims ${dims} make ${n} elements (${want} bytes of ${dtypeName(t.dataType)}) but it stores ${stored} bytes`;
}
