/**
 * Big byte replies (the graph payload: tens of MB at 125k nodes) leave browser mode's WebSocket as a
 * short text message naming them, and the page fetches the bytes over HTTP. Chromium takes a big
 * WebSocket message in small pieces through several processes: 23.5 MB arrived in 130 ms idle and
 * 350-640 ms on a busy machine, where a fetch of the same bytes took 80-190 ms (test/bench/graph.mjs
 * measures it in the app). The bytes stay in memory only, each fetched once by the connection it
 * was made for, and are dropped when fetched, when that connection closes, or after a minute.
 */
import { randomBytes } from 'node:crypto';
import type * as http from 'node:http';
import { BROWSER_MODE } from '../shared/api/bridge';
import { BYTE_REPLY_MIN_BYTES } from '../shared/api/frames';

export { BYTE_REPLY_MIN_BYTES };

/** How long an unfetched reply is kept (a page that went away never fetches it). */
const KEEP_MS = 60_000;

interface Held {
  bytes: Uint8Array;
  owner: object;
  timer: NodeJS.Timeout;
}

export interface ByteReplyAccess {
  tokenOk(given: string | null | undefined): boolean;
  originOk(req: http.IncomingMessage): boolean;
}

export class ByteReplies {
  private readonly held = new Map<string, Held>();

  /** Keeps `bytes` for `owner` (its connection) and returns the id to fetch them by. */
  put(bytes: Uint8Array, owner: object): string {
    const id = randomBytes(16).toString('hex');
    const timer = setTimeout(() => this.held.delete(id), KEEP_MS);
    timer.unref();
    this.held.set(id, { bytes, owner, timer });
    return id;
  }

  /** The bytes of `id`, once: they are forgotten as they are handed out. */
  take(id: string): Uint8Array | undefined {
    const h = this.held.get(id);
    if (!h) return undefined;
    this.drop(id, h);
    return h.bytes;
  }

  /** Forgets every reply kept for `owner` (its connection closed). */
  dropOwner(owner: object): void {
    for (const [id, h] of this.held) if (h.owner === owner) this.drop(id, h);
  }

  /** Bytes kept now (tests check that nothing stays behind). */
  get size(): number {
    return this.held.size;
  }

  clear(): void {
    for (const [id, h] of this.held) this.drop(id, h);
  }

  private drop(id: string, h: Held): void {
    clearTimeout(h.timer);
    this.held.delete(id);
  }

  /**
   * Answers a GET of `<byteReplyPath>/<id>` (true when `url` is that path, whatever the outcome),
   * with the API's token in its header and from an allowed origin.
   */
  serve(req: http.IncomingMessage, res: http.ServerResponse, url: URL, access: ByteReplyAccess): boolean {
    const prefix = `${BROWSER_MODE.byteReplyPath}/`;
    if (!url.pathname.startsWith(prefix)) return false;
    const fail = (status: number, message: string) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ error: { code: status === 404 ? 'FILE_NOT_FOUND' : 'INVALID_ARGUMENT', message } }));
    };
    if (req.method !== 'GET') {
      fail(405, 'a reply is fetched with GET');
      return true;
    }
    if (!access.originOk(req)) {
      fail(403, 'origin not allowed');
      return true;
    }
    const token = req.headers[BROWSER_MODE.tokenHeader];
    if (!access.tokenOk(Array.isArray(token) ? token[0] : token)) {
      fail(401, 'missing or wrong token');
      return true;
    }
    const bytes = this.take(url.pathname.slice(prefix.length));
    if (!bytes) {
      fail(404, 'no such reply: it was fetched already, its connection closed, or it expired');
      return true;
    }
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': bytes.byteLength,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    res.end(bytes);
    return true;
  }
}
