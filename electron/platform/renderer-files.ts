/**
 * The renderer bundle's files, for both front doors that serve them (browser mode's HTTP server and
 * the desktop app's kiln:// protocol): a URL path becomes a file inside the bundle folder, or a
 * refusal in plain words. Never a file outside the folder, and never an error that shows where the
 * folder is (Node's own messages for a NUL byte or a bad escape carry the full path).
 */
import * as path from 'node:path';

export const RENDERER_MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
};

export type RendererFile = { ok: true; file: string; type: string } | { ok: false; status: 400 | 404; message: string };

const NOT_FOUND: RendererFile = { ok: false, status: 404, message: 'not found' };

/** `urlPath` is a URL's pathname as it came (still percent-encoded); `/` is the page itself. */
export function resolveRendererFile(rendererDir: string, urlPath: string): RendererFile {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return { ok: false, status: 400, message: 'malformed URL: a % escape that is not valid UTF-8' };
  }
  // A NUL or another control character names no file of the bundle.
  for (let i = 0; i < decoded.length; i++) {
    const unit = decoded.charCodeAt(i);
    if (unit < 0x20 || unit === 0x7f) return NOT_FOUND;
  }
  const rel = urlPath === '/' ? 'index.html' : decoded.replace(/^\/+/, '');
  const root = path.resolve(rendererDir);
  const file = path.resolve(root, rel);
  if (!file.startsWith(root + path.sep)) return NOT_FOUND;
  return { ok: true, file, type: RENDERER_MIME[path.extname(file)] ?? 'application/octet-stream' };
}
