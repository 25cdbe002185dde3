// Issue 20, item 11: the desktop page was loaded from file://, which may read any local file and
// shares its origin with all of them. It now comes from kiln://app/, whose handler answers only for
// files inside the renderer bundle folder, refuses traversal, and sends the app's CSP. Electron is
// not loaded here: the handler is tested as the plain function it hands to protocol.handle.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  answer,
  APP_SCHEME_PRIVILEGES,
  APP_URL,
  appFileFor,
  serveAppProtocol,
} from '../../../electron/main/app-protocol';
import { CSP } from '../../../electron/shared/api/csp';

const DIR = path.resolve('/opt/kiln/dist/renderer');

describe('appFileFor', () => {
  it('maps kiln://app paths to files in the bundle', () => {
    expect(APP_URL).toBe('kiln://app/index.html');
    expect(appFileFor(DIR, APP_URL)).toEqual({
      ok: true,
      file: path.join(DIR, 'index.html'),
      type: 'text/html; charset=utf-8',
    });
    expect(appFileFor(DIR, 'kiln://app/')).toMatchObject({ ok: true, file: path.join(DIR, 'index.html') });
    expect(appFileFor(DIR, 'kiln://app/assets/index-abc.js?v=1#x')).toMatchObject({
      ok: true,
      file: path.join(DIR, 'assets', 'index-abc.js'),
      type: 'text/javascript; charset=utf-8',
    });
  });

  it.each([
    'kiln://app/..%2f..%2f..%2fetc%2fpasswd',
    'kiln://app/assets/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  ])('refuses %s, which climbs out of the bundle', (url) => {
    expect(appFileFor(DIR, url)).toEqual({ ok: false, status: 404, message: 'not found' });
  });

  it.each(['kiln://app/../../etc/passwd', 'kiln://app/%2e%2e/%2e%2e/secret'])(
    'a ../ that the URL parser folds away (%s) stays inside the bundle',
    (url) => {
      const r = appFileFor(DIR, url);
      expect(r.ok && r.file.startsWith(DIR + path.sep)).toBe(true);
    },
  );

  it('answers only for its own scheme and host', () => {
    for (const url of ['kiln://evil/index.html', 'file:///etc/passwd', 'https://app/index.html'])
      expect(appFileFor(DIR, url)).toMatchObject({ ok: false, status: 404 });
  });

  it('a NUL is not found and a malformed escape is a 400, neither naming the folder', () => {
    expect(appFileFor(DIR, 'kiln://app/assets/%00')).toMatchObject({ ok: false, status: 404 });
    const bad = appFileFor(DIR, 'kiln://app/%E0%A4%A');
    expect(bad).toMatchObject({ ok: false, status: 400 });
    expect(JSON.stringify(bad)).not.toContain(DIR);
  });
});

describe('the kiln:// handler', () => {
  let root: string;
  let bundle: string;
  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-bundle-'));
    bundle = path.join(root, 'renderer');
    fs.mkdirSync(path.join(bundle, 'assets'), { recursive: true });
    fs.writeFileSync(path.join(bundle, 'index.html'), '<!doctype html><title>Kiln</title>');
    fs.writeFileSync(path.join(bundle, 'assets', 'app.js'), 'console.log(1)');
    fs.writeFileSync(path.join(root, 'secret.txt'), 'not for the page');
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('serves the page with the app CSP, and its assets', async () => {
    const page = await answer(bundle, new Request(APP_URL));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(CSP);
    expect(await page.text()).toContain('<title>Kiln</title>');
    const js = await answer(bundle, new Request('kiln://app/assets/app.js'));
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await js.text()).toBe('console.log(1)');
  });

  it('refuses files outside the bundle, folders, missing files and other methods', async () => {
    const outside = await answer(bundle, new Request('kiln://app/..%2fsecret.txt'));
    expect(outside.status).toBe(404);
    expect(await outside.text()).not.toContain('not for the page');
    expect((await answer(bundle, new Request('kiln://app/assets'))).status).toBe(404);
    expect((await answer(bundle, new Request('kiln://app/missing.js'))).status).toBe(404);
    expect((await answer(bundle, new Request(APP_URL, { method: 'POST', body: 'x' }))).status).toBe(405);
    const bad = await answer(bundle, new Request('kiln://app/%E0%A4%A'));
    expect(bad.status).toBe(400);
    expect(await bad.text()).not.toContain(root);
  });

  it('is registered for the kiln scheme, privileged without bypassing CSP', async () => {
    const handlers = new Map<string, (r: Request) => Promise<Response> | Response>();
    serveAppProtocol({ handle: (scheme, h) => handlers.set(scheme, h) }, bundle);
    expect([...handlers.keys()]).toEqual(['kiln']);
    expect((await handlers.get('kiln')?.(new Request(APP_URL)))?.status).toBe(200);
    expect(APP_SCHEME_PRIVILEGES).toMatchObject({ scheme: 'kiln', privileges: { standard: true, secure: true } });
    expect(APP_SCHEME_PRIVILEGES.privileges?.bypassCSP).toBeFalsy();
    expect(APP_SCHEME_PRIVILEGES.privileges?.allowServiceWorkers).toBeFalsy();
  });
});
