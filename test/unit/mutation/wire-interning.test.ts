/**
 * The string table's hard cases: two different names with the same 32-bit hash (found offline with
 * the table's own hash: FNV-1a over four-byte words and tail bytes, seeded with the length), which
 * only a byte comparison tells apart; and names that are prefixes of each other, met in the same
 * probe chain, which only the length tells apart. A table that confused them would give two tensors
 * one name, and wire the graph wrong without a word (npm run mutate -- wire).
 */
import { describe, expect, it } from 'vitest';
import { StringTable } from '../../../electron/core/onnx/wire';

/** Every name of `names`, laid end to end in one buffer, read back through one table. */
function readAll(names: string[]): { got: [string, number][]; table: StringTable } {
  const table = new StringTable(Buffer.from(names.join(''), 'latin1'));
  let at = 0;
  const got = names.map((n): [string, number] => {
    const s = table.get(at, at + n.length);
    at += n.length;
    return [s, table.lastId];
  });
  return { got, table };
}

describe('StringTable', () => {
  it('tells apart two names whose hashes collide, first word differing', () => {
    // Both hash to the same value under the table's hash; they share only the last byte.
    const pair = ['9vqawbycx', 'l23b8hbex'];
    const { got, table } = readAll([...pair, ...pair]);
    expect(got).toEqual([
      ['9vqawbycx', 0],
      ['l23b8hbex', 1],
      ['9vqawbycx', 0],
      ['l23b8hbex', 1],
    ]);
    expect(table.values).toEqual(pair);
  });

  it('tells apart names that are prefixes of each other, longest first, and finds each again', () => {
    const names = Array.from({ length: 1000 }, (_, i) => 'q'.repeat(1000 - i));
    const { got, table } = readAll([...names, ...names]);
    const wrong = got.filter(([s, id], i) => s !== names[i % 1000] || id !== i % 1000);
    expect(wrong).toEqual([]);
    expect(table.values).toHaveLength(1000);
  });
});
