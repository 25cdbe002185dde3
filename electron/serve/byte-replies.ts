/**
 * Big byte replies (the graph payload: tens of MB at 125k nodes) leave browser mode's WebSocket as a
 * short text message naming them, and the page fetches the bytes over HTTP. Chromium takes a big
 * WebSocket message in small pieces through several processes: 23.5 MB arrived in 130 ms idle and
 * 350-640 ms on a busy machine, where a fetch of the same bytes took 80-190 ms (test/bench/graph.mjs
 * measures it in the app). The bytes stay in memory only, each fetched once by the connection it
 * was made for, and are dropped when fetched, when that connection closes, or after a minute; a
 * connection that asks for big replies without fetching them holds at most PER_OWNER_BYTES, and all
 * connections together at most TOTAL_BYTES (the oldest goes first: its fetch then says it expired).
 */
import { randomBytes } from 'node:crypto';
import type * as http from 'node:http';
import { BROWSER_MODE } from '../shared/api/bridge';
import { BYTE_REPLY_MIN_BYTES } from '../shared/api/frames';

export { BYTE_REPLY_MIN_BYTES };

/** How long an unfetched reply is kept (a page that went away never fetches it). */
const KEEP_MS = 60_000;
/** Unfetched bytes one connection may hold: a few 125k-node graphs (23.5 MB each). */
export const PER_OWNER_BYTES = 256 * 1024 * 1024;
/** Unfetched bytes all connections together may hold. */
export const TOTAL_BYTES = 1024 * 1024 * 1024;

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
  /** Kept replies, oldest first (a Map keeps insertion order). */
  private readonly held = new Map<string, Held>();
  private total = 0;

  constructor(
    private readonly limits: { perOwner: number; total: number } = { perOwner: PER_OWNER_BYTES, total: TOTAL_BYTES },
  ) {}

  /** Keeps `bytes` for `owner` (its connection) and returns the id to fetch them by. */
  put(bytes: Uint8Array, owner: object): string {
    const id = randomBytes(16).toString('hex');
    this.makeRoom(bytes.byteLength, owner);
    const timer = setTimeout(() => {
      const h = this.held.get(id);
      if (h) this.drop(id, h);
    }, KEEP_MS);
    timer.unref();
    this.held.set(id, { bytes, owner, timer });
    this.total += bytes.byteLength;
    return id;
  }

  /** Drops the oldest unfetched replies, the owner's first, until `bytes` more fit both limits. */
  private makeRoom(bytes: number, owner: object): void {
    let mine = 0;
    for (const h of this.held.values()) if (h.owner === owner) mine += h.bytes.byteLength;
    for (const [id, h] of this.held) {
      if (mine + bytes <= this.limits.perOwner) break;
      if (h.owner !== owner) continue;
      mine -= h.bytes.byteLength;
      this.drop(id, h);
    }
    for (const [id, h] of this.held) {
      if (this.total + bytes <= this.limits.total) break;
      this.drop(id, h);
    }
  }

  /** Unfetched bytes kept now, all connections together. */
  get bytes(): number {
    return this.total;
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
    if (this.held.delete(id)) this.total -= h.bytes.byteLength;
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
