/** Where Kiln's own files are, whether running from sources (electron/...) or the build (dist/electron/...). */
import * as fs from 'node:fs';
import * as path from 'node:path';

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
