/**
 * Big byte replies through a file (platform/bulk-bytes.ts): what the host writes the parent reads
 * back whole and the file is gone; a reference to anything but a file the host could have made in
 * its folder is refused, and so is a file that came short.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isBulkRef, makeBulkDir, readBulk, removeBulkDir, writeBulk } from '../../../electron/platform/bulk-bytes';

let dir = '';
afterEach(() => removeBulkDir(dir));

describe('bulk byte replies', () => {
  it('the bytes come back whole and the file is removed', async () => {
    dir = makeBulkDir();
    const bytes = Uint8Array.from({ length: 3_000_000 }, (_, i) => i % 251);
    const ref = await writeBulk(dir, bytes);
    expect(isBulkRef(ref)).toBe(true);
    expect(fs.statSync(path.join(dir, ref.kilnBulkFile)).mode & 0o777).toBe(0o600);
    const back = readBulk(dir, ref);
    expect(Buffer.compare(back, bytes)).toBe(0);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('refuses names the host cannot have made, and files that came short', async () => {
    dir = makeBulkDir();
    for (const name of ['../../etc/passwd', '/etc/passwd', 'x.bin', `${'a'.repeat(32)}.bin/..`])
      expect(() => readBulk(dir, { kilnBulkFile: name, bytes: 1 })).toThrow(/cannot have written/);
    const ref = await writeBulk(dir, new Uint8Array(100));
    expect(() => readBulk(dir, { ...ref, bytes: 200 })).toThrow(/came short/);
    expect(fs.readdirSync(dir)).toEqual([]);
    expect(isBulkRef({ kilnBulkFile: 1, bytes: 2 })).toBe(false);
    expect(isBulkRef(new Uint8Array(4))).toBe(false);
  });
});
