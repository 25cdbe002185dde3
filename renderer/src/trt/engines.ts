/**
 * The engine imports of the open model (the Engine tab's trtexec files): the first import's view, the
 * ones added to compare with it, and their diff. Kept in a store, not in the panel, so the Compare
 * tab's downloaded report carries the same engines the Engine tab shows.
 */
import { create } from 'zustand';
import type { ModelSource } from '../../../electron/shared/api/sources';
import type { EngineDiff } from '../../../electron/shared/api/engine-diff';
import type { EngineView } from '../../../electron/shared/api/tensorrt';
import type { EngineReport } from '../../../electron/shared/compare/engine-json';

/** One engine's files: their names (for the diff's labels) and where the API reads them. */
export interface EngineImport {
  names: string[];
  sources: ModelSource[];
}

interface EnginesState {
  /** The first import, of the model with this sha256. */
  view: { model: string; engine: EngineView; import: EngineImport } | null;
  /** The imports added to compare with the first (up to three). */
  extra: EngineImport[];
  diff: { model: string; diff: EngineDiff; views: EngineView[] } | null;
  setView(view: EnginesState['view']): void;
  setDiff(extra: EngineImport[], diff: EnginesState['diff']): void;
}

export const useEngines = create<EnginesState>((set) => ({
  view: null,
  extra: [],
  diff: null,
  setView(view) {
    set({ view, extra: [], diff: null });
  },
  setDiff(extra, diff) {
    set({ extra, diff });
  },
}));

/**
 * What a report says about the engines of the model with `sha256`: the diff and every import's view
 * when there are two or more, the one view otherwise; null when none was imported for this model.
 */
export function engineReportOf(
  s: Pick<EnginesState, 'view' | 'diff'>,
  sha256: string | undefined,
  names: readonly string[] | undefined,
): EngineReport | null {
  if (!sha256 || !names || !s.view || s.view.model !== sha256) return null;
  if (s.diff && s.diff.model === sha256) return { views: s.diff.views, diff: s.diff.diff, names };
  return { views: [s.view.engine], diff: null, names };
}
