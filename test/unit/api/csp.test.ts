// Issue 20, item 11: the page's CSP let it open a WebSocket to any host (connect-src ws: wss:).
// The desktop page may now connect to its own origin only, and browser mode's page to its own
// origin and its own server's WebSocket; a Host that could smuggle in a directive widens nothing.
import { describe, expect, it } from 'vitest';
import { browserModeCsp, CSP } from '../../../electron/shared/api/csp';

function directives(policy: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of policy.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) out.set(name, sources);
  }
  return out;
}

describe('Content-Security-Policy', () => {
  it('the desktop page connects to its own origin only', () => {
    expect(directives(CSP).get('connect-src')).toEqual(["'self'"]);
  });

  it('no policy allows a WebSocket (or anything) to any host by scheme alone', () => {
    for (const policy of [CSP, browserModeCsp('127.0.0.1:4317'), browserModeCsp('gpu-box.lan:4317')])
      for (const [, sources] of directives(policy))
        for (const bare of ['ws:', 'wss:', 'http:', 'https:', '*']) expect(sources).not.toContain(bare);
  });

  it("browser mode's page may reach its own server's WebSocket, named by its Host", () => {
    expect(directives(browserModeCsp('127.0.0.1:4317')).get('connect-src')).toEqual(["'self'", 'ws://127.0.0.1:4317']);
    expect(directives(browserModeCsp('[::1]:4317')).get('connect-src')).toEqual(["'self'", 'ws://[::1]:4317']);
    expect(directives(browserModeCsp('GPU-Box.lan')).get('connect-src')).toEqual(["'self'", 'ws://gpu-box.lan']);
  });

  it('a Host that is not plainly a name and port gets the strict policy, never an added directive', () => {
    for (const host of ["evil; script-src 'unsafe-inline'", 'a b', 'evil.example:80/x', ''])
      expect(browserModeCsp(host)).toBe(CSP);
  });

  it('everything else stays as strict as before', () => {
    const d = directives(CSP);
    expect(d.get('default-src')).toEqual(["'self'"]);
    expect(d.get('script-src')).toEqual(["'self'"]);
    expect(d.get('object-src')).toEqual(["'none'"]);
    expect(d.get('frame-ancestors')).toEqual(["'none'"]);
  });
});
