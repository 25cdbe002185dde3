/** Kiln's version, from package.json. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { projectRoot } from './paths';

function readVersion(): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')) as { version: string })
      .version;
  } catch {
    return '0.0.0';
  }
}

export const KILN_VERSION = readVersion();
