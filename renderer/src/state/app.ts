/**
 * The app's UI state: the open model, the job in progress, errors, theme and recent files. Model
 * work happens behind the API; this only remembers what the user sees.
 */
import { create } from 'zustand';
import type { ApiClient } from '../../../electron/shared/api/client';
import type { ModelSource } from '../../../electron/shared/api/sources';
import type { ModelSummary } from '../../../electron/shared/api/model-summary';
import type { NativeProbe, Progress } from '../../../electron/shared/api/app-info';
import type { GraphPayload } from '../../../electron/shared/api/graph-payload';
import type { ErrorCode, KilnErrorShape } from '../../../electron/shared/api/errors';
import { errorShape } from '../api/error-shape';
import type { LinkState } from '../api/transport';
import { runJob } from './job';
import { markOpen } from './open-marks';
import { holdLayoutWarmUp, prepareLayout, startLayoutWorker } from '../graph/layout-client';
import { useGraphStore } from '../graph/store';
import type { RunningJob } from './job';

export type ThemeChoice = 'system' | 'light' | 'dark';

export interface RecentFile {
  name: string;
  /** Only in Electron: browser-mode files are uploads and cannot be reopened by path. */
  path?: string;
  openedAt: number;
}

export interface AppState {
  client: ApiClient | null;
  link: LinkState;
  probe: NativeProbe | null;
  summary: ModelSummary | null;
  source: ModelSource | null;
  graph: GraphPayload | null;
  graphError: string | null;
  /** Which open put the model on screen (a new one remounts the graph view). */
  opened: number;
  /** The open model's name as the user gave it, known before its summary is. */
  modelName: string | null;
  /** If/Loop/Scan bodies the user followed from the main graph, outermost first. */
  subgraphs: { id: number; label: string; payload: GraphPayload }[];
  openSubgraph(id: number, label: string): Promise<void>;
  /** Back to depth `n` (0: the main graph). */
  closeSubgraphs(n: number): void;
  job: RunningJob | null;
  error: KilnErrorShape | null;
  theme: ThemeChoice;
  recent: RecentFile[];
  setClient(client: ApiClient): void;
  setLink(link: LinkState): void;
  setProbe(probe: NativeProbe | null): void;
  setTheme(theme: ThemeChoice): void;
  dismissError(): void;
  /**
   * Opens a model from a source; `name` is what the user knows it by. `prepare` makes the source
   * first (browser mode: begins the upload).
   */
  open(
    source: ModelSource,
    name: string,
    prepare?: (job: { signal: AbortSignal; progress: (p: Progress) => void }) => Promise<PreparedSource>,
  ): Promise<void>;
}

/**
 * A source made ready to open. `arrived` (browser mode) settles when the upload's bytes are all on
 * the server: the main graph is read while they arrive, everything else waits for it.
 */
export interface PreparedSource {
  source: ModelSource;
  arrived?: Promise<unknown>;
}

/** Opens so far: the last one owns what is on screen (an earlier one still in flight is ignored). */
let opening = 0;

/** Failures of the graph that say nothing about the file: the model opens without its graph. */
const GRAPH_ONLY_FAILURES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['INTERNAL', 'INVALID_ARGUMENT']);

/** How long the summary waits for the graph's first frame before it is asked for anyway. */
const SUMMARY_WAITS_FOR_GRAPH_MS = 2_000;

/** Resolves once the graph view of `payload` has drawn (or failed to lay out), or after `ms`. */
function drawn(payload: GraphPayload, ms: number): Promise<void> {
  return new Promise((resolve) => {
    let unsubscribe = () => {};
    const done = () => {
      unsubscribe();
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(done, ms);
    if (useGraphStore.getState().settled === payload) done();
    else unsubscribe = useGraphStore.subscribe((s) => s.settled === payload && done());
  });
}

const RECENT_KEY = 'kiln.recent';
const THEME_KEY = 'kiln.theme';
const MAX_RECENT = 10;

function load<T>(key: string, fallback: T): T {
  try {
    const raw = localStorage.getItem(key);
    return raw === null ? fallback : (JSON.parse(raw) as T);
  } catch {
    return fallback;
  }
}
function save(key: string, value: unknown): void {
  try {
    localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // storage full or disabled: nothing worth failing over
  }
}

export function addRecent(list: RecentFile[], entry: RecentFile): RecentFile[] {
  const same = (r: RecentFile) => (entry.path ? r.path === entry.path : !r.path && r.name === entry.name);
  return [entry, ...list.filter((r) => !same(r))].slice(0, MAX_RECENT);
}

export const useApp = create<AppState>((set, get) => ({
  client: null,
  link: 'connecting',
  probe: null,
  summary: null,
  source: null,
  graph: null,
  graphError: null,
  opened: 0,
  modelName: null,
  job: null,
  error: null,
  theme: load<ThemeChoice>(THEME_KEY, 'system'),
  recent: load<RecentFile[]>(RECENT_KEY, []),
  setClient: (client) => set({ client }),
  setLink: (link) => set({ link }),
  setProbe: (probe) => set({ probe }),
  setTheme: (theme) => {
    save(THEME_KEY, theme);
    set({ theme });
  },
  dismissError: () => set({ error: null }),
  subgraphs: [],
  async openSubgraph(id, label) {
    const { client, source } = get();
    if (!client || !source || id < 0) return;
    try {
      const payload = await client.call('model.graph', { source, graph: id });
      if (get().source === source) set((s) => ({ subgraphs: [...s.subgraphs, { id, label, payload }] }));
    } catch (err) {
      set({ error: errorShape(err) });
    }
  },
  closeSubgraphs(n) {
    set((s) => ({ subgraphs: s.subgraphs.slice(0, n) }));
  },

  async open(initial, name, prepare) {
    const client = get().client;
    if (!client) return;
    get().job?.cancel();
    set({ error: null });
    // The graph view's layout worker starts now, while the model is read, not once the graph is here;
    // a warm-up it was running stops, so as not to take CPU from the open.
    startLayoutWorker();
    const releaseWarmUp = holdLayoutWarmUp();
    const ticket = ++opening;
    const current = () => ticket === opening;
    /** Whether this model has replaced the last one on screen. */
    let shown = false;
    /** What was on screen before it, put back if this open fails after its graph was shown. */
    let before: Partial<AppState> = {};
    const show = (change: Partial<AppState>, source: ModelSource) => {
      if (!current()) return;
      if (!shown) {
        const s = get();
        before = {
          summary: s.summary,
          graph: s.graph,
          graphError: s.graphError,
          subgraphs: s.subgraphs,
          source: s.source,
          opened: s.opened,
          modelName: s.modelName,
        };
        set({ summary: null, graph: null, graphError: null, subgraphs: [], source, opened: ticket, modelName: name });
      }
      shown = true;
      set(change);
    };
    await runJob(
      { get: () => get().job, set: (job) => set({ job }) },
      `Opening ${name}`,
      async ({ signal, onProgress: progress, relabel }) => {
        const prepared: PreparedSource = prepare ? await prepare({ signal, progress }) : { source: initial };
        const { source } = prepared;
        // The graph first: the engine host sends it once the model is decoded. Shapes, costs and
        // the summary are asked for once it is drawn, so they take no CPU from its layout.
        // An upload that fails stops the graph's read of it at once (the host would wait for bytes).
        const graphStop = new AbortController();
        signal.addEventListener('abort', () => graphStop.abort(), { once: true });
        prepared.arrived?.catch(() => graphStop.abort());
        const askGraph = () =>
          client.call('model.graph', { source }, { signal: graphStop.signal, onProgress: progress }).then(
            async (graph) => {
              markOpen('graph');
              // The layout worker lays the graph out while this thread builds the view model.
              if (current()) prepareLayout(graph);
              show({ graph }, source);
              relabel(`Summarising ${name}`);
              if (current()) await drawn(graph, SUMMARY_WAITS_FOR_GRAPH_MS);
              return null;
            },
            (err: unknown) => err,
          );
        // A file that cannot be opened at all fails the graph as it would the summary: say so once,
        // without reading it again. A failure of the graph alone leaves the summary to stand.
        let graphFailure = await askGraph();
        try {
          // An upload that failed says why in its own words (the graph only saw its file go); a
          // graph already shown from its bytes goes with it.
          if (prepared.arrived) await prepared.arrived;
          // The link dropped while the bytes were on their way (the graph's call was in flight all
          // along) and came back: they are in now, so the graph is asked for once more.
          if (prepared.arrived && graphFailure && errorShape(graphFailure).code === 'UNAVAILABLE' && !signal.aborted)
            graphFailure = await askGraph();
          if (graphFailure && !GRAPH_ONLY_FAILURES.has(errorShape(graphFailure).code)) throw graphFailure;
          const summary = await client.call('model.open', { source }, { signal, onProgress: progress });
          markOpen('summary');
          const recent = addRecent(get().recent, {
            name: summary.fileName,
            ...(source.kind === 'path' ? { path: source.path } : {}),
            openedAt: Date.now(),
          });
          save(RECENT_KEY, recent);
          show({ summary, recent }, source);
        } catch (err) {
          // A graph without its summary (or its upload) is no open model: back to the model open
          // before (the graph came from the file's bytes before the full read found the damage, or
          // before the upload failed), or the empty view.
          if (shown && current())
            set(
              before.source && before.summary
                ? before
                : { summary: null, graph: null, source: null, subgraphs: [], modelName: null },
            );
          throw err;
        }
        // The summary stands on its own; say why the graph is missing instead of hiding it.
        if (graphFailure) show({ graphError: errorShape(graphFailure).message }, source);
      },
      { failed: (shape) => set({ error: { ...shape, file: shape.file ?? name } }) },
    ).finally(releaseWarmUp);
  },
}));
