/**
 * The security policy of the desktop app: the renderer is sandboxed, isolated and has no Node;
 * it may not navigate, open windows, attach webviews or get permissions; every response carries
 * a strict Content-Security-Policy (the same one browser mode sends).
 */
import type { BrowserWindowConstructorOptions, Session, WebContents } from 'electron';
import { CSP } from '../shared/api/csp';

export function secureWebPreferences(
  preload: string,
  additionalArguments: string[],
): BrowserWindowConstructorOptions['webPreferences'] {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    spellcheck: false,
    additionalArguments,
  };
}

/** Applies the session-wide rules: CSP on every response, no permissions. */
export function secureSession(session: Session): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });
  session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}

/** Blocks navigation away from the app page, new windows and webviews. */
export function lockDown(contents: WebContents, appUrl: string): void {
  contents.on('will-navigate', (event, url) => {
    if (url !== appUrl) event.preventDefault();
  });
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}
