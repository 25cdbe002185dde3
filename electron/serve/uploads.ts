/**
 * Uploaded models in browser mode: streamed to a private temp folder under a size limit, written
 * to a temp name and renamed when complete, and removed when they age out or the server stops.
 * An upload can also be begun before its bytes are sent (`begin`, then `receive`): its id is known
 * at once, so the engine host can read the model's graph while the bytes arrive.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { finished } from 'node:stream';
import type { Readable } from 'node:stream';
import { KilnError } from '../shared/api/errors';
import { MAX_MODEL_FILE_BYTES, modelFileTooLarge, UPLOAD_ID } from '../shared/api/sources';
import type { ResolvedSource } from '../dispatch/dispatch';

export interface UploadRecord extends ResolvedSource {
  uploadId: string;
  bytes: number;
  /** While its bytes are on their way (a begun upload): where they are written. */
  arriving?: { partPath: string; bytes: number };
  /** A begun upload whose bytes have started to come. */
  receiving?: boolean;
}

/** How long a begun upload waits for its bytes before it goes. */
const BEGUN_WAIT_MS = 60_000;

/**
 * Uploads are kept within a byte budget (twice the upload limit: the open model and one more, with
 * room for side files) and a generous count, least recently used first out. A user works on one
 * model at a time, which every call touches so it stays; side files (trtexec JSON, calibration
 * images) can come a few hundred at once, with no call on the model between them, so a small count
 * would evict the model and the first images before the variant that reads them is made.
 */
const KEEP_FILES = 10_000;
const MAX_NAME_BYTES = 200;

export class UploadStore {
  readonly dir: string;
  private readonly records = new Map<string, UploadRecord>();
  /** Ids being begun right now (a second begin of one is refused). */
  private readonly beginning = new Set<string>();
  /** Who waits for an id to be begun (`whenBegun`). */
  private readonly waiters = new Map<string, Set<() => void>>();

  /** `begunWaitMs`: how long a begun upload waits for its bytes before it goes (shorter in tests). */
  constructor(
    readonly maxBytes: number,
    private readonly begunWaitMs = BEGUN_WAIT_MS,
  ) {
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
    const finalPath = path.join(folder, displayName);
    const partPath = `${finalPath}.part`;
    let bytes = 0;
    try {
      await fs.promises.mkdir(folder);
      bytes = await this.write(body, partPath, 'wx', displayName);
      if (bytes === 0) throw new KilnError('EMPTY_FILE', `${displayName} is empty (0 bytes)`, { file: displayName });
      await fs.promises.rename(partPath, finalPath);
    } catch (err) {
      await fs.promises.rm(folder, { recursive: true, force: true });
      throw storeError(err, displayName);
    }
    const record: UploadRecord = { uploadId, path: finalPath, displayName, bytes };
    this.records.set(uploadId, record);
    await this.prune();
    return record;
  }

  /**
   * Begins an upload of `declaredBytes` bytes whose body comes later (`receive`): its folder and
   * empty part file exist from now on, so the engine host can open it and wait for the bytes.
   */
  async begin(fileName: string, declaredBytes: number, chosenId?: string): Promise<UploadRecord> {
    const displayName = sanitizeName(fileName);
    if (chosenId !== undefined && !UPLOAD_ID.test(chosenId))
      throw new KilnError('INVALID_ARGUMENT', 'the upload id header is not an upload id (32 hex digits)');
    if (chosenId !== undefined && (this.records.has(chosenId) || this.beginning.has(chosenId)))
      throw new KilnError('INVALID_ARGUMENT', `an upload with id ${chosenId} exists already`, { file: displayName });
    if (!Number.isSafeInteger(declaredBytes) || declaredBytes < 0)
      throw new KilnError('INVALID_ARGUMENT', `the upload of ${displayName} did not say its size`, {
        file: displayName,
      });
    if (declaredBytes === 0)
      throw new KilnError('EMPTY_FILE', `${displayName} is empty (0 bytes)`, { file: displayName });
    if (declaredBytes > this.maxBytes) throw tooLarge(displayName, declaredBytes, this.maxBytes);
    // A begun upload is a model to open: one past what an ONNX file can be is refused before a byte is sent.
    if (declaredBytes > MAX_MODEL_FILE_BYTES) throw modelFileTooLarge(displayName, declaredBytes);
    const uploadId = chosenId ?? randomBytes(16).toString('hex');
    const folder = path.join(this.dir, uploadId);
    const finalPath = path.join(folder, displayName);
    const partPath = `${finalPath}.part`;
    this.beginning.add(uploadId);
    try {
      await fs.promises.mkdir(folder);
      await fs.promises.writeFile(partPath, '', { flag: 'wx' });
    } catch (err) {
      await fs.promises.rm(folder, { recursive: true, force: true });
      throw storeError(err, displayName);
    } finally {
      this.beginning.delete(uploadId);
    }
    const record: UploadRecord = {
      uploadId,
      path: finalPath,
      displayName,
      bytes: declaredBytes,
      arriving: { partPath, bytes: declaredBytes },
    };
    this.records.set(uploadId, record);
    for (const wake of this.waiters.get(uploadId) ?? []) wake();
    this.waiters.delete(uploadId);
    // Bytes that never come: the begun upload goes (and a host waiting on it says so).
    setTimeout(() => {
      if (record.arriving && !record.receiving) this.discard(uploadId).catch(() => undefined);
    }, this.begunWaitMs).unref();
    await this.prune();
    return record;
  }

  /**
   * The bytes of a begun upload. Exactly the size it declared, or it fails; a failed upload is
   * removed (folder and record), which is how a host reading it learns it was interrupted.
   */
  async receive(uploadId: string, body: Readable, declaredBytes: number | undefined): Promise<UploadRecord> {
    const record = this.records.get(uploadId);
    if (!record?.arriving || record.receiving) {
      body.resume();
      throw new KilnError('INVALID_ARGUMENT', `no upload with id ${uploadId} is waiting for its bytes`);
    }
    const { displayName } = record;
    const expected = record.arriving.bytes;
    record.receiving = true;
    try {
      if (declaredBytes !== undefined && declaredBytes !== expected) {
        body.resume();
        throw new KilnError(
          'INVALID_ARGUMENT',
          `the upload of ${displayName} said it had ${expected} bytes but sent ${declaredBytes}`,
          { file: displayName },
        );
      }
      const bytes = await this.write(body, record.arriving.partPath, 'r+', displayName, expected);
      if (bytes !== expected)
        throw new KilnError('FILE_UNREADABLE', `upload of ${displayName} was interrupted`, { file: displayName });
      await fs.promises.rename(record.arriving.partPath, record.path);
    } catch (err) {
      this.records.delete(uploadId);
      await fs.promises.rm(path.dirname(record.path), { recursive: true, force: true });
      throw storeError(err, displayName);
    }
    delete record.arriving;
    delete record.receiving;
    // Just completed: the most recently used (the budget's pruning always keeps the last).
    this.records.delete(uploadId);
    this.records.set(uploadId, record);
    await this.prune();
    return record;
  }

  /**
   * Writes `body` to `file` (opened with `flags`); resolves with the bytes written once the file is
   * closed. More than `limit` bytes (the upload limit unless less is said) fails it.
   */
  private write(
    body: Readable,
    file: string,
    flags: string,
    displayName: string,
    limit = this.maxBytes,
  ): Promise<number> {
    let bytes = 0;
    return new Promise<number>((resolve, reject) => {
      const out = fs.createWriteStream(file, { flags });
      let settled = false;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        body.unpipe(out);
        body.resume(); // read the rest, so that the refusal can still be sent
        out.destroy();
        // The descriptor is closed before the folder is removed and the upload answered.
        if (out.closed) reject(err);
        else out.once('close', () => reject(err));
      };
      body.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > limit)
          fail(
            limit === this.maxBytes
              ? tooLarge(displayName, bytes, this.maxBytes)
              : new KilnError('INVALID_ARGUMENT', `the upload of ${displayName} sent more bytes than it said it had`, {
                  file: displayName,
                }),
          );
      });
      // finished() also answers for a request that ended badly before this listener existed: one
      // cut short, or run past its Content-Length, can be destroyed while the folder is made.
      finished(body, (err) => {
        if (err)
          fail(new KilnError('FILE_UNREADABLE', `upload of ${displayName} was interrupted`, { file: displayName }));
      });
      out.on('error', fail);
      out.on('close', () => {
        if (settled || !out.writableFinished) return;
        settled = true;
        resolve(bytes);
      });
      body.pipe(out);
    });
  }

  /**
   * Removes one upload: one whose client hung up before the reply carrying its id was sent, so that
   * nobody can ever name it (kept, it would sit in the folder until the budget pushed it out).
   */
  async discard(uploadId: string): Promise<void> {
    if (!this.records.delete(uploadId)) return;
    await fs.promises.rm(path.join(this.dir, uploadId), { recursive: true, force: true });
  }

  /**
   * Resolves once an upload of this id exists, or after `timeoutMs`, or when `signal` fires: a page
   * that names its upload itself asks for its graph while the request carrying it is on its way,
   * and may be heard first. Whoever waits then looks the id up (and says so if it is unknown).
   */
  whenBegun(uploadId: string, { timeoutMs, signal }: { timeoutMs: number; signal?: AbortSignal }): Promise<void> {
    if (this.records.has(uploadId) || signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const waiting = this.waiters.get(uploadId) ?? new Set<() => void>();
      this.waiters.set(uploadId, waiting);
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        waiting.delete(done);
        if (waiting.size === 0 && this.waiters.get(uploadId) === waiting) this.waiters.delete(uploadId);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal?.addEventListener('abort', done, { once: true });
      waiting.add(done);
    });
  }

  /** Removes everything; called when the server stops. */
  dispose(): void {
    for (const waiting of [...this.waiters.values()]) for (const wake of [...waiting]) wake();
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
      if (r.arriving) continue; // an upload on its way is in use
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

/**
 * What a failed upload says: its own KilnError, or a file-system failure in plain words that name
 * the file but never the server's upload folder (Node's messages carry the full path).
 */
function storeError(err: unknown, displayName: string): KilnError {
  if (err instanceof KilnError) return err;
  const code = (err as NodeJS.ErrnoException | null)?.code ?? '';
  const why: Record<string, string> = {
    ENOSPC: "the server's disk is full",
    EDQUOT: "the server's disk quota is used up",
    ENAMETOOLONG: 'its name is too long for the server',
    EACCES: "the server's upload folder cannot be written",
    EPERM: "the server's upload folder cannot be written",
    EROFS: "the server's upload folder cannot be written",
  };
  return new KilnError(
    'FILE_UNREADABLE',
    `${displayName} could not be stored: ${why[code] ?? `a file error (${code || 'unknown'})`}`,
    {
      file: displayName,
    },
  );
}

/**
 * A user's file name, made safe as a single path component: at most 200 UTF-8 bytes (file systems
 * allow 255, and `.part` is added while it uploads), cut between characters, never inside one.
 */
export function sanitizeName(name: string): string {
  let bytes = 0;
  const kept: string[] = [];
  const cleaned = [...name]
    .filter((c) => c.charCodeAt(0) >= 0x20) // control characters have no place in a file name
    .join('')
    .replace(/[/\\]/g, '_')
    .trim();
  for (const c of cleaned) {
    bytes += Buffer.byteLength(c);
    if (bytes > MAX_NAME_BYTES) break;
    kept.push(c);
  }
  const base = kept.join('');
  return base === '' || base === '.' || base === '..' ? 'model.onnx' : base;
}
