/** Turning what the user gave (a dropped File, a dialog pick, the sample) into an open model. */
import type { ModelSource } from '../../../electron/shared/api/sources';
import { KilnError } from '../../../electron/shared/api/errors';
import { bridge } from '../api/transport';
import { newUploadId, uploadFile } from '../api/upload';
import { useApp } from '../state/app';
import { markOpen } from '../state/open-marks';

export function openFile(file: File): void {
  markOpen('chosen');
  const kiln = bridge();
  const { open } = useApp.getState();
  if (kiln) {
    // Electron: the main process reads the file where it is; nothing is copied.
    void open({ kind: 'path', path: kiln.pathForFile(file) }, file.name);
    return;
  }
  void open({ kind: 'upload', uploadId: '0'.repeat(32) }, file.name, async ({ signal, progress }) => {
    // Named here, so the graph is asked for at once: the engine host reads it while the bytes come.
    const uploadId = newUploadId();
    const arrived = uploadFile(
      file,
      (f) => progress({ fraction: f, stage: `Uploading ${file.name}` }),
      signal,
      uploadId,
    ).then(() => markOpen('uploaded'));
    // Awaited after the graph; until then a failure is not "unhandled".
    arrived.catch(() => undefined);
    return { source: { kind: 'upload', uploadId }, arrived };
  });
}

export async function openWithDialog(input: HTMLInputElement | null): Promise<void> {
  const kiln = bridge();
  if (kiln) {
    const path = await kiln.openFileDialog();
    if (path) void useApp.getState().open({ kind: 'path', path }, path.split(/[\\/]/).pop() ?? path);
    return;
  }
  input?.click();
}

export const SAMPLE_NAME = 'ch_ppocr_mobile_v2.0_cls_infer.onnx';

export async function openSample(): Promise<void> {
  const kiln = bridge();
  const samplePath = kiln?.sampleModelPath?.();
  if (kiln && samplePath) {
    void useApp.getState().open({ kind: 'path', path: samplePath }, SAMPLE_NAME);
    return;
  }
  try {
    const res = await fetch('sample.onnx');
    if (!res.ok)
      throw new KilnError('FILE_NOT_FOUND', `the sample model is missing from this Kiln install (HTTP ${res.status})`, {
        file: SAMPLE_NAME,
      });
    openFile(new File([await res.blob()], SAMPLE_NAME));
  } catch (err) {
    const shape =
      err instanceof KilnError
        ? err.toJSON()
        : {
            code: 'UNAVAILABLE' as const,
            message: `the sample model could not be fetched: ${String(err)}`,
            file: SAMPLE_NAME,
          };
    useApp.setState({ error: shape });
  }
}

/** Any file the user picked, as a source the engine host can read (path in Electron, upload in browser mode). */
export async function fileSource(file: File, signal?: AbortSignal): Promise<ModelSource> {
  const kiln = bridge();
  if (kiln) return { kind: 'path', path: kiln.pathForFile(file) };
  const up = await uploadFile(file, () => undefined, signal);
  return { kind: 'upload', uploadId: up.uploadId };
}
