// Electron main-process code with `electron` mocked (no Electron binary can be had here): the
// security policy, the IPC gate, and the utilityProcess host channel.
import { spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it, vi } from 'vitest';

const forked: FakeUtility[] = [];
class FakeUtility extends EventEmitter {
  pid = 4242;
  posted: unknown[] = [];
  killed = false;
  postMessage(m: unknown) {
    this.posted.push(m);
  }
  kill() {
    this.killed = true;
    return true;
  }
}
vi.mock('electron', () => ({
  utilityProcess: {
    fork: vi.fn(() => {
      const u = new FakeUtility();
      forked.push(u);
      return u;
    }),
  },
}));

import type { IpcMainEvent, WebContents } from 'electron';
import { attachIpc, CHANNELS } from '../../../electron/main/ipc';
import { lockDown, secureSession, secureWebPreferences } from '../../../electron/main/security';
import { utilitySpawner } from '../../../electron/main/utility-spawner';
import { createCallHandler } from '../../../electron/dispatch/dispatch';
import { HostSupervisor } from '../../../electron/dispatch/supervisor';

const APP_URL = 'file:///opt/kiln/dist/renderer/index.html';

class FakeContents extends EventEmitter {
  sent: Array<[string, unknown]> = [];
  mainFrame = { url: APP_URL };
  openHandler: (() => { action: string }) | undefined;
  send(channel: string, message: unknown) {
    this.sent.push([channel, message]);
  }
  isDestroyed() {
    return false;
  }
  setWindowOpenHandler(h: () => { action: string }) {
    this.openHandler = h;
  }
}

class FakeIpcMain {
  listeners = new Map<string, (e: unknown, raw: unknown) => void>();
  handlers = new Map<string, (e: unknown) => Promise<unknown>>();
  on(ch: string, l: (e: unknown, raw: unknown) => void) {
    this.listeners.set(ch, l);
    return this;
  }
  removeListener(ch: string) {
    this.listeners.delete(ch);
    return this;
  }
  handle(ch: string, h: (e: unknown) => Promise<unknown>) {
    this.handlers.set(ch, h);
  }
  removeHandler(ch: string) {
    this.handlers.delete(ch);
  }
}

function setup() {
  const contents = new FakeContents();
  const ipcMain = new FakeIpcMain();
  const supervisor = new HostSupervisor(() => {
    throw new Error('no host in this test');
  });
  const detach = attachIpc({
    ipcMain: ipcMain as never,
    contents: contents as unknown as WebContents,
    appUrl: APP_URL,
    handler: createCallHandler({ supervisor, transport: 'ipc', maxUploadBytes: null }),
    showOpenDialog: async () => '/models/a.onnx',
  });
  const event = (sender: unknown, frame: unknown) => ({ sender, senderFrame: frame }) as unknown as IpcMainEvent;
  const own = () => event(contents, contents.mainFrame);
  return { contents, ipcMain, detach, event, own };
}
const tick = () => new Promise((r) => setTimeout(r, 10));

describe('security policy', () => {
  it('the window is sandboxed, isolated and has no Node', () => {
    const prefs = secureWebPreferences('/p/preload.js', ['--kiln-sample=/s.onnx']);
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
    });
    expect(prefs?.additionalArguments).toEqual(['--kiln-sample=/s.onnx']);
  });

  it('blocks navigation, new windows and webviews', () => {
    const contents = new FakeContents();
    lockDown(contents as unknown as WebContents, APP_URL);
    const nav = { preventDefault: vi.fn() };
    contents.emit('will-navigate', nav, 'https://evil.example/');
    expect(nav.preventDefault).toHaveBeenCalled();
    const same = { preventDefault: vi.fn() };
    contents.emit('will-navigate', same, APP_URL);
    expect(same.preventDefault).not.toHaveBeenCalled();
    const webview = { preventDefault: vi.fn() };
    contents.emit('will-attach-webview', webview);
    expect(webview.preventDefault).toHaveBeenCalled();
    expect(contents.openHandler?.()).toEqual({ action: 'deny' });
  });

  it('sends a strict CSP on every response and denies permissions', () => {
    let headerHook: ((d: { responseHeaders: Record<string, string[]> }, cb: (r: unknown) => void) => void) | undefined;
    let permissionHook: ((wc: unknown, p: string, cb: (ok: boolean) => void) => void) | undefined;
    const session = {
      webRequest: { onHeadersReceived: (h: typeof headerHook) => (headerHook = h) },
      setPermissionRequestHandler: (h: typeof permissionHook) => (permissionHook = h),
      setPermissionCheckHandler: vi.fn(),
    };
    secureSession(session as never);
    let headers: unknown;
    headerHook?.({ responseHeaders: { 'x-a': ['1'] } }, (r) => (headers = r));
    expect(headers).toMatchObject({
      responseHeaders: { 'x-a': ['1'], 'Content-Security-Policy': [expect.stringContaining("default-src 'self'")] },
    });
    const granted: boolean[] = [];
    permissionHook?.({}, 'media', (ok) => granted.push(ok));
    expect(granted).toEqual([false]);
  });
});

describe('IPC gate', () => {
  it('answers a valid call from our own page', async () => {
    const { contents, ipcMain, own } = setup();
    ipcMain.listeners.get(CHANNELS.call)?.(own(), { type: 'call', id: 'c1', method: 'app.info', params: {} });
    await tick();
    expect(contents.sent).toEqual([
      [
        CHANNELS.message,
        { type: 'result', id: 'c1', ok: true, value: expect.objectContaining({ name: 'kiln', transport: 'ipc' }) },
      ],
    ]);
  });

  it('drops messages from another webContents, a subframe or another page', async () => {
    const { contents, ipcMain, event } = setup();
    const call = { type: 'call', id: 'x', method: 'app.info', params: {} };
    const l = ipcMain.listeners.get(CHANNELS.call);
    l?.(event(new FakeContents(), { url: APP_URL }), call);
    l?.(event(contents, { url: APP_URL }), call); // a frame that is not the main frame
    contents.mainFrame = { url: 'https://evil.example/' };
    l?.(event(contents, contents.mainFrame), call);
    await tick();
    expect(contents.sent).toEqual([]);
  });

  it('answers malformed messages and bad arguments with INVALID_ARGUMENT', async () => {
    const { contents, ipcMain, own } = setup();
    const l = ipcMain.listeners.get(CHANNELS.call);
    l?.(own(), 'not an object');
    l?.(own(), { type: 'call', id: 'm', method: 'model.open', params: { source: { kind: 'path', path: '' } } });
    await tick();
    expect(contents.sent.map(([, m]) => (m as { error?: { code: string } }).error?.code)).toEqual([
      'INVALID_ARGUMENT',
      'INVALID_ARGUMENT',
    ]);
  });

  it('the Open dialog answers only our window', async () => {
    const { ipcMain, own, event } = setup();
    const h = ipcMain.handlers.get(CHANNELS.openDialog);
    await expect(h?.(own())).resolves.toBe('/models/a.onnx');
    await expect(h?.(event(new FakeContents(), { url: APP_URL }))).rejects.toThrow('refused');
  });

  it('detach unwires the window', () => {
    const { ipcMain, detach } = setup();
    detach();
    expect(ipcMain.listeners.size).toBe(0);
    expect(ipcMain.handlers.size).toBe(0);
  });
});

describe('utilityProcess host channel', () => {
  it('maps messages, sends and exits', () => {
    const channel = utilitySpawner()();
    const child = forked.at(-1) as FakeUtility;
    const got: unknown[] = [];
    const exits: string[] = [];
    channel.onMessage((m) => got.push(m));
    channel.onExit((r) => exits.push(r));
    child.emit('message', { type: 'ready', pid: 4242 });
    channel.send({ type: 'cancel', id: '1' });
    expect(got).toEqual([{ type: 'ready', pid: 4242 }]);
    expect(child.posted).toEqual([{ type: 'cancel', id: '1' }]);
    expect(channel.pid).toBe(4242);
    child.emit('exit', 9);
    child.emit('exit', 9);
    expect(exits).toEqual(['exit code 9']);
    channel.send({ type: 'cancel', id: '2' });
    expect(child.posted).toHaveLength(1); // nothing is posted to a dead process
  });
});

describe('npm start without an Electron binary', () => {
  it('says so, points to browser mode and exits 1', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-electron-'));
    fs.writeFileSync(path.join(dir, 'package.json'), '{"name":"electron"}');
    const r = spawnSync(process.execPath, [path.resolve(__dirname, '../../../electron/main/start.js')], {
      encoding: 'utf8',
      env: { ...process.env, KILN_ELECTRON_DIR: dir, KILN_NO_ELECTRON_DOWNLOAD: '1' },
    });
    fs.rmSync(dir, { recursive: true, force: true });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('the Electron binary is not installed');
    expect(r.stderr).toContain('npm run serve');
  });
});
