// Issue 20, item 11: electron-builder.yml flipped no Electron fuses, so the packaged app could be run
// as plain Node (ELECTRON_RUN_AS_NODE), take NODE_OPTIONS or --inspect, and load code from outside
// its checked app.asar. The fuses are read here from the file itself, and each name is checked
// against electron-builder's own option type, so that a misspelt fuse cannot pass unnoticed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../../..');

/** The `electronFuses:` block of electron-builder.yml as name → value (a flat block of booleans). */
function fuses(): Record<string, string> {
  const lines = fs.readFileSync(path.join(ROOT, 'electron-builder.yml'), 'utf8').split('\n');
  const start = lines.findIndex((l) => /^electronFuses:\s*$/.test(l));
  const out: Record<string, string> = {};
  if (start < 0) return out;
  for (const line of lines.slice(start + 1)) {
    const m = /^\s+([A-Za-z]+):\s*(\S+)\s*$/.exec(line);
    if (!m) break;
    out[m[1]!] = m[2]!;
  }
  return out;
}

/** The fuse names electron-builder takes (its FuseOptionsV1 interface). */
function knownFuses(): string[] {
  const types = path.join(ROOT, 'node_modules', 'app-builder-lib', 'out', 'configuration.d.ts');
  const text = fs.readFileSync(types, 'utf8');
  const body = /export interface FuseOptionsV1 \{([\s\S]*?)\n\}/.exec(text)?.[1] ?? '';
  return [...body.matchAll(/^\s+(\w+)\?: boolean;/gm)].map((m) => m[1]!);
}

describe('Electron fuses in electron-builder.yml', () => {
  it('turn off running as Node, NODE_OPTIONS and --inspect; load only the checked app.asar', () => {
    expect(fuses()).toMatchObject({
      runAsNode: 'false',
      enableNodeOptionsEnvironmentVariable: 'false',
      enableNodeCliInspectArguments: 'false',
      enableEmbeddedAsarIntegrityValidation: 'true',
      onlyLoadAppFromAsar: 'true',
      grantFileProtocolExtraPrivileges: 'false',
    });
  });

  it('every fuse named is one electron-builder knows', () => {
    const known = knownFuses();
    expect(known).toContain('runAsNode');
    for (const name of Object.keys(fuses())) expect(known).toContain(name);
  });
});
