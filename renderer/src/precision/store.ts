/** Precision variants of the open model (each is a file the engine host made; we keep its report). */
import { create } from 'zustand';
import type { ApiClient } from '../../../electron/shared/api/client';
import type { ModelSource, RequestOf, Variant } from '../../../electron/shared/api/contract';
import { runJob } from '../state/job';
import type { RunningJob } from '../state/job';

export type RecipeInput = RequestOf<'variant.make'>['recipe'];

interface VariantState {
  model: string | null;
  variants: Variant[];
  making: RunningJob | null;
  error: string | null;
  forModel(sha256: string): void;
  make(client: ApiClient, source: ModelSource, recipe: RecipeInput): Promise<void>;
  /** A variant made elsewhere (the mixed-precision search). */
  add(v: Variant): void;
}

export const useVariants = create<VariantState>((set, get) => ({
  model: null,
  variants: [],
  making: null,
  error: null,
  forModel(sha256) {
    if (get().model === sha256) return;
    get().making?.cancel();
    set({ model: sha256, variants: [], making: null, error: null });
  },
  add(v) {
    set((s) => ({ variants: [...s.variants.filter((x) => x.id !== v.id), v] }));
  },
  async make(client, source, recipe) {
    if (get().making) return;
    const model = get().model;
    set({ error: null });
    await runJob(
      { get: () => get().making, set: (making) => set({ making }) },
      'Making the variant',
      ({ signal, onProgress }) => client.call('variant.make', { source, recipe }, { signal, onProgress }),
      {
        done: (v) => {
          if (get().model === model) set((s) => ({ variants: [...s.variants.filter((x) => x.id !== v.id), v] }));
        },
        failed: (e) => {
          if (get().model === model) set({ error: e.message });
        },
      },
    );
  },
}));
