/**
 * Compare's state, kept per model like the other features' stores: what the form holds (variants
 * ticked, inputs, thresholds, the outputs judged), the last comparison, and the two jobs it runs —
 * every chosen variant against FP32, and the search for a mixed precision that meets the same
 * thresholds — each through the one job runner.
 */
import { create } from 'zustand';
import type { ApiClient } from '../../../electron/shared/api/client';
import type { ModelSource } from '../../../electron/shared/api/sources';
import type { ModelSummary } from '../../../electron/shared/api/model-summary';
import type { ImagePreprocess } from '../../../electron/shared/api/variants';
import type { Comparison } from '../../../electron/shared/api/comparison';
import { statePairs } from '../../../electron/shared/compare/state-pairs';
import { DEFAULT_THRESHOLDS, describeThresholds } from '../../../electron/shared/compare/thresholds';
import { fileSource } from '../frame/open';
import { useVariants } from '../precision/store';
import { runJob } from '../state/job';
import type { RunningJob } from '../state/job';
import { calibrationOf, chosenVariants, parseThresholds, searchOrigin, thresholdFields } from './choices';
import type { ThresholdFields } from './choices';

/** What a comparison or a search runs on: the open model and its input shapes as typed (or what is wrong with them). */
export interface CompareSetup {
  client: ApiClient;
  source: ModelSource;
  summary: ModelSummary;
  shapes: Record<string, number[]> | string;
}

/** What the user set in the panel, as typed. */
export interface CompareFields {
  /** Variants ticked; empty = all. */
  picked: Set<string>;
  samples: string;
  /** What a variant is judged by, and what the search aims for: one set. */
  thresholds: ThresholdFields;
  /** Outputs the verdict is judged on; empty = all (a recurrent state can be left out). */
  judge: Set<string>;
  /** A recurrent model (state → stateN) can be compared as a stream: each model feeds back its own state. */
  streamed: boolean;
  /** Real inputs (images or .npy/.npz) instead of seeded random samples. */
  inputFiles: File[];
  /** The output the table and the charts show. */
  output: number;
}

export interface CompareState extends CompareFields {
  model: string | null;
  result: Comparison | null;
  comparing: RunningJob | null;
  searching: RunningJob | null;
  /** What the last search found, in words. */
  searchText: string | null;
  error: string | null;
  forModel(sha256: string): void;
  edit(change: Partial<CompareFields>): void;
  compare(setup: CompareSetup): Promise<void>;
  findMixed(setup: CompareSetup): Promise<void>;
}

function fresh(): Omit<CompareState, 'model' | 'forModel' | 'edit' | 'compare' | 'findMixed'> {
  return {
    picked: new Set(),
    samples: '8',
    thresholds: thresholdFields(DEFAULT_THRESHOLDS),
    judge: new Set(),
    streamed: false,
    inputFiles: [],
    output: 0,
    result: null,
    comparing: null,
    searching: null,
    searchText: null,
    error: null,
  };
}

/** The picked files as sources the engine host can read (paths in Electron, uploads in browser mode). */
async function realInputs(files: readonly File[], preprocess: ImagePreprocess | undefined) {
  return {
    inputs: await Promise.all(files.map((f) => fileSource(f))),
    ...(preprocess ? { preprocess } : {}),
  };
}

export const useCompare = create<CompareState>((set, get) => ({
  model: null,
  ...fresh(),
  forModel(sha256) {
    if (get().model === sha256) return;
    get().comparing?.cancel();
    get().searching?.cancel();
    set({ model: sha256, ...fresh() });
  },
  edit(change) {
    set(change);
  },

  async compare({ client, source, summary, shapes: dims }) {
    const { model, samples, picked, judge, streamed, inputFiles } = get();
    const variants = useVariants.getState().variants;
    const chosen = chosenVariants(variants, picked);
    if (typeof dims === 'string') return set({ error: dims });
    const n = Number(samples);
    const thresholds = parseThresholds(get().thresholds);
    if (!Number.isInteger(n) || n < 1) return set({ error: 'samples must be a whole number ≥ 1' });
    if (typeof thresholds === 'string') return set({ error: thresholds });
    if (chosen.length === 0) return set({ error: 'make a variant in the Precision tab first' });
    const mine = () => get().model === model;
    set({ error: null });
    await runJob(
      { get: () => get().comparing, set: (comparing) => set({ comparing }) },
      'Running the reference and the variants',
      async ({ signal, onProgress }) => {
        const real = await realInputs(inputFiles, calibrationOf(chosen).preprocess);
        return client.call(
          'model.compare',
          {
            source,
            variants: chosen.map((v) => v.id),
            samples: n,
            shapes: dims,
            thresholds,
            layerwise: true,
            judge: [...judge],
            stream: streamed ? statePairs(summary.inputs, summary.outputs) : [],
            ...real,
          },
          { signal, onProgress },
        );
      },
      {
        // Shown under the names the variants have in the Precision tab (choices.ts withNames), renamed or not.
        done: (r) => {
          if (mine()) set({ result: r });
        },
        failed: (e) => {
          if (mine()) set({ error: e.message });
        },
      },
    );
  },

  async findMixed({ client, source, summary, shapes: dims }) {
    const { model, samples, picked, judge, streamed, inputFiles, result } = get();
    const variants = useVariants.getState().variants;
    const chosen = chosenVariants(variants, picked);
    if (typeof dims === 'string') return set({ error: dims });
    const thresholds = parseThresholds(get().thresholds);
    if (typeof thresholds === 'string') return set({ error: thresholds });
    const target = describeThresholds(thresholds);
    const from = searchOrigin(result, variants, chosen);
    const mine = () => get().model === model;
    set({ searchText: null, error: null });
    await runJob(
      { get: () => get().searching, set: (searching) => set({ searching }) },
      'Searching for a mixed precision',
      async ({ signal, onProgress }) => {
        const real = await realInputs(inputFiles, calibrationOf(chosen).preprocess);
        return client.call(
          'variant.search',
          {
            source,
            base: from?.recipe ?? { precision: 'fp16' },
            thresholds,
            samples: Math.max(1, Math.min(16, Number(samples) || 4)),
            shapes: dims,
            judge: [...judge],
            stream: streamed ? statePairs(summary.inputs, summary.outputs) : [],
            ...real,
          },
          { signal, onProgress },
        );
      },
      {
        done: (r) => {
          if (!mine()) return;
          const found = useVariants.getState().add(r.variant);
          const origin = from?.name ?? 'FP16';
          const tried = `${r.steps.length} variant(s) tried`;
          set({
            picked: new Set(),
            searchText: r.cancelled
              ? `Cancelled after ${tried}; kept the best so far, ${found.name}: ${r.pinnedNodes.length} more layer(s) in FP32, ${r.met ? `meets ${target}` : `short of ${target}`}.`
              : r.met
                ? `${found.name} (from ${origin}): ${r.pinnedNodes.length} more layer(s) kept in FP32 meet ${target} (${tried}). Compare again to see it side by side.`
                : `No mix from ${origin} met ${target}; the closest kept ${r.pinnedNodes.length} more layer(s) in FP32.`,
          });
        },
        failed: (e) => {
          if (mine()) set({ searchText: null, error: e.message });
        },
      },
    );
  },
}));
