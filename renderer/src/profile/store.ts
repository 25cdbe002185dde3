/**
 * Profiles of the open model, kept side by side: each run is a build-and-profile job in the engine
 * host (progress, cancel) with the options it ran with, and what was exported from them (a Triton
 * repository, an engine), each an export job too. Runs belong to one model (its sha256) and are
 * dropped when another model opens.
 */
import { create } from 'zustand';
import type { ApiClient } from '../../../electron/shared/api/client';
import type { ModelSource } from '../../../electron/shared/api/sources';
import type { ProfileReport } from '../../../electron/shared/api/backends';
import type { ReplyOf, RequestOf } from '../../../electron/shared/api/contract';
import { runJob } from '../state/job';
import type { RunningJob } from '../state/job';

export type ProfileRequest = RequestOf<'model.profile'>;

export interface ProfileRun {
  id: number;
  label: string;
  request: ProfileRequest;
  report: ProfileReport;
}

/** What an export wrote, and where: the folder and files on the machine the engine host runs on. */
export interface ExportResult extends ReplyOf<'model.export'> {
  id: number;
  label: string;
  target: 'triton' | 'engine';
  name: string;
}

export type ExportRequest = Omit<RequestOf<'model.export'>, 'source' | 'build' | 'target'>;

export interface ProfileState {
  model: string | null;
  runs: ProfileRun[];
  running: RunningJob | null;
  exports: ExportResult[];
  exporting: RunningJob | null;
  error: string | null;
  /** Run id whose per-node time is painted on the graph. */
  onGraph: number | null;
  forModel(sha256: string): void;
  run(client: ApiClient, source: ModelSource, request: Omit<ProfileRequest, 'source'>, label: string): Promise<void>;
  remove(id: number): void;
  setOnGraph(id: number | null): void;
  /** Exports a run's build as a Triton repository or an .engine with its sidecar. */
  exportRun(client: ApiClient, run: ProfileRun, target: 'triton' | 'engine', request: ExportRequest): Promise<void>;
}

let nextId = 1;

export const useProfiles = create<ProfileState>((set, get) => ({
  model: null,
  runs: [],
  running: null,
  exports: [],
  exporting: null,
  error: null,
  onGraph: null,
  forModel(sha256) {
    if (get().model === sha256) return;
    get().running?.cancel();
    get().exporting?.cancel();
    set({ model: sha256, runs: [], running: null, exports: [], exporting: null, error: null, onGraph: null });
  },
  async exportRun(client, run, target, request) {
    if (get().exporting) return;
    const model = get().model;
    const what = target === 'triton' ? 'Triton repository' : '.engine';
    set({ error: null });
    await runJob(
      { get: () => get().exporting, set: (exporting) => set({ exporting }) },
      `Exporting ${run.label} as a ${what}`,
      ({ signal, onProgress }) =>
        client.call(
          'model.export',
          {
            source: run.request.source,
            build: run.request.build ?? { backend: 'onnxruntime', optimizationLevel: 'extended' },
            target,
            ...request,
          },
          { signal, onProgress },
        ),
      {
        done: (out) => {
          if (get().model === model)
            set((s) => ({
              exports: [
                { id: nextId++, label: `${run.label} → ${what}`, target, name: request.name, ...out },
                ...s.exports,
              ],
            }));
        },
        failed: (e) => {
          if (get().model === model) set({ error: e.message });
        },
      },
    );
  },
  async run(client, source, request, label) {
    if (get().running) return;
    const model = get().model;
    set({ error: null });
    const full: ProfileRequest = { source, ...request };
    await runJob(
      { get: () => get().running, set: (running) => set({ running }) },
      label,
      ({ signal, onProgress }) => client.call('model.profile', full, { signal, onProgress }),
      {
        done: (report) => {
          if (get().model === model)
            set((s) => ({ runs: [...s.runs, { id: nextId++, label, request: full, report }] }));
        },
        failed: (e) => {
          if (get().model === model) set({ error: e.message });
        },
      },
    );
  },
  remove(id) {
    set((s) => ({ runs: s.runs.filter((r) => r.id !== id), onGraph: s.onGraph === id ? null : s.onGraph }));
  },
  setOnGraph(id) {
    set({ onGraph: id });
  },
}));
