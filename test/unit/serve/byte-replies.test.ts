// Browser mode keeps big replies in memory until the page fetches them (serve/byte-replies.ts): a
// connection that asks and never fetches must not hold the server's memory without bound. Each
// connection is held to its own limit (its oldest reply goes first) and all together to a total.
import { describe, expect, it } from 'vitest';
import { ByteReplies, PER_OWNER_BYTES, TOTAL_BYTES } from '../../../electron/serve/byte-replies';

const mb = (n: number) => new Uint8Array(n * 1024 * 1024);

describe('byte replies', () => {
  it('a reply is handed out once, and the bytes it held are counted back', () => {
    const r = new ByteReplies();
    const id = r.put(mb(2), {});
    expect(r.bytes).toBe(2 * 1024 * 1024);
    expect(r.take(id)?.byteLength).toBe(2 * 1024 * 1024);
    expect(r.take(id)).toBeUndefined();
    expect(r.bytes).toBe(0);
    expect(r.size).toBe(0);
  });

  it('one connection that never fetches keeps only its newest replies within its limit', () => {
    const r = new ByteReplies({ perOwner: 10 * 1024 * 1024, total: 100 * 1024 * 1024 });
    const greedy = {};
    const polite = {};
    const theirs = r.put(mb(4), polite);
    const ids = [1, 2, 3, 4, 5].map(() => r.put(mb(4), greedy));
    // 5 × 4 MB asked, 10 MB allowed: the three oldest went, the two newest stay.
    expect(ids.map((id) => r.take(id) !== undefined)).toEqual([false, false, false, true, true]);
    // Another connection's reply is not the greedy one's to push out.
    expect(r.take(theirs)?.byteLength).toBe(4 * 1024 * 1024);
    expect(r.bytes).toBe(0);
  });

  it('all connections together stay within the total, the oldest reply going first', () => {
    const r = new ByteReplies({ perOwner: 10 * 1024 * 1024, total: 12 * 1024 * 1024 });
    const a = r.put(mb(5), {});
    const b = r.put(mb(5), {});
    const c = r.put(mb(5), {});
    expect(r.bytes).toBeLessThanOrEqual(12 * 1024 * 1024);
    expect([a, b, c].map((id) => r.take(id) !== undefined)).toEqual([false, true, true]);
  });

  it('a closed connection drops what it held; the defaults allow several 125k-node graphs', () => {
    const r = new ByteReplies();
    const owner = {};
    r.put(mb(3), owner);
    r.put(mb(3), owner);
    r.dropOwner(owner);
    expect(r.bytes).toBe(0);
    expect(PER_OWNER_BYTES).toBeGreaterThanOrEqual(4 * 24 * 1024 * 1024);
    expect(TOTAL_BYTES).toBeGreaterThanOrEqual(PER_OWNER_BYTES);
  });
});
