// Dropping a file on the app's drop zone, as a user drags one from their desktop: the one way the
// e2e specs open a model they have as bytes (a built model, a file from the zoo or the assets).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from '@playwright/test';

/** Drops `bytes` as a file named `name`. */
export async function dropBytes(page: Page, name: string, bytes: Uint8Array): Promise<void> {
  const dt = await page.evaluateHandle(
    ({ data, name }) => {
      const d = new DataTransfer();
      d.items.add(new File([new Uint8Array(data)], name, { type: 'application/octet-stream' }));
      return d;
    },
    { data: [...bytes], name },
  );
  await page.dispatchEvent('[data-testid=dropzone]', 'dragover', { dataTransfer: dt });
  await page.dispatchEvent('[data-testid=dropzone]', 'drop', { dataTransfer: dt });
}

/** Drops the file at `file` (or `bytes` under its name). */
export function dropFile(page: Page, file: string, bytes: Uint8Array = fs.readFileSync(file)): Promise<void> {
  return dropBytes(page, path.basename(file), bytes);
}
