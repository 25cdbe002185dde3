/**
 * The files Kiln made, as a front door hands them to the user (browser mode's download route, the
 * desktop app's Save as… and Show in folder): a variant by its id, or a file or folder inside the
 * export folder. Nothing else, ever: an id is checked by `variantPath`, and a path is followed
 * through its symbolic links and must end inside the export folder (the folder itself excluded).
 * Anything else is refused with a KilnError, without saying what exists where.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MadeFileTarget } from '../shared/api/bridge';
import { KilnError } from '../shared/api/errors';
import { exportDir, variantPath, variantsDir } from './paths';

export interface MadeFile {
  /** Where it is on disk (symbolic links resolved). */
  path: string;
  kind: 'file' | 'folder';
  /** Its name as a user would save it (a folder's name; the caller adds .zip). */
  name: string;
}

const refused = (what: string) =>
  new KilnError('UNSAFE_PATH', `${what} is not a file Kiln made: only variants and exports can be handed over`);
const missing = (what: string) => new KilnError('FILE_NOT_FOUND', `${what} is no longer there`);

/** `real` is `root` or inside it. */
function inside(real: string, root: string): boolean {
  return real.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

function realOrNull(p: string): string | null {
  try {
    return fs.realpathSync(p);
  } catch {
    return null;
  }
}

export function resolveMadeFile(req: MadeFileTarget): MadeFile {
  if ('variant' in req) {
    const file = variantPath(req.variant); // refuses anything that is not an id
    const real = realOrNull(file);
    const root = realOrNull(variantsDir());
    if (!real || !root) throw missing(`variant ${req.variant}`);
    if (!inside(real, root) || !fs.statSync(real).isFile()) throw refused(`variant ${req.variant}`);
    return { path: real, kind: 'file', name: path.basename(file) };
  }
  const asked = req.exported;
  if (typeof asked !== 'string' || asked === '' || !path.isAbsolute(asked) || asked.includes('\0'))
    throw refused('that path');
  const root = realOrNull(exportDir());
  if (!root) throw missing(path.basename(asked));
  // Refused before looking further when the path itself leaves the export folder (no probing).
  if (!inside(path.resolve(asked), path.resolve(exportDir())) && !inside(path.resolve(asked), root))
    throw refused(path.basename(asked));
  const real = realOrNull(asked);
  if (!real) throw missing(path.basename(asked));
  if (!inside(real, root) || real === root) throw refused(path.basename(asked));
  const st = fs.statSync(real);
  if (!st.isFile() && !st.isDirectory()) throw refused(path.basename(asked));
  return { path: real, kind: st.isDirectory() ? 'folder' : 'file', name: path.basename(real) };
}
