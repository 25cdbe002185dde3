// The desktop app's Save as… and Show in folder for files Kiln made (issue 21 item 4), through the
// IPC gate with Electron's dialog and shell faked: a variant is copied where the user picks, a
// Triton repository is saved as a .zip, and nothing outside the variants and the export folder is
// ever handed over, whatever the renderer sends.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IpcMainInvokeEvent, WebContents } from 'electron';
import { attachIpc, CHANNELS } from '../../../electron/main/ipc';
import type { MadeFileDeps } from '../../../electron/main/made-files';

const APP_URL = 'file:///opt/kiln/dist/renderer/index.html';
const VARIANT = '0123456789abcdef-fedcba9876543210';
let root: string;
const saved: Record<string, string | undefined> = {};

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-made-'));
  for (const k of ['KILN_EXPORT_DIR', 'KILN_VARIANTS_DIR']) saved[k] = process.env[k];
  process.env.KILN_EXPORT_DIR = path.join(root, 'exports');
  process.env.KILN_VARIANTS_DIR = path.join(root, 'variants');
  fs.mkdirSync(path.join(root, 'exports', 'model_repository', 'cls', '1'), { recursive: true });
  fs.writeFileSync(path.join(root, 'exports', 'model_repository', 'cls', 'config.pbtxt'), 'name: "cls"\n');
  fs.writeFileSync(path.join(root, 'exports', 'model_repository', 'cls', '1', 'model.onnx'), 'onnx');
  fs.mkdirSync(path.join(root, 'variants', '0123456789abcdef'), { recursive: true });
  fs.writeFileSync(path.join(root, 'variants', '0123456789abcdef', 'fedcba9876543210.onnx'), 'variant bytes');
  fs.writeFileSync(path.join(root, 'secret.txt'), 'secret');
  fs.mkdirSync(path.join(root, 'picked'));
});
afterAll(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  fs.rmSync(root, { recursive: true, force: true });
});

type Handler = (e: unknown, ...args: unknown[]) => Promise<unknown>;

function setup(pick: string | null) {
  const handlers = new Map<string, Handler>();
  const contents = { mainFrame: { url: APP_URL }, isDestroyed: () => false, send: () => undefined };
  const ipcMain = {
    on: () => ipcMain,
    removeListener: () => ipcMain,
    handle: (ch: string, h: Handler) => void handlers.set(ch, h),
    removeHandler: (ch: string) => void handlers.delete(ch),
  };
  const asked: string[] = [];
  const shown: string[] = [];
  const madeFiles: MadeFileDeps = {
    showSaveDialog: async (name) => {
      asked.push(name);
      return pick;
    },
    showItemInFolder: (file) => void shown.push(file),
  };
  const detach = attachIpc({
    ipcMain: ipcMain as never,
    contents: contents as unknown as WebContents,
    appUrl: APP_URL,
    handler: async () => null,
    showOpenDialog: async () => null,
    madeFiles,
  });
  const event = { sender: contents, senderFrame: contents.mainFrame } as unknown as IpcMainInvokeEvent;
  const call = (ch: string, ...args: unknown[]) => handlers.get(ch)!(event, ...args);
  return { handlers, call, asked, shown, detach, contents };
}

describe('Save as… and Show in folder in the desktop app', () => {
  it('saves a copy of a variant under the name the user knows it by', async () => {
    const to = path.join(root, 'picked', 'cls.fp16.onnx');
    const s = setup(to);
    expect(await s.call(CHANNELS.saveMade, { variant: VARIANT }, 'cls.fp16.onnx')).toBe(to);
    expect(s.asked).toEqual(['cls.fp16.onnx']);
    expect(fs.readFileSync(to, 'utf8')).toBe('variant bytes');
  });

  it('saves a Triton repository as a .zip, and shows an export in its folder', async () => {
    const to = path.join(root, 'picked', 'cls.zip');
    const s = setup(to);
    const folder = path.join(root, 'exports', 'model_repository', 'cls');
    expect(await s.call(CHANNELS.saveMade, { exported: folder }, 'cls')).toBe(to);
    expect(s.asked).toEqual(['cls.zip']);
    const zip = fs.readFileSync(to);
    expect(zip.subarray(0, 4)).toEqual(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
    expect(zip.includes(Buffer.from('cls/config.pbtxt'))).toBe(true);
    await s.call(CHANNELS.showMade, { exported: folder });
    expect(s.shown).toEqual([fs.realpathSync(folder)]);
  });

  it('a cancelled dialog writes nothing', async () => {
    const s = setup(null);
    expect(await s.call(CHANNELS.saveMade, { variant: VARIANT }, 'x.onnx')).toBeNull();
  });

  it('refuses whatever is not a variant or an export, and anything from another frame', async () => {
    const s = setup(path.join(root, 'picked', 'stolen.txt'));
    for (const target of [
      { exported: path.join(root, 'secret.txt') },
      { exported: path.join(root, 'exports', '..', 'secret.txt') },
      { exported: path.join(root, 'exports') },
      { variant: '../secret' },
      { variant: VARIANT, exported: path.join(root, 'secret.txt') },
      'secret.txt',
      null,
    ])
      await expect(s.call(CHANNELS.saveMade, target, 'x'), JSON.stringify(target)).rejects.toThrow();
    await expect(s.call(CHANNELS.showMade, { exported: path.join(root, 'secret.txt') })).rejects.toThrow();
    expect(s.asked).toEqual([]);
    expect(s.shown).toEqual([]);
    expect(fs.existsSync(path.join(root, 'picked', 'stolen.txt'))).toBe(false);
    const stranger = { sender: s.contents, senderFrame: { url: 'https://evil.example/' } };
    await expect(s.handlers.get(CHANNELS.saveMade)!(stranger, { variant: VARIANT }, 'x')).rejects.toThrow(/refused/);
    s.detach();
    expect(s.handlers.size).toBe(0);
  });
});
