/**
 * Precision variants of the open model (each is a file the engine host made; we keep its report),
 * listed under names that tell them apart (names.ts), and renamed by their user.
 */
import { create } from 'zustand';
import type { ApiClient } from '../../../electron/shared/api/client';
import type { ModelSource } from '../../../electron/shared/api/sources';
import type { Variant } from '../../../electron/shared/api/variants';
import type { RequestOf } from '../../../electron/shared/api/contract';
import { runJob } from '../state/job';
import type { RunningJob } from '../state/job';
import { renameProblem, uniqueName } from './names';

export type RecipeInput = RequestOf<'variant.make'>['recipe'];

interface VariantState {
  model: string | null;
  variants: Variant[];
  making: RunningJob | null;
  error: string | null;
  forModel(sha256: string): void;
  make(client: ApiClient, source: ModelSource, recipe: RecipeInput): Promise<void>;
  /** A variant made elsewhere (the mixed-precision search); returns it as listed (its name made unique). */
  add(v: Variant): Variant;
  /** Gives variant `id` its user's name (kept beside its file by the engine host's side); the error, or null. */
  rename(client: ApiClient, id: string, name: string): Promise<string | null>;
}

export const useVariants = create<VariantState>((set, get) => {
  /** Lists `v` in place of any earlier one of its id, under a name no other listed variant has. */
  const list = (v: Variant): Variant => {
    const others = get().variants.filter((x) => x.id !== v.id);
    const listed = { ...v, name: uniqueName(v.name, new Set(others.map((x) => x.name))) };
    set({ variants: [...others, listed] });
    return listed;
  };
  return {
    model: null,
    variants: [],
    making: null,
    error: null,
    forModel(sha256) {
      if (get().model === sha256) return;
      get().making?.cancel();
      set({ model: sha256, variants: [], making: null, error: null });
    },
    add: list,
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
            if (get().model === model) list(v);
          },
          failed: (e) => {
            if (get().model === model) set({ error: e.message });
          },
        },
      );
    },
    async rename(client, id, name) {
      const problem = renameProblem(name, id, get().variants);
      if (problem) return problem;
      try {
        const r = await client.call('variant.rename', { variantId: id, name });
        set((s) => ({ variants: s.variants.map((v) => (v.id === r.id ? { ...v, name: r.name } : v)) }));
        return null;
      } catch (err) {
        return err instanceof Error ? err.message : String(err);
      }
    },
  };
});
