// The renderer bundle's files as both front doors resolve them (browser mode's HTTP server and the
// desktop kiln:// protocol): a URL path is a file inside the bundle folder or a plain refusal, never
// a path outside it (issue 20, items 9 and 11).
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveRendererFile } from '../../../electron/platform/renderer-files';

const DIR = path.resolve('/opt/kiln/dist/renderer');

describe('resolveRendererFile', () => {
  it('maps / to the page and other paths to files in the bundle, with their type', () => {
    expect(resolveRendererFile(DIR, '/')).toEqual({
      ok: true,
      file: path.join(DIR, 'index.html'),
      type: 'text/html; charset=utf-8',
    });
    expect(resolveRendererFile(DIR, '/assets/index-abc.js')).toMatchObject({
      ok: true,
      file: path.join(DIR, 'assets', 'index-abc.js'),
      type: 'text/javascript; charset=utf-8',
    });
    expect(resolveRendererFile(DIR, '/assets/My%20Font.woff2')).toMatchObject({
      file: path.join(DIR, 'assets', 'My Font.woff2'),
    });
  });

  it.each(['/..%2f..%2fetc%2fpasswd', '/assets/%2e%2e/%2e%2e/%2e%2e/etc/passwd', '/..%5c..%5cwindows', '//etc/passwd'])(
    'refuses %s, which climbs out of the bundle or names its folder',
    (urlPath) => {
      const r = resolveRendererFile(DIR, urlPath);
      if (r.ok) expect(r.file.startsWith(DIR + path.sep)).toBe(true);
      else expect(r).toEqual({ ok: false, status: 404, message: 'not found' });
    },
  );

  it('a NUL or control character is not found; a malformed escape is a 400; neither names a path', () => {
    expect(resolveRendererFile(DIR, '/assets/%00')).toEqual({ ok: false, status: 404, message: 'not found' });
    expect(resolveRendererFile(DIR, '/a%0Ab')).toEqual({ ok: false, status: 404, message: 'not found' });
    const bad = resolveRendererFile(DIR, '/%E0%A4%A');
    expect(bad).toMatchObject({ ok: false, status: 400 });
    expect(JSON.stringify(bad)).not.toContain(DIR);
  });
});
