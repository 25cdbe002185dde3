/**
 * What the Electron preload exposes to the renderer as `window.kiln` (through contextBridge), and
 * the HTTP surface of browser mode. Both transports carry the messages of ./protocol.ts.
 */
import type { ClientMessage } from './protocol';

export interface KilnBridge {
  /** Send a call or cancel message to the main process. */
  send(message: ClientMessage): void;
  /** Receive progress/result messages; returns an unsubscribe function. */
  onMessage(listener: (message: unknown) => void): () => void;
  /** The absolute path of a dropped file (Electron's webUtils.getPathForFile). */
  pathForFile(file: File): string;
  /** Ask main to show the native Open dialog; resolves to a path or null when cancelled. */
  openFileDialog(): Promise<string | null>;
  /** Absolute path of the bundled sample model (for "Open sample model"). */
  sampleModelPath?(): string;
  /** Files the user opened from the app menu (or the OS); returns an unsubscribe function. */
  onOpenPath?(listener: (path: string) => void): () => void;
}

/** Browser mode (`npm run serve`). The token comes from the page URL (`?token=...`). */
export const BROWSER_MODE = {
  /** WebSocket endpoint: `ws://<host>/api?token=<token>`. */
  wsPath: '/api',
  /** Upload: POST raw bytes; headers below; reply {uploadId, fileName, bytes} or {error: KilnErrorShape}. */
  uploadPath: '/upload',
  tokenHeader: 'x-kiln-token',
  fileNameHeader: 'x-kiln-filename', // encodeURIComponent(file.name)
  /** Default upload limit; `serve --max-upload-mb` changes it. */
  defaultMaxUploadBytes: 4 * 1024 ** 3,
  /**
   * The largest message (UTF-8 bytes of its JSON) the WebSocket carries. The server's socket takes
   * no more (a bigger frame closes that connection with 1009), and the client refuses a bigger call
   * with TOO_LARGE before sending it, so the two always agree.
   */
  maxMessageBytes: 1024 * 1024,
} as const;
