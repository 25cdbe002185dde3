/**
 * The Content-Security-Policy of the renderer page, as Electron's kiln:// protocol and browser mode
 * send it. The page may connect only to its own origin: the desktop app talks over IPC and needs no
 * connection at all; browser mode's page needs its own server's WebSocket, which is named outright
 * because 'self' covers ws: only in browsers that follow CSP Level 3 on that point (Safari did not).
 */
function policy(connectSrc: string): string {
  return (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
    `font-src 'self' data:; connect-src ${connectSrc}; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; ` +
    "frame-ancestors 'none'; form-action 'none'"
  );
}

/** The desktop app's policy: connections to the page's own origin only. */
export const CSP = policy("'self'");

/**
 * Browser mode's policy for a page served as `host` (the request's Host header, `name:port`, which
 * the server has already matched against its allowed names): 'self' and that host's WebSocket. A
 * host that is not plainly a name and port gets the desktop policy, never a widened one.
 */
export function browserModeCsp(host: string): string {
  const plain = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?$/i.test(host);
  return plain ? policy(`'self' ws://${host.toLowerCase()}`) : CSP;
}
