/**
 * A variant's name, kept beside its file (`<recipe hash>.name.json` next to `<recipe hash>.onnx`):
 * display metadata, so the name a variant was made with — or the one its user gave it — follows it
 * into comparisons, profiles and exports, while its id and its file stay as they are. A name a user
 * gave sticks when the same recipe is made again; a made one is made again with the variant. Any process may read it (the front doors name a variant source
 * by it); the engine host writes it when it makes a variant, a rename replaces it.
 */
import * as fs from 'node:fs';
import { KilnError } from '../shared/api/errors';
import { writeFileAtomic } from './atomic-write';
import { variantPath } from './paths';

/** Where variant `id`'s name is kept. */
export function variantNamePath(id: string): string {
  return variantPath(id).replace(/\.onnx$/, '.name.json');
}

/** What is kept: the name, and whether a user gave it (a made name is made again with its variant). */
function kept(id: string): { name: string; given: boolean } | null {
  try {
    const k: unknown = JSON.parse(fs.readFileSync(variantNamePath(id), 'utf8'));
    const { name, given } = (k && typeof k === 'object' ? k : {}) as { name?: unknown; given?: unknown };
    return typeof name === 'string' && name.length > 0 ? { name, given: given === true } : null;
  } catch {
    return null;
  }
}

/** The name kept for variant `id`, made or given, or null when none is (never throws for a missing or broken file). */
export function readVariantName(id: string): string | null {
  return kept(id)?.name ?? null;
}

/** The name a user gave variant `id`, or null: it wins over the name its recipe makes. */
export function givenVariantName(id: string): string | null {
  const k = kept(id);
  return k?.given ? k.name : null;
}

/** Keeps `name` for variant `id` (written whole or not at all); `given`: a user's, not made from the recipe. */
export function writeVariantName(id: string, name: string, given = false): void {
  writeFileAtomic(variantNamePath(id), `${JSON.stringify(given ? { name, given } : { name })}\n`);
}

/** Renames variant `id` (a name already validated by the API contract); refuses a variant that is not there. */
export function renameVariant(id: string, name: string): { id: string; name: string } {
  if (!fs.existsSync(variantPath(id)))
    throw new KilnError('FILE_NOT_FOUND', `there is no variant ${id} to rename (it may have been removed)`);
  writeVariantName(id, name, true);
  return { id, name };
}

/** Removes variant `id`'s file and its name. */
export function removeVariant(id: string): void {
  fs.rmSync(variantPath(id), { force: true });
  fs.rmSync(variantNamePath(id), { force: true });
}
