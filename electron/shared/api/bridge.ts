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
  /** Save a copy of a file Kiln made (a folder as a .zip) where the user picks; the path, or null when cancelled. */
  saveMadeFile?(target: MadeFileTarget, suggestedName: string): Promise<string | null>;
  /** Show a file Kiln made in the system's file manager. */
  showMadeFile?(target: MadeFileTarget): Promise<void>;
}

/**
 * A file Kiln made, as the renderer names it to a front door: a variant by its id, or a path that
 * `model.export` returned (a file, or a folder such as a Triton repository). The front door checks
 * it is one of Kiln's (electron/platform/made-files.ts) before handing anything over.
 */
export type MadeFileTarget = { variant: string } | { exported: string };

/** Browser mode (`npm run serve`). The token comes from the page URL (`?token=...`). */
export const BROWSER_MODE = {
  /** WebSocket endpoint: `ws://<host>/api?token=<token>`. */
  wsPath: '/api',
  /** Upload: POST raw bytes; headers below; reply {uploadId, fileName, bytes} or {error: KilnErrorShape}. */
  uploadPath: '/upload',
  tokenHeader: 'x-kiln-token',
  fileNameHeader: 'x-kiln-filename', // encodeURIComponent(file.name)
  /**
   * An upload whose model is read while it arrives: the page names it (a fresh id of 32 hex
   * digits) and POSTs the bytes to `uploadPath` with the id and size headers, asking for its graph
   * (`model.graph` on that id) at the same time. Or in two steps: POST here with the file name and
   * size headers and no body, whose reply {uploadId} names it; then the bytes with the id header
   * alone. Any other call on the id is refused ("still being uploaded") until the bytes are in.
   */
  uploadBeginPath: '/upload/begin',
  uploadSizeHeader: 'x-kiln-upload-bytes',
  uploadIdHeader: 'x-kiln-upload-id',
  /** Download a file Kiln made: GET ?token=…&variant=<id>[&name=<file name>] or ?token=…&export=<path>. */
  downloadPath: '/download',
  /**
   * A big byte reply (see frames.ts `ByteReplyRef`): GET <path>/<id> with the token header, once,
   * over HTTP, which Chromium takes far faster than a WebSocket message of the same size.
   */
  byteReplyPath: '/api-bytes',
  /** Default upload limit; `serve --max-upload-mb` changes it. */
  defaultMaxUploadBytes: 4 * 1024 ** 3,
  /**
   * The largest message (UTF-8 bytes of its JSON) the WebSocket carries. The server's socket takes
   * no more (a bigger frame closes that connection with 1009), and the client refuses a bigger call
   * with TOO_LARGE before sending it, so the two always agree.
   */
  maxMessageBytes: 1024 * 1024,
} as const;
