/**
 * The IPC transport of the desktop app: carries the API's messages between one window and a
 * Router, and answers the things only the main process can do (the Open dialog; Save as… and Show
 * in folder for files Kiln made). Messages from anything but our own page in our own window are dropped.
 */
import type { IpcMain, IpcMainEvent, IpcMainInvokeEvent, WebContents } from 'electron';
import type { CallHandler } from '../shared/api/router';
import { Router } from '../shared/api/router';
import { saveMadeFile, showMadeFile, type MadeFileDeps } from './made-files';

/** Channel names; the preload spells them again because a sandboxed preload cannot import. */
export const CHANNELS = {
  call: 'kiln:call',
  message: 'kiln:message',
  openDialog: 'kiln:open-dialog',
  openPath: 'kiln:open-path',
  saveMade: 'kiln:save-made',
  showMade: 'kiln:show-made',
} as const;

export interface IpcDeps {
  ipcMain: Pick<IpcMain, 'on' | 'removeListener' | 'handle' | 'removeHandler'>;
  contents: WebContents;
  /** The page the app loads (kiln://app/index.html); only it may call. */
  appUrl: string;
  handler: CallHandler;
  showOpenDialog: () => Promise<string | null>;
  /** Save as… and Show in folder for variants and exports (absent: the renderer offers neither). */
  madeFiles?: MadeFileDeps;
  log?: (line: string) => void;
}

export function isTrustedSender(
  event: IpcMainEvent | IpcMainInvokeEvent,
  contents: WebContents,
  appUrl: string,
): boolean {
  if (event.sender !== contents) return false;
  const frame = event.senderFrame;
  if (!frame || frame !== contents.mainFrame) return false;
  return frame.url.split('#')[0]?.split('?')[0] === appUrl;
}

/** Wires one window; returns a function that unwires it (the window closed). */
export function attachIpc(deps: IpcDeps): () => void {
  const { ipcMain, contents, appUrl } = deps;
  const router = new Router(deps.handler, (message) => {
    if (!contents.isDestroyed()) contents.send(CHANNELS.message, message);
  });
  const onCall = (event: IpcMainEvent, raw: unknown) => {
    if (!isTrustedSender(event, contents, appUrl)) {
      deps.log?.(`refused an IPC message from ${event.senderFrame?.url ?? 'an unknown frame'}`);
      return;
    }
    router.receive(raw);
  };
  ipcMain.on(CHANNELS.call, onCall);
  ipcMain.handle(CHANNELS.openDialog, async (event) => {
    if (!isTrustedSender(event, contents, appUrl)) throw new Error('refused: not the Kiln window');
    return deps.showOpenDialog();
  });
  const made = deps.madeFiles;
  if (made) {
    ipcMain.handle(CHANNELS.saveMade, async (event, target: unknown, name: unknown) => {
      if (!isTrustedSender(event, contents, appUrl)) throw new Error('refused: not the Kiln window');
      return saveMadeFile(target, name, made);
    });
    ipcMain.handle(CHANNELS.showMade, async (event, target: unknown) => {
      if (!isTrustedSender(event, contents, appUrl)) throw new Error('refused: not the Kiln window');
      showMadeFile(target, made);
    });
  }
  return () => {
    router.cancelAll();
    ipcMain.removeListener(CHANNELS.call, onCall);
    ipcMain.removeHandler(CHANNELS.openDialog);
    if (made) {
      ipcMain.removeHandler(CHANNELS.saveMade);
      ipcMain.removeHandler(CHANNELS.showMade);
    }
  };
}
