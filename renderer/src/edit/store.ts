/**
 * Model surgery in the renderer: runs an edit (model.edit) or a fix (model.fix) of the open model as
 * a job, lists the new version under its parent, opens it and paints its difference to the parent
 * on its graph. A refused edit's message is kept under the action that asked for it, so the panel
 * shows it next to that button. Versions follow the open model: opening one of them keeps the list,
 * opening any other model starts a new one.
 */
import { create } from 'zustand';
import type { Edit } from '../../../electron/shared/api/edits';
import type { ModelSource } from '../../../electron/shared/api/sources';
import { useApp } from '../state/app';
import { runJob, type RunningJob } from '../state/job';
import { useGraphStore } from '../graph/store';
import { useTrt } from '../trt/store';
import { diffOverlay } from './diff-overlay';
import { addVersion, describeAsked, sourceKey, trackOpen, type ModelVersion } from './versions';

export interface EditState {
  versions: ModelVersion[];
  /** The version open in the app (its id), or null before any model is open. */
  openId: string | null;
  job: RunningJob | null;
  /** The action whose edit is running. */
  runningKey: string | null;
  /** Why an action's last edit was refused, by the action's key. */
  errors: Record<string, string>;
  /** Paint the difference to the parent once the version's graph is drawn. */
  paintPending: boolean;
  /** The subgraph to extract, chosen node by node in the inspector. */
  extract: { inputs: string[]; outputs: string[] };
  setExtract(extract: { inputs: string[]; outputs: string[] }): void;
  /** The app opened `source` (called on every open). */
  track(source: ModelSource, fileName: string): void;
  /** Applies `edits` to the open version; `key` names the action for its error. */
  edit(key: string, edits: Edit[]): Promise<void>;
  /** Applies every safe edit for TensorRT `trt` (model.fix), with fixed `shapes`. */
  fix(key: string, trt: 10 | 11, shapes: Record<string, number[]>): Promise<void>;
  /** Opens another version of the model. */
  switchTo(id: string): void;
  /** Paints the open version's difference to its parent (when its graph is drawn). */
  paint(): void;
  clearError(key: string): void;
}

type Request =
  { call: 'model.edit'; edits: Edit[] } | { call: 'model.fix'; trt: 10 | 11; shapes: Record<string, number[]> };

export const useEdits = create<EditState>((set, get) => {
  const run = async (key: string, label: string, request: Request) => {
    const { client, source } = useApp.getState();
    if (!client || !source) return;
    const parentId = sourceKey(source);
    const trt = request.call === 'model.fix' ? request.trt : useTrt.getState().trt;
    get().job?.cancel();
    set((s) => ({ runningKey: key, errors: withoutKey(s.errors, key) }));
    await runJob(
      { get: () => get().job, set: (job) => set({ job }) },
      label,
      ({ signal, onProgress }) =>
        request.call === 'model.edit'
          ? client.call('model.edit', { source, edits: request.edits, trt }, { signal, onProgress })
          : client.call('model.fix', { source, trt, shapes: request.shapes }, { signal, onProgress }),
      {
        done: (report) => {
          const asked = request.call === 'model.fix' ? `fix for TensorRT ${trt}` : describeAsked(request.edits);
          const edits = request.call === 'model.edit' ? request.edits : [];
          set((s) => ({ versions: addVersion(s.versions, parentId, asked, edits, report), paintPending: true }));
          void useApp.getState().open(report.source, report.fileName);
        },
        failed: (e) => set((s) => ({ errors: { ...s.errors, [key]: e.message } })),
      },
    );
    if (get().runningKey === key) set({ runningKey: null });
  };
  /** The versions of the model opened before this one (see trackOpen). */
  let before: ModelVersion[] = [];
  return {
    versions: [],
    openId: null,
    job: null,
    runningKey: null,
    errors: {},
    paintPending: false,
    extract: { inputs: [], outputs: [] },
    setExtract: (extract) => set({ extract }),
    track(source, fileName) {
      const now = get().versions;
      const versions = trackOpen(now, source, fileName, before);
      // The list another model replaces is kept once, for an open that fails and puts it back.
      if (!now.some((v) => v.id === sourceKey(source))) before = now;
      const fresh =
        versions.length === 1 && versions[0]!.parentId === null && get().versions[0]?.id !== versions[0]!.id;
      set({
        versions,
        openId: sourceKey(source),
        ...(fresh ? { errors: {}, extract: { inputs: [], outputs: [] }, paintPending: false } : {}),
      });
    },
    edit: (key, edits) => run(key, `Editing: ${describeAsked(edits)}`, { call: 'model.edit', edits }),
    fix: (key, trt, shapes) => run(key, `Fixing for TensorRT ${trt}`, { call: 'model.fix', trt, shapes }),
    switchTo(id) {
      const v = get().versions.find((x) => x.id === id);
      if (!v || id === get().openId) return;
      set({ paintPending: v.report !== null });
      void useApp.getState().open(v.source, v.fileName);
    },
    paint() {
      const { versions, openId } = get();
      const v = versions.find((x) => x.id === openId);
      const model = useGraphStore.getState().model;
      if (!v?.report || !model) return;
      const parent = versions.find((x) => x.id === v.parentId)?.fileName ?? v.report.parent;
      useGraphStore.getState().setOverlay(diffOverlay(v.report.changes, model.payload.nodeName, parent));
    },
    clearError: (key) => set((s) => ({ errors: withoutKey(s.errors, key) })),
  };
});

function withoutKey(errors: Record<string, string>, key: string): Record<string, string> {
  if (!(key in errors)) return errors;
  const next = { ...errors };
  delete next[key];
  return next;
}

// Versions follow the open model; a version's difference is painted once its own graph is drawn.
useApp.subscribe((s, prev) => {
  if (s.source && s.source !== prev.source) useEdits.getState().track(s.source, s.modelName ?? 'model');
});
useGraphStore.subscribe((s, prev) => {
  if (!s.model || s.model === prev.model || !useEdits.getState().paintPending) return;
  if (s.model.payload !== useApp.getState().graph) return;
  useEdits.setState({ paintPending: false });
  useEdits.getState().paint();
});
