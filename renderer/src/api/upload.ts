/** Browser mode: send a dropped file to the server, which streams it to a temp folder. */
import { BROWSER_MODE } from '../../../electron/shared/api/bridge';
import { KilnError } from '../../../electron/shared/api/errors';
import type { KilnErrorShape } from '../../../electron/shared/api/errors';
import { token } from './transport';

export interface Uploaded {
  uploadId: string;
  fileName: string;
  bytes: number;
}

/**
 * A fresh upload id (16 random bytes in hex, as the server makes them): a page that names its
 * upload can ask for the model's graph before the bytes are sent, and the engine host reads it
 * while they arrive (`uploadFile(file, …, id)`).
 */
export function newUploadId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * XHR rather than fetch: it reports upload progress. With `uploadId` (from `newUploadId`), the
 * upload is named by the page: it says its size, and the server begins it under that id.
 */
export function uploadFile(
  file: File,
  onProgress: (fraction: number) => void,
  signal?: AbortSignal,
  uploadId?: string,
): Promise<Uploaded> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new KilnError('CANCELLED', `upload of ${file.name} was cancelled`, { file: file.name }));
      return;
    }
    const xhr = new XMLHttpRequest();
    xhr.open('POST', BROWSER_MODE.uploadPath);
    xhr.setRequestHeader(BROWSER_MODE.tokenHeader, token());
    xhr.setRequestHeader(BROWSER_MODE.fileNameHeader, encodeURIComponent(file.name));
    if (uploadId) {
      xhr.setRequestHeader(BROWSER_MODE.uploadIdHeader, uploadId);
      xhr.setRequestHeader(BROWSER_MODE.uploadSizeHeader, String(file.size));
    }
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / Math.max(1, e.total));
    };
    xhr.onload = () => {
      let body: { error?: KilnErrorShape } & Partial<Uploaded> = {};
      try {
        body = JSON.parse(xhr.responseText) as typeof body;
      } catch {
        // fall through to the status check
      }
      if (xhr.status === 200 && body.uploadId) resolve(body as Uploaded);
      else
        reject(
          body.error
            ? KilnError.from(body.error)
            : new KilnError('FILE_UNREADABLE', `upload of ${file.name} failed (HTTP ${xhr.status})`, {
                file: file.name,
              }),
        );
    };
    xhr.onerror = () =>
      reject(
        new KilnError('UNAVAILABLE', `upload of ${file.name} failed: the Kiln server cannot be reached`, {
          file: file.name,
        }),
      );
    xhr.onabort = () => reject(new KilnError('CANCELLED', `upload of ${file.name} was cancelled`, { file: file.name }));
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(file);
  });
}
