/**
 * The bridge between the sandboxed renderer and the main process: exactly the KilnBridge
 * interface, nothing more. A sandboxed preload can only require 'electron', so nothing else is
 * imported at run time (the channel names repeat electron/main/ipc.ts).
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import type { IpcRendererEvent } from 'electron';
import type { KilnBridge } from '../shared/api/bridge';
import type { ClientMessage } from '../shared/api/protocol';

const CALL = 'kiln:call';
const MESSAGE = 'kiln:message';
const OPEN_DIALOG = 'kiln:open-dialog';
const OPEN_PATH = 'kiln:open-path';
const SAVE_MADE = 'kiln:save-made';
const SHOW_MADE = 'kiln:show-made';
const samplePath = process.argv.find((a) => a.startsWith('--kiln-sample='))?.slice('--kiln-sample='.length) ?? '';

const bridge: KilnBridge = {
  send: (message: ClientMessage) => ipcRenderer.send(CALL, message),
  onMessage(listener) {
    const handler = (_event: IpcRendererEvent, message: unknown) => listener(message);
    ipcRenderer.on(MESSAGE, handler);
    return () => {
      ipcRenderer.removeListener(MESSAGE, handler);
    };
  },
  pathForFile: (file: File) => webUtils.getPathForFile(file),
  openFileDialog: () => ipcRenderer.invoke(OPEN_DIALOG) as Promise<string | null>,
  sampleModelPath: () => samplePath,
  onOpenPath(listener) {
    const handler = (_event: IpcRendererEvent, path: unknown) => {
      if (typeof path === 'string') listener(path);
    };
    ipcRenderer.on(OPEN_PATH, handler);
    return () => {
      ipcRenderer.removeListener(OPEN_PATH, handler);
    };
  },
  saveMadeFile: (target, suggestedName) =>
    ipcRenderer.invoke(SAVE_MADE, target, suggestedName) as Promise<string | null>,
  showMadeFile: (target) => ipcRenderer.invoke(SHOW_MADE, target) as Promise<void>,
};

contextBridge.exposeInMainWorld('kiln', bridge);
