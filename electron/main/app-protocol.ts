/**
 * The desktop app's page comes from kiln://app/, a privileged custom scheme, not from file://. A
 * file:// page may read any file:// URL and shares its origin with every local file; kiln://app is
 * an origin of its own whose handler answers only for files inside the renderer bundle folder
 * (traversal, NUL bytes and bad escapes refused through platform/renderer-files.ts) and sends the
 * app's Content-Security-Policy with each response.
 */
import type { CustomScheme, Protocol } from 'electron';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { projectRoot } from '../platform/paths';
import { resolveRendererFile } from '../platform/renderer-files';
import type { RendererFile } from '../platform/renderer-files';
import { CSP } from '../shared/api/csp';

export const APP_SCHEME = 'kiln';
export const APP_HOST = 'app';
/** The page the window loads; the IPC gate and the navigation lock compare against it. */
export const APP_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/** The built renderer bundle (index.html and its assets): all that kiln://app serves. */
export const rendererBundleDir = (): string => path.join(projectRoot(), 'dist', 'renderer');

/**
 * Registered before the app is ready: a standard, secure scheme (an origin of its own, relative URLs,
 * a secure context) that the page may fetch its own modules from. No CSP bypass, no service workers.
 */
export const APP_SCHEME_PRIVILEGES: CustomScheme = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, codeCache: true },
};

/** Which bundle file a kiln:// URL names, or why none: only kiln://app/… paths inside `rendererDir`. */
export function appFileFor(rendererDir: string, requestUrl: string): RendererFile {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return { ok: false, status: 400, message: 'malformed URL' };
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST)
    return { ok: false, status: 404, message: 'not found' };
  return resolveRendererFile(rendererDir, url.pathname);
}

/** Answers kiln:// requests from the renderer bundle; call once the app is ready. */
export function serveAppProtocol(protocol: Pick<Protocol, 'handle'>, rendererDir: string): void {
  protocol.handle(APP_SCHEME, (request) => answer(rendererDir, request));
}

/** One kiln:// request's response (exported for tests: Electron is not loaded in them). */
export async function answer(rendererDir: string, request: Request): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return plain(405, 'method not allowed');
  const found = appFileFor(rendererDir, request.url);
  if (!found.ok) return plain(found.status, found.message);
  let body: Buffer;
  try {
    const stat = await fs.promises.stat(found.file);
    if (!stat.isFile()) return plain(404, 'not found');
    body = await fs.promises.readFile(found.file);
  } catch {
    return plain(404, 'not found');
  }
  return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), {
    status: 200,
    headers: {
      'content-type': found.type,
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-cache',
    },
  });
}

function plain(status: number, message: string): Response {
  return new Response(message, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } });
}
