/**
 * Electron main process: thin by design. It owns the window, menus, dialogs and security policy,
 * serves the renderer bundle from kiln://app, carries API calls over IPC to a Router, and runs model
 * work in the engine host (a utilityProcess that is restarted if it dies).
 */
import { app, dialog, ipcMain, Menu, protocol, session, shell } from 'electron';
import type { MenuItemConstructorOptions } from 'electron';
import type { CallHandler } from '../shared/api/router';
import { createCallHandler } from '../dispatch/dispatch';
import { HostSupervisor } from '../dispatch/supervisor';
import { APP_SCHEME_PRIVILEGES, rendererBundleDir, serveAppProtocol } from './app-protocol';
import { CHANNELS, attachIpc } from './ipc';
import { secureSession } from './security';
import { utilitySpawner } from './utility-spawner';
import { createWindow } from './window';

async function pickModel(parent: Electron.BrowserWindow): Promise<string | null> {
  const r = await dialog.showOpenDialog(parent, {
    title: 'Open an ONNX model',
    properties: ['openFile'],
    filters: [
      { name: 'ONNX models', extensions: ['onnx'] },
      { name: 'All files', extensions: ['*'] },
    ],
  });
  return r.canceled ? null : (r.filePaths[0] ?? null);
}

/** Remembers opened files in the OS's recent-documents list. */
function withRecentDocuments(handler: CallHandler): CallHandler {
  return async (method, params, run) => {
    const result = await handler(method, params, run);
    const source = (params as { source?: { kind: string; path?: string } }).source;
    if (method === 'model.open' && source?.kind === 'path' && source.path) app.addRecentDocument(source.path);
    return result;
  };
}

function buildMenu(openDialog: () => void): void {
  const isMac = process.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'Open…', accelerator: 'CmdOrCtrl+O', click: openDialog },
        { role: 'recentDocuments' as const, submenu: [{ role: 'clearRecentDocuments' as const }] },
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        ...(app.isPackaged ? [] : [{ role: 'reload' as const }, { role: 'toggleDevTools' as const }]),
        { role: 'togglefullscreen' },
      ],
    },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

function main(): void {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  // Before the app is ready, as Electron requires: kiln:// as a standard, secure scheme.
  protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);
  app.on('web-contents-created', (_e, contents) => {
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });

  void app.whenReady().then(() => {
    secureSession(session.defaultSession);
    serveAppProtocol(protocol, rendererBundleDir());
    const supervisor = new HostSupervisor(utilitySpawner(), { log: (line) => console.error(`[kiln] ${line}`) });
    // The host that reads models starts beside the window, so the first open does not wait for it.
    supervisor.startInteractive();
    const handler = withRecentDocuments(createCallHandler({ supervisor, transport: 'ipc', maxUploadBytes: null }));
    const { window, appUrl } = createWindow();
    const detach = attachIpc({
      ipcMain,
      contents: window.webContents,
      appUrl,
      handler,
      showOpenDialog: () => pickModel(window),
      madeFiles: {
        showSaveDialog: async (defaultName) => {
          const r = await dialog.showSaveDialog(window, { title: 'Save a copy', defaultPath: defaultName });
          return r.canceled ? null : (r.filePath ?? null);
        },
        showItemInFolder: (file) => shell.showItemInFolder(file),
      },
      log: (line) => console.error(`[kiln] ${line}`),
    });
    // The menu's Open picks the file here and hands its path to the renderer's usual open flow.
    buildMenu(() => {
      void pickModel(window).then((path) => {
        if (path && !window.isDestroyed()) window.webContents.send(CHANNELS.openPath, path);
      });
    });
    window.on('closed', () => {
      detach();
      supervisor.dispose();
      app.quit();
    });
  });
  app.on('window-all-closed', () => app.quit());
}

main();
