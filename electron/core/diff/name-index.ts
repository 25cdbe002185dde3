/**
 * Node names of one model, indexed for the pairing's look-ups by name. A Map keyed by the names
 * would hash each string inside V8; the other side's names arrive fresh from a worker thread (no
 * hash cached on them), and 125,000 Map look-ups of such strings cost about four times what a
 * hash computed here over their characters and an open-addressing table of integers cost (the
 * strings themselves are compared only where the hashes agree).
 */

/** FNV-1a over UTF-16 code units, with Murmur3's finaliser so the low bits spread. */
export function nameHash(s: string): number {
  let h = 0x811c9dc5 ^ s.length;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** What find() answers for a name used more than once, and for one not there (or empty). */
export const NAME_TWICE = -1;
export const NAME_ABSENT = -2;

export class NameIndex {
  private readonly mask: number;
  /** Slot -> entry + 1 (0: empty). */
  private readonly slots: Int32Array;
  private readonly hashes: Int32Array;
  private readonly twice: Uint8Array;

  /** Indexes names[start .. start + count) as local ids 0 .. count - 1; empty names are left out. */
  constructor(
    private readonly names: readonly string[],
    private readonly start: number,
    count: number,
  ) {
    let size = 16;
    while (size < count * 2) size *= 2;
    this.mask = size - 1;
    this.slots = new Int32Array(size);
    this.hashes = new Int32Array(count);
    this.twice = new Uint8Array(count);
    for (let k = 0; k < count; k++) {
      const name = names[start + k] as string;
      if (!name) continue;
      const h = nameHash(name);
      this.hashes[k] = h;
      let slot = h & this.mask;
      for (;;) {
        const e = (this.slots[slot] as number) - 1;
        if (e < 0) {
          this.slots[slot] = k + 1;
          break;
        }
        if (this.hashes[e] === h && names[start + e] === name) {
          this.twice[e] = 1;
          break;
        }
        slot = (slot + 1) & this.mask;
      }
    }
  }

  /** The local id of the one entry with this name; NAME_TWICE when several have it, NAME_ABSENT when none. */
  find(name: string): number {
    if (!name) return NAME_ABSENT;
    const h = nameHash(name);
    for (let slot = h & this.mask; ; slot = (slot + 1) & this.mask) {
      const e = (this.slots[slot] as number) - 1;
      if (e < 0) return NAME_ABSENT;
      if (this.hashes[e] === h && this.names[this.start + e] === name) return this.twice[e] ? NAME_TWICE : e;
    }
  }
}
