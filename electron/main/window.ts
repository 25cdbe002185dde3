/** The one Kiln window: secure preferences, locked navigation, the renderer bundle from kiln://app. */
import { BrowserWindow } from 'electron';
import * as path from 'node:path';
import { projectRoot, sampleModelPath } from '../platform/paths';
import { APP_URL } from './app-protocol';
import { lockDown, secureWebPreferences } from './security';

export interface KilnWindow {
  window: BrowserWindow;
  appUrl: string;
}

export function createWindow(): KilnWindow {
  const root = projectRoot();
  const appUrl = APP_URL;
  const window = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 900,
    minHeight: 560,
    title: 'Kiln',
    show: false,
    webPreferences: secureWebPreferences(path.join(root, 'dist', 'electron', 'preload', 'preload.js'), [
      `--kiln-sample=${sampleModelPath()}`,
    ]),
  });
  lockDown(window.webContents, appUrl);
  window.once('ready-to-show', () => window.show());
  window.loadURL(appUrl).catch((err: Error) => console.error(`[kiln] the app page did not load: ${err.message}`));
  return { window, appUrl };
}
