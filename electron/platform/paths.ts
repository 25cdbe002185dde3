/**
 * Where Kiln's own files are, whether running from sources (electron/...) or the build
 * (dist/electron/...), and where it keeps what it makes (variants, exports). Every process may ask:
 * the front doors resolve a variant id to its file, and find the export folder, without loading any
 * model code.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KilnError } from '../shared/api/errors';

let cached: string | undefined;

/** The folder holding Kiln's package.json. */
export function projectRoot(): string {
  if (cached) return cached;
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) {
      try {
        if ((JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name === 'kiln') return (cached = dir);
      } catch {
        // not ours; keep climbing
      }
    }
    dir = path.dirname(dir);
  }
  return (cached = path.resolve(__dirname, '../..'));
}

export const sampleModelPath = (): string =>
  path.join(projectRoot(), 'assets', 'sample', 'ch_ppocr_mobile_v2.0_cls_infer.onnx');

export function variantsDir(): string {
  return process.env.KILN_VARIANTS_DIR ?? path.join(os.homedir(), '.cache', 'kiln', 'variants');
}

/** Where exports go (Triton repositories, engines and their sidecars): KILN_EXPORT_DIR, else ~/kiln-exports. */
export function exportDir(): string {
  return process.env.KILN_EXPORT_DIR ?? path.join(os.homedir(), 'kiln-exports');
}

const ID = /^([a-f0-9]{16})-([a-f0-9]{16})$/;

/** Where variant `id` lives; refuses anything that is not an id Kiln made. */
export function variantPath(id: string): string {
  const m = ID.exec(id);
  if (!m) throw new KilnError('INVALID_ARGUMENT', `"${id}" is not a variant id`);
  return path.join(variantsDir(), m[1]!, `${m[2]}.onnx`);
}
