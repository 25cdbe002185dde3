/**
 * Profiles of the open model, kept side by side: each run is a build-and-profile job in the engine
 * host (progress, cancel) with the options it ran with. Runs belong to one model (its sha256) and
 * are dropped when another model opens.
 */
import { create } from 'zustand';
import type { ApiClient } from '../../../electron/shared/api/client';
import type { ModelSource, Progress, ProfileReport, RequestOf } from '../../../electron/shared/api/contract';
import { errorShape } from '../state/app';

export type ProfileRequest = RequestOf<'model.profile'>;

export interface ProfileRun {
  id: number;
  label: string;
  request: ProfileRequest;
  report: ProfileReport;
}

interface Running {
  label: string;
  progress: Progress | null;
  cancel: () => void;
}

export interface ProfileState {
  model: string | null;
  runs: ProfileRun[];
  running: Running | null;
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
    const controller = new AbortController();
    set({ running: { label, progress: null, cancel: () => controller.abort() }, error: null });
    try {
      const full: ProfileRequest = { source, ...request };
      const report = await client.call('model.profile', full, {
        signal: controller.signal,
        onProgress: (p) => set((s) => (s.running ? { running: { ...s.running, progress: p } } : {})),
      });
      if (get().model === model) set((s) => ({ runs: [...s.runs, { id: nextId++, label, request: full, report }] }));
    } catch (err) {
      const e = errorShape(err);
      if (e.code !== 'CANCELLED' && get().model === model) set({ error: e.message });
    } finally {
      if (get().model === model) set({ running: null });
    }
  },
  remove(id) {
    set((s) => ({ runs: s.runs.filter((r) => r.id !== id), onGraph: s.onGraph === id ? null : s.onGraph }));
  },
  setOnGraph(id) {
    set({ onGraph: id });
  },
}));
