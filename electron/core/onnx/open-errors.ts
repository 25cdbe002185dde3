/**
 * Why a file that was opened as a model is not one, said the way a user thinks about their file:
 * "cut short — was the download interrupted?", "not an ONNX model (it looks like text)". The
 * decoder's own words (byte offsets, wire types, field names) stay underneath, in the error's
 * details, for whoever reports the bug. This reads the file's first bytes and walks the model's
 * top-level fields on its own, so it depends on nothing inside the decoder but the message it threw.
 */
import { KilnError } from '../../shared/api/errors';

/** ModelProto's top-level fields and the wire type each is written with (0 varint, 2 length-delimited). */
const MODEL_FIELDS: ReadonlyMap<number, number> = new Map([
  [1, 0], // ir_version
  [2, 2], // producer_name
  [3, 2], // producer_version
  [4, 2], // domain
  [5, 0], // model_version
  [6, 2], // doc_string
  [7, 2], // graph
  [8, 2], // opset_import
  [14, 2], // metadata_props
  [20, 2], // training_info
  [25, 2], // functions
  [26, 2], // configuration
]);

const groupDigits = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

function size(n: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} bytes` : `${v.toFixed(1)} ${units[i]}`;
}

/**
 * What the top level of the file says when read as a model: where it needs more bytes than it has
 * (`needs`), whether it has a graph, and whether it starts the way every ONNX writer starts a model
 * (ir_version first, a small number).
 */
interface TopLevel {
  startsLikeOnnx: boolean;
  /** Bytes the model needs: the end of the first top-level field that runs past the end of the file. */
  needs?: number;
  hasGraph: boolean;
  /** A field that no ModelProto has in that form (another kind of file). */
  foreign: boolean;
}

function readTopLevel(buf: Uint8Array): TopLevel {
  let pos = 0;
  const varint = (): number | undefined => {
    let v = 0;
    for (let shift = 0; shift < 64; shift += 7) {
      if (pos >= buf.length) return undefined;
      const b = buf[pos++] as number;
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
    }
    return NaN;
  };
  const out: TopLevel = { startsLikeOnnx: false, hasGraph: false, foreign: false };
  let first = true;
  while (pos < buf.length) {
    const tag = varint();
    if (tag === undefined) return { ...out, needs: buf.length + 1 };
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    const expected = MODEL_FIELDS.get(field);
    if (!Number.isFinite(tag) || field === 0 || (expected !== undefined && expected !== wire) || wire > 5) {
      out.foreign = true;
      return out;
    }
    if (wire === 0) {
      const v = varint();
      if (v === undefined) return { ...out, needs: buf.length + 1 };
      if (first) out.startsLikeOnnx = field === 1 && v >= 1 && v <= 20;
    } else if (wire === 2) {
      const len = varint();
      if (len === undefined) return { ...out, needs: buf.length + 1 };
      if (!Number.isFinite(len)) {
        out.foreign = true;
        return out;
      }
      if (pos + len > buf.length) return { ...out, needs: pos + len };
      if (field === 7) out.hasGraph = true;
      pos += len;
    } else if (wire === 1 || wire === 5) {
      const n = wire === 1 ? 8 : 4;
      if (pos + n > buf.length) return { ...out, needs: pos + n };
      pos += n;
    } else {
      out.foreign = true; // groups (3, 4): no ONNX message uses them
      return out;
    }
    first = false;
  }
  return out;
}

const MAGIC: Array<[number[], number, string]> = [
  [[0x50, 0x4b, 0x03, 0x04], 0, 'a zip archive (a PyTorch checkpoint, or a zipped model: unzip it, or export to ONNX)'],
  [[0x50, 0x4b, 0x05, 0x06], 0, 'an empty zip archive'],
  [[0x1f, 0x8b], 0, 'a gzip archive (decompress it first)'],
  [[0x28, 0xb5, 0x2f, 0xfd], 0, 'a zstd archive (decompress it first)'],
  [[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], 0, 'an xz archive (decompress it first)'],
  [[0x42, 0x5a, 0x68], 0, 'a bzip2 archive (decompress it first)'],
  [[0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], 0, 'a 7-Zip archive (extract it first)'],
  [[0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59], 0, 'a NumPy array (.npy: input data, not a model)'],
  [[0x89, 0x50, 0x4e, 0x47], 0, 'a PNG image'],
  [[0xff, 0xd8, 0xff], 0, 'a JPEG image'],
  [[0x47, 0x49, 0x46, 0x38], 0, 'a GIF image'],
  [[0x25, 0x50, 0x44, 0x46], 0, 'a PDF document'],
  [[0x89, 0x48, 0x44, 0x46], 0, 'an HDF5 file (a Keras .h5 model? convert it with tf2onnx)'],
  [[0x54, 0x46, 0x4c, 0x33], 4, 'a TensorFlow Lite model (convert it with tf2onnx)'],
  [[0x80], 0, 'a Python pickle (a PyTorch or scikit-learn file? export it to ONNX)'],
  [[0x7f, 0x45, 0x4c, 0x46], 0, 'a program (ELF)'],
];

/** A short, printable start of a text file, for the message. */
function opening(text: string): string {
  const line = text.trim().split(/\r?\n/, 1)[0] ?? '';
  return line.length > 40 ? `${line.slice(0, 40)}…` : line;
}

/** What the bytes look like, as the end of "it looks like …" (or "it is …"), or undefined. */
export function looksLike(buf: Uint8Array): string | undefined {
  for (const [magic, at, what] of MAGIC)
    if (buf.length >= at + magic.length && magic.every((b, i) => buf[at + i] === b)) return `it looks like ${what}`;
  // safetensors: an 8-byte little-endian header length, then the JSON header.
  if (buf.length > 10 && buf[8] === 0x7b && buf[9] === 0x22 && buf[6] === 0 && buf[7] === 0)
    return 'it looks like safetensors weights (export the model to ONNX)';
  const head = buf.subarray(0, 1024);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(head.length < buf.length ? trimPartial(head) : head);
  } catch {
    return undefined;
  }
  let control = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0x7f) control++;
  }
  if (text.length === 0 || control > text.length * 0.05) return undefined;
  const t = text.trimStart().replace(/^\uFEFF/, '');
  if (t.startsWith('version https://git-lfs'))
    return 'it is a Git LFS pointer, not the file itself: fetch it with git lfs pull';
  if (/^<!doctype html|^<html/i.test(t))
    return 'it looks like an HTML page: a download that saved a web page instead of the file?';
  if (t.startsWith('<?xml') || t.startsWith('<')) return 'it looks like XML';
  if (t.startsWith('{') || t.startsWith('[')) {
    if (/"Layers"\s*:|"Bindings"\s*:|"I\/O Tensors"\s*:|"averageMs"|"latencyMs"/.test(t))
      return 'it looks like JSON, a trtexec export: import it in the Engine tab, beside the model it was built from';
    return 'it looks like JSON';
  }
  if (t.startsWith('ir_version') || /^\s*graph\s*\{/m.test(t))
    return 'it looks like ONNX in text form (onnx.printer / protobuf text format): save it as a binary .onnx';
  return `it looks like text, starting "${opening(t)}"`;
}

/** Drops a UTF-8 sequence cut off at the end of a sample. */
function trimPartial(b: Uint8Array): Uint8Array {
  let end = b.length;
  for (let k = 1; k <= 3 && end - k >= 0; k++) {
    const c = b[end - k] as number;
    if ((c & 0xc0) === 0x80) continue;
    if (c >= 0xc0) end -= k;
    break;
  }
  return b.subarray(0, end);
}

/**
 * The error for bytes that did not decode as a model (`technical`: the decoder's message, null when
 * they decoded but hold no graph). Plain words first; the decoder's in `details.detail`.
 */
export function notAModelError(
  buf: Uint8Array,
  file: string,
  technical: { message: string; offset?: number } | null,
): KilnError {
  const top = readTopLevel(buf);
  const details: Record<string, unknown> = {
    detail: technical?.message ?? 'the file decodes as protobuf but has no graph',
    ...(technical?.offset !== undefined ? { offset: technical.offset } : {}),
  };
  const like = looksLike(buf);
  if (top.startsLikeOnnx && !like) {
    if (top.needs !== undefined)
      return new KilnError(
        'NOT_ONNX',
        `${file} is cut short: it ends at byte ${groupDigits(buf.length)} of a model that needs at least ${groupDigits(top.needs)} bytes (${size(top.needs)}) — was the download or copy interrupted?`,
        { file, details: { ...details, reason: 'truncated', fileBytes: buf.length, needsBytes: top.needs } },
      );
    if (!top.hasGraph)
      return new KilnError(
        'NOT_ONNX',
        `${file} is cut short: it ends at byte ${groupDigits(buf.length)}, before the model's graph — was the download or copy interrupted?`,
        { file, details: { ...details, reason: 'truncated', fileBytes: buf.length } },
      );
    return new KilnError(
      'NOT_ONNX',
      `${file} starts like an ONNX model but is damaged${technical?.offset !== undefined ? ` near byte ${groupDigits(technical.offset)}` : ''}: get a fresh copy, or re-export it`,
      { file, details: { ...details, reason: 'damaged' } },
    );
  }
  const why = like
    ? ` (${like})`
    : technical
      ? ': its bytes are neither an ONNX model nor a format Kiln recognises (a damaged file, or another framework’s?)'
      : ': it is a protobuf message without a graph (an ONNX tensor, or another kind of message?)';
  return new KilnError('NOT_ONNX', `${file} is not an ONNX model${why}`, {
    file,
    details: { ...details, reason: 'not-onnx' },
  });
}
