// The packaged app runs scripts that are not reached by require from its entry: the engine host
// (forked by path, utility-spawner.ts) and the diff's worker thread (side-thread.ts loads
// side-worker.js beside itself). electron-builder.yml must ship both inside app.asar, where the
// modules they require live; unpacking a worker script alone would leave its relative requires
// pointing at files that are only in the archive. A worker that cannot start there is not an error:
// the diff opens both files on one thread (test/integration/diff-worker.test.ts holds that).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../../..');

/** A top-level list of electron-builder.yml (`files:`, `asarUnpack:`) as its entries. */
function topList(name: string): string[] {
  const lines = fs.readFileSync(path.join(ROOT, 'electron-builder.yml'), 'utf8').split('\n');
  const start = lines.findIndex((l) => l === `${name}:`);
  const out: string[] = [];
  if (start < 0) return out;
  for (const line of lines.slice(start + 1)) {
    if (/^\s*#/.test(line)) continue;
    const m = /^\s+-\s+'?([^']+?)'?\s*$/.exec(line);
    if (!m) break;
    out.push(m[1]!);
  }
  return out;
}

/** electron-builder's glob (`**` any folders, `*` within one name) as a test on a relative path. */
function globTest(glob: string): (file: string) => boolean {
  const source = glob
    .split(/(\*\*\/|\*\*|\*)/)
    .map((part) =>
      part === '**/'
        ? '(?:.*/)?'
        : part === '**'
          ? '.*'
          : part === '*'
            ? '[^/]*'
            : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('');
  const re = new RegExp(`^${source}$`);
  return (file) => re.test(file);
}

/** Whether `files:` ships `file` (its last matching pattern decides; `!` excludes). */
function shipped(file: string): boolean {
  let kept = false;
  for (const pattern of topList('files')) {
    const exclude = pattern.startsWith('!');
    if (globTest(exclude ? pattern.slice(1) : pattern)(file)) kept = !exclude;
  }
  return kept;
}

const unpacked = (file: string) => topList('asarUnpack').some((g) => globTest(g)(file));

describe('electron-builder.yml ships the scripts started by path', () => {
  const scripts = ['dist/electron/core/diff/side-worker.js', 'dist/electron/host/main.js'];

  it('reads the lists it checks', () => {
    expect(topList('files')).toContain('dist/electron/**');
    expect(topList('asarUnpack')).toContain('native/build/Release/*.node');
    expect(shipped('dist/electron/core/diff/side-worker.js.map')).toBe(false);
  });

  it('the diff worker and the engine host are shipped, inside app.asar beside what they require', () => {
    for (const file of scripts) {
      expect(fs.existsSync(path.join(ROOT, file.replace(/^dist\//, '').replace(/\.js$/, '.ts'))), file).toBe(true);
      expect(shipped(file), file).toBe(true);
      expect(unpacked(file), file).toBe(false);
    }
  });
});
