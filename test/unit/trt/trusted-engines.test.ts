/**
 * The registry of engines Kiln may open (issue 20, item 7): entries keyed by the bytes' sha256, one
 * atomic file each; a torn, foreign or mislabelled entry reads as absent; "built" outranks
 * "trusted"; only a regular file is hashed; and engine.trust takes nothing without confirm: true.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../../../electron/shared/api/contract';
import {
  engineTrust,
  recordEngine,
  sha256OfFile,
  trustDir,
} from '../../../electron/core/backends/tensorrt/trusted-engines';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-trusted-engines-'));
const saved = process.env.KILN_CACHE_DIR;
beforeAll(() => {
  process.env.KILN_CACHE_DIR = path.join(work, 'cache');
});
afterAll(() => {
  if (saved === undefined) delete process.env.KILN_CACHE_DIR;
  else process.env.KILN_CACHE_DIR = saved;
  fs.rmSync(work, { recursive: true, force: true });
});

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

describe('trusted engines', () => {
  it('records an engine by its hash, in its own file, and reads it back', () => {
    const h = sha('engine one');
    expect(engineTrust(h)).toBeUndefined();
    const entry = recordEngine(h, 'trusted', 'one.engine');
    expect(entry).toMatchObject({ sha256: h, origin: 'trusted', name: 'one.engine' });
    expect(engineTrust(h)).toEqual(entry);
    expect(fs.readdirSync(trustDir())).toEqual([`${h}.json`]);
  });

  it('"built" outranks "trusted": a yes to a Kiln build changes nothing, a later build of trusted bytes upgrades it', () => {
    const built = sha('built');
    recordEngine(built, 'built', 'built.engine');
    expect(recordEngine(built, 'trusted', 'again.engine')).toMatchObject({ origin: 'built', name: 'built.engine' });
    const trusted = sha('trusted');
    recordEngine(trusted, 'trusted', 'mine.engine');
    expect(recordEngine(trusted, 'built', 'rebuilt.engine').origin).toBe('built');
    expect(engineTrust(trusted)?.origin).toBe('built');
  });

  it('a torn entry, one naming other bytes, or a name that is not a hash reads as not trusted', () => {
    const torn = sha('torn');
    fs.writeFileSync(path.join(trustDir(), `${torn}.json`), '{"sha256": "');
    expect(engineTrust(torn)).toBeUndefined();
    const other = sha('other');
    const entry = { ...recordEngine(sha('real'), 'trusted', 'real.engine') };
    fs.writeFileSync(path.join(trustDir(), `${other}.json`), JSON.stringify(entry));
    expect(engineTrust(other)).toBeUndefined();
    expect(engineTrust('../../etc/passwd')).toBeUndefined();
    expect(() => recordEngine('not-a-hash', 'trusted', 'x')).toThrow(/not a sha256/);
  });

  it('hashes regular files only: a folder or a FIFO is refused, not read (a FIFO would block)', () => {
    const file = path.join(work, 'a.engine');
    fs.writeFileSync(file, 'bytes');
    expect(sha256OfFile(file)).toBe(sha('bytes'));
    expect(() => sha256OfFile(work)).toThrow(/not a regular file/);
    const fifo = path.join(work, 'fifo.engine');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    expect(() => sha256OfFile(fifo)).toThrow(/not a regular file/);
    expect(() => sha256OfFile(path.join(work, 'missing.engine'))).toThrow(/no such file/);
  });

  it('engine.trust needs confirm: true (the explicit yes) and a path or an upload, never a variant', () => {
    const request = api['engine.trust'].request;
    const engine = { kind: 'path', path: '/tmp/x.engine' };
    expect(request.safeParse({ engine, confirm: true }).success).toBe(true);
    expect(request.safeParse({ engine }).success).toBe(false);
    expect(request.safeParse({ engine, confirm: false }).success).toBe(false);
    expect(request.safeParse({ engine, confirm: 'yes' }).success).toBe(false);
    const variant = { kind: 'variant', variantId: '0123456789abcdef-0123456789abcdef' };
    expect(request.safeParse({ engine: variant, confirm: true }).success).toBe(false);
  });
});
