/**
 * Browser mode's downloads: every file Kiln made, handed to the browser that asked for it. A GET of
 * `/download?token=…&variant=<id>[&name=<file name>]` or `…&export=<path model.export returned>`,
 * with the same token as the API (in the query: a link the browser follows cannot send a header).
 * Only what electron/platform/made-files.ts resolves comes out: a variant by its id, a file or
 * folder inside the export folder; a folder (a Triton repository) comes as a .zip made on the fly.
 */
import type * as http from 'node:http';
import * as fs from 'node:fs';
import { BROWSER_MODE, type MadeFileTarget } from '../shared/api/bridge';
import { toErrorShape, type ErrorCode } from '../shared/api/errors';
import { resolveMadeFile } from '../platform/made-files';
import { folderEntries, writeZip } from '../platform/zip-stream';

export interface DownloadAccess {
  tokenOk(given: string | null | undefined): boolean;
  originOk(req: http.IncomingMessage): boolean;
}

const STATUS: Partial<Record<ErrorCode, number>> = {
  INVALID_ARGUMENT: 400,
  UNSAFE_PATH: 403,
  FILE_NOT_FOUND: 404,
};

function fail(res: http.ServerResponse, status: number, code: ErrorCode, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify({ error: { code, message } }));
}

/** A file name safe to suggest: no folders, no control characters, not empty. */
function safeName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const clean = base.replace(/[\u0000-\u001f\u007f"]/g, '_').slice(0, 200);
  return clean === '' || clean === '.' || clean === '..' ? 'download' : clean;
}

/** Content-Disposition with an ASCII fallback and the UTF-8 name (RFC 6266 / 5987). */
function disposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/[\\"]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** True when it answered: `url` is the download path (whatever the outcome). */
export async function serveDownload(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
  access: DownloadAccess,
): Promise<boolean> {
  if (url.pathname !== BROWSER_MODE.downloadPath) return false;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    fail(res, 405, 'INVALID_ARGUMENT', 'a download needs GET');
    return true;
  }
  if (!access.originOk(req)) {
    fail(res, 403, 'INVALID_ARGUMENT', 'origin not allowed');
    return true;
  }
  if (!access.tokenOk(url.searchParams.get('token'))) {
    fail(res, 401, 'INVALID_ARGUMENT', 'missing or wrong token');
    return true;
  }
  const variant = url.searchParams.get('variant');
  const exported = url.searchParams.get('export');
  const target: MadeFileTarget | null = variant !== null ? { variant } : exported !== null ? { exported } : null;
  if (!target) {
    fail(res, 400, 'INVALID_ARGUMENT', 'say which file: variant=<id> or export=<path>');
    return true;
  }
  let made;
  try {
    made = resolveMadeFile(target);
  } catch (err) {
    const shape = toErrorShape(err);
    fail(res, STATUS[shape.code] ?? 500, shape.code, shape.message);
    return true;
  }
  const headers: Record<string, string | number> = {
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  };
  if (made.kind === 'folder') {
    res.writeHead(200, {
      ...headers,
      'content-type': 'application/zip',
      'content-disposition': disposition(safeName(`${made.name}.zip`)),
    });
    if (req.method === 'HEAD') {
      res.end();
      return true;
    }
    try {
      await writeZip(folderEntries(made.path), res);
      res.end();
    } catch {
      res.destroy(); // the browser shows the download failed; nothing half-written is claimed whole
    }
    return true;
  }
  const stat = fs.statSync(made.path);
  res.writeHead(200, {
    ...headers,
    'content-type': 'application/octet-stream',
    'content-length': stat.size,
    'content-disposition': disposition(safeName(url.searchParams.get('name') ?? made.name)),
  });
  if (req.method === 'HEAD') {
    res.end();
    return true;
  }
  await new Promise<void>((resolve) => {
    const stream = fs.createReadStream(made.path);
    stream.on('error', () => {
      res.destroy();
      resolve();
    });
    res.on('close', () => {
      stream.destroy();
      resolve();
    });
    stream.pipe(res);
  });
  return true;
}
