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
 * Names an upload before its bytes are sent (the server makes its file at once), so a model's graph
 * can be read while they arrive; `uploadFile(file, …, uploadId)` sends them.
 */
export async function beginUpload(file: File, signal?: AbortSignal): Promise<{ uploadId: string }> {
  let res: Response;
  try {
    res = await fetch(BROWSER_MODE.uploadBeginPath, {
      method: 'POST',
      headers: {
        [BROWSER_MODE.tokenHeader]: token(),
        [BROWSER_MODE.fileNameHeader]: encodeURIComponent(file.name),
        [BROWSER_MODE.uploadSizeHeader]: String(file.size),
      },
      ...(signal ? { signal } : {}),
    });
  } catch {
    if (signal?.aborted) throw new KilnError('CANCELLED', `upload of ${file.name} was cancelled`, { file: file.name });
    throw new KilnError('UNAVAILABLE', `upload of ${file.name} failed: the Kiln server cannot be reached`, {
      file: file.name,
    });
  }
  const body = (await res.json().catch(() => ({}))) as { error?: KilnErrorShape; uploadId?: string };
  if (signal?.aborted) throw new KilnError('CANCELLED', `upload of ${file.name} was cancelled`, { file: file.name });
  if (res.ok && body.uploadId) return { uploadId: body.uploadId };
  throw body.error
    ? KilnError.from(body.error)
    : new KilnError('FILE_UNREADABLE', `upload of ${file.name} failed (HTTP ${res.status})`, { file: file.name });
}

/** XHR rather than fetch: it reports upload progress. With `uploadId`, the bytes of a begun upload. */
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
    if (uploadId) xhr.setRequestHeader(BROWSER_MODE.uploadIdHeader, uploadId);
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
