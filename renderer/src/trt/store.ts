/** TensorRT readiness results for the open model, per TensorRT major version (the check is cheap). */
import { create } from 'zustand';
import type { ApiClient } from '../../../electron/shared/api/client';
import type { ModelSource } from '../../../electron/shared/api/sources';
import type { TrtCheck } from '../../../electron/shared/api/tensorrt';
import { errorShape } from '../api/error-shape';

export type TrtMajor = 10 | 11;

interface TrtState {
  model: string | null;
  trt: TrtMajor;
  checks: Partial<Record<TrtMajor, TrtCheck>>;
  running: boolean;
  error: string | null;
  forModel(sha256: string): void;
  setTrt(trt: TrtMajor): void;
  check(client: ApiClient, source: ModelSource): Promise<void>;
}

export const useTrt = create<TrtState>((set, get) => ({
  model: null,
  trt: 11,
  checks: {},
  running: false,
  error: null,
  forModel(sha256) {
    if (get().model !== sha256) set({ model: sha256, checks: {}, error: null, running: false });
  },
  setTrt(trt) {
    set({ trt });
  },
  async check(client, source) {
    const { trt, model, checks } = get();
    if (checks[trt]) return;
    set({ running: true, error: null });
    try {
      const result = await client.call('model.check', { source, trt });
      if (get().model === model) set((s) => ({ checks: { ...s.checks, [trt]: result } }));
    } catch (err) {
      if (get().model === model) set({ error: errorShape(err).message });
    } finally {
      if (get().model === model) set({ running: false });
    }
  },
}));
