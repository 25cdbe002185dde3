/**
 * Profiles of the open model, kept side by side: each run is a build-and-profile job in the engine
 * host (progress, cancel) with the options it ran with. Runs belong to one model (its sha256) and
 * are dropped when another model opens.
 */
import { create } from 'zustand';
import type { ApiClient } from '../../../electron/shared/api/client';
import type { ModelSource, ProfileReport, RequestOf } from '../../../electron/shared/api/contract';
import { runJob } from '../state/job';
import type { RunningJob } from '../state/job';

export type ProfileRequest = RequestOf<'model.profile'>;

export interface ProfileRun {
  id: number;
  label: string;
  request: ProfileRequest;
  report: ProfileReport;
}

export interface ProfileState {
  model: string | null;
  runs: ProfileRun[];
  running: RunningJob | null;
  error: string | null;
  /** Run id whose per-node time is painted on the graph. */
  onGraph: number | null;
  forModel(sha256: string): void;
  run(client: ApiClient, source: ModelSource, request: Omit<ProfileRequest, 'source'>, label: string): Promise<void>;
  remove(id: number): void;
  setOnGraph(id: number | null): void;
}

let nextId = 1;

export const useProfiles = create<ProfileState>((set, get) => ({
  model: null,
  runs: [],
  running: null,
  error: null,
  onGraph: null,
  forModel(sha256) {
    if (get().model === sha256) return;
    get().running?.cancel();
    set({ model: sha256, runs: [], running: null, error: null, onGraph: null });
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
