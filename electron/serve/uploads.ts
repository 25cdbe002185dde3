/**
 * Uploaded models in browser mode: streamed to a private temp folder under a size limit, written
 * to a temp name and renamed when complete, and removed when they age out or the server stops.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { KilnError } from '../shared/api/errors';
import type { ResolvedSource } from '../dispatch/dispatch';

export interface UploadRecord extends ResolvedSource {
  uploadId: string;
  bytes: number;
}

/**
 * Uploads are kept within a byte budget (twice the upload limit: the open model and one more, with
 * room for side files) and a generous count, least recently used first out. A user works on one
 * model at a time, which every call touches so it stays; side files (trtexec JSON, calibration
 * images) can come a few hundred at once, with no call on the model between them, so a small count
 * would evict the model and the first images before the variant that reads them is made.
 */
const KEEP_FILES = 10_000;

export class UploadStore {
  readonly dir: string;
  private readonly records = new Map<string, UploadRecord>();

  constructor(readonly maxBytes: number) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-uploads-'));
  }

  get(uploadId: string): UploadRecord | undefined {
    const record = this.records.get(uploadId);
    if (record) {
      // Map order is the eviction order: move what was just used to the back.
      this.records.delete(uploadId);
      this.records.set(uploadId, record);
    }
    return record;
  }

  /** Streams `body` to disk. `declaredBytes` (Content-Length) lets an oversized upload fail before any write. */
  async save(body: Readable, fileName: string, declaredBytes: number | undefined): Promise<UploadRecord> {
    const displayName = sanitizeName(fileName);
    if (declaredBytes !== undefined && declaredBytes > this.maxBytes) {
      body.resume();
      throw tooLarge(displayName, declaredBytes, this.maxBytes);
    }
    const uploadId = randomBytes(16).toString('hex');
    const folder = path.join(this.dir, uploadId);
    await fs.promises.mkdir(folder);
    const finalPath = path.join(folder, displayName);
    const partPath = `${finalPath}.part`;
    let bytes = 0;
    try {
      await new Promise<void>((resolve, reject) => {
        const out = fs.createWriteStream(partPath, { flags: 'wx' });
        const fail = (err: Error) => {
          body.unpipe(out);
          body.resume();
          out.destroy();
          reject(err);
        };
        body.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (bytes > this.maxBytes) fail(tooLarge(displayName, bytes, this.maxBytes));
        });
        body.on('aborted', () =>
          fail(new KilnError('FILE_UNREADABLE', `upload of ${displayName} was interrupted`, { file: displayName })),
        );
        body.on('error', fail);
        out.on('error', fail);
        out.on('finish', resolve);
        body.pipe(out);
      });
      if (bytes === 0) throw new KilnError('EMPTY_FILE', `${displayName} is empty (0 bytes)`, { file: displayName });
      await fs.promises.rename(partPath, finalPath);
    } catch (err) {
      await fs.promises.rm(folder, { recursive: true, force: true });
      throw err;
    }
    const record: UploadRecord = { uploadId, path: finalPath, displayName, bytes };
    this.records.set(uploadId, record);
    await this.prune();
    return record;
  }

  /** Removes everything; called when the server stops. */
  dispose(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
    this.records.clear();
  }

  /** Bytes kept before the least recently used uploads go. */
  get budgetBytes(): number {
    return 2 * this.maxBytes;
  }

  private async prune(): Promise<void> {
    let total = 0;
    for (const r of this.records.values()) total += r.bytes;
    // Oldest first; the upload just saved (the last) always stays.
    for (const [id, r] of [...this.records].slice(0, -1)) {
      if (this.records.size <= KEEP_FILES && total <= this.budgetBytes) break;
      this.records.delete(id);
      total -= r.bytes;
      await fs.promises.rm(path.join(this.dir, id), { recursive: true, force: true });
    }
  }
}

function tooLarge(file: string, bytes: number, max: number): KilnError {
  const mb = (n: number) => `${(n / 1024 ** 2).toFixed(1)} MB`;
  return new KilnError(
    'TOO_LARGE',
    `${file} is larger than the upload limit (${mb(bytes)}+ > ${mb(max)}); start serve with --max-upload-mb to raise it`,
    {
      file,
    },
  );
}

/** A user's file name, made safe as a single path component. */
export function sanitizeName(name: string): string {
  const base = [...name]
    .filter((c) => c.charCodeAt(0) >= 0x20) // control characters have no place in a file name
    .join('')
    .replace(/[/\\]/g, '_')
    .trim()
    .slice(0, 200);
  return base === '' || base === '.' || base === '..' ? 'model.onnx' : base;
}
