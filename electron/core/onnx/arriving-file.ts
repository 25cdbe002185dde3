/**
 * Reading a model file while it is still being written. In browser mode the server streams an
 * upload to `<name>.part` and renames it to `<name>` once every byte is there; the graph of a large
 * model is asked for as soon as the upload begins, so that the engine host reads and scans the
 * file while the rest of it is on its way instead of after it (graph/load.ts). Each piece read is
 * handed to a consumer at once; the whole file is returned once the server has renamed it.
 *
 * An upload that fails is removed by the server: the reader notices the file gone and says the
 * upload was interrupted, naming the file. It never reads past the size the upload declared.
 */
import * as fs from 'node:fs';
import { KilnError } from '../../shared/api/errors';

/** A file on its way: where it is written, where it ends up, and how many bytes it will have. */
export interface ArrivingFile {
  /** The final path (the file is renamed to it when complete). */
  path: string;
  /** Where the bytes are written until then. */
  partPath: string;
  bytes: number;
  displayName: string;
}

export interface ArrivingRead {
  bytes: Buffer;
  /** The complete file as it stands at `path`. */
  stat: fs.Stats;
  /** Milliseconds spent waiting for bytes (not reading or consuming them). */
  waitedMs: number;
  /** When the last byte was read (performance.now()); the rename is waited for after it. */
  lastByteAt: number;
}

/**
 * Longest pause between two looks at a file that has not grown. A look is one read call (tens of
 * microseconds): short pauses cost next to nothing and keep the wait after the last byte short.
 */
const MAX_POLL_MS = 4;
/** How often a file that has not grown is checked for still being there. */
const GONE_CHECK_MS = 100;

const interrupted = (file: string) =>
  new KilnError('FILE_UNREADABLE', `upload of ${file} was interrupted before it was complete`, { file });

const exists = (p: string) => fs.promises.stat(p).catch(() => null);

/**
 * Whether the upload is gone (neither its part file nor its final file is there). The part file is
 * looked at first: the server's rename makes one vanish as the other appears, so a part file
 * missing at one moment means a final file at any later one, unless the upload was removed.
 */
const gone = async (file: ArrivingFile) => !(await exists(file.partPath)) && !(await exists(file.path));

/**
 * Reads `file` as it arrives, calling `consume(bytes, available)` each time bytes [0, available)
 * have grown (synchronously: what it does with them runs before the next read). `cancelled` is
 * asked before every read and while waiting; when it returns an error, that error is thrown. The
 * buffer (the whole declared size) is made once the first bytes are there.
 */
export async function readArriving(
  file: ArrivingFile,
  consume: (bytes: Buffer, available: number) => void,
  cancelled: () => Error | null = () => null,
): Promise<ArrivingRead> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file.partPath, 'r');
  } catch {
    // Already complete (renamed), or gone.
    handle = await fs.promises.open(file.path, 'r').catch(() => {
      throw interrupted(file.displayName);
    });
  }
  let available = 0;
  let waitedMs = 0;
  /** The whole file's buffer, made once its first bytes are there (a begun upload may never send any). */
  let buf: Buffer | null = null;
  /** A pause before the next look, counted as waiting. */
  const pause = async (ms: number) => {
    const start = performance.now();
    await new Promise((r) => setTimeout(r, ms));
    waitedMs += performance.now() - start;
  };
  try {
    let delay = 1;
    let lastCheck = performance.now();
    while (available < file.bytes) {
      const stop = cancelled();
      if (stop) throw stop;
      if (!buf && (await handle.stat()).size > 0) buf = Buffer.allocUnsafe(file.bytes);
      const { bytesRead } = buf
        ? await handle.read(buf, available, file.bytes - available, available)
        : { bytesRead: 0 };
      if (buf && bytesRead > 0) {
        available += bytesRead;
        consume(buf, available);
        delay = 1;
        continue;
      }
      const now = performance.now();
      if (now - lastCheck >= GONE_CHECK_MS) {
        lastCheck = now;
        if (await gone(file)) throw interrupted(file.displayName);
      }
      await pause(delay);
      delay = Math.min(MAX_POLL_MS, delay * 2);
    }
    // Every byte is read; the server renames the file once it has closed it.
    const lastByteAt = performance.now();
    for (let delay = 1; ; delay = Math.min(MAX_POLL_MS, delay * 2)) {
      const stat = await exists(file.path);
      if (stat) {
        if (stat.size === file.bytes && buf) return { bytes: buf, stat, waitedMs, lastByteAt };
        throw interrupted(file.displayName);
      }
      if (await gone(file)) throw interrupted(file.displayName);
      const stop = cancelled();
      if (stop) throw stop;
      await pause(delay);
    }
  } finally {
    await handle.close();
  }
}
