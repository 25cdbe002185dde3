/**
 * The desktop app's hand-over of files Kiln made: Save as… (a native Save dialog; a folder such as
 * a Triton repository is saved as a .zip) and Show in folder. What the renderer names is checked by
 * platform/made-files.ts first, so nothing but variants and exports ever leaves through here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MadeFileTarget } from '../shared/api/bridge';
import { KilnError } from '../shared/api/errors';
import { copyFileAtomic, replaceAtomically } from '../platform/atomic-write';
import { resolveMadeFile } from '../platform/made-files';
import { folderEntries, writeZip } from '../platform/zip-stream';

/** What only the main process can do, given by main.ts (dialog, shell), faked in tests. */
export interface MadeFileDeps {
  /** The native Save dialog, opening on `defaultName`; the chosen path or null when cancelled. */
  showSaveDialog(defaultName: string): Promise<string | null>;
  showItemInFolder(file: string): void;
}

/** The target as the renderer sent it, checked for shape (an IPC message is untrusted input). */
export function asTarget(raw: unknown): MadeFileTarget {
  if (raw && typeof raw === 'object') {
    const r = raw as Record<string, unknown>;
    if (typeof r.variant === 'string' && !('exported' in r)) return { variant: r.variant };
    if (typeof r.exported === 'string' && !('variant' in r)) return { exported: r.exported };
  }
  throw new KilnError('INVALID_ARGUMENT', 'say which file: a variant id or an export path');
}

/** Copies the file (or zips the folder) to where the user picks; the path written, or null when cancelled. */
export async function saveMadeFile(raw: unknown, suggested: unknown, deps: MadeFileDeps): Promise<string | null> {
  const made = resolveMadeFile(asTarget(raw));
  const name = typeof suggested === 'string' && suggested.trim() !== '' ? path.basename(suggested) : made.name;
  const chosen = await deps.showSaveDialog(made.kind === 'folder' && !/\.zip$/i.test(name) ? `${name}.zip` : name);
  if (!chosen) return null;
  if (made.kind === 'file') copyFileAtomic(made.path, chosen);
  else
    await replaceAtomically(chosen, async (tmp) => {
      const out = fs.createWriteStream(tmp);
      await writeZip(folderEntries(made.path), out);
      await new Promise<void>((resolve, reject) => {
        out.on('error', reject);
        out.end(resolve);
      });
    });
  return chosen;
}

export function showMadeFile(raw: unknown, deps: MadeFileDeps): void {
  deps.showItemInFolder(resolveMadeFile(asTarget(raw)).path);
}
