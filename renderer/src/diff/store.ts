/**
 * The side-by-side diff: which two models (any two sources: the open model and another file, a
 * variant against its source, an edited version against its parent), their graphs and the
 * model.diff reply. While it holds a diff, the app shows the diff view in place of the graph.
 */
import { create } from 'zustand';
import type { ApiClient } from '../../../electron/shared/api/client';
import type { ModelSource } from '../../../electron/shared/api/sources';
import type { GraphPayload } from '../../../electron/shared/api/graph-payload';
import type { ModelDiff } from '../../../electron/shared/api/diff';

export interface DiffSource {
  source: ModelSource;
  name: string;
}

interface DiffState {
  a: DiffSource | null;
  b: DiffSource | null;
  payloadA: GraphPayload | null;
  payloadB: GraphPayload | null;
  diff: ModelDiff | null;
  busy: boolean;
  error: string | null;
  /** Diffs `a` against `b` (a newer start wins over one still in flight). */
  start(client: ApiClient, a: DiffSource, b: DiffSource): Promise<void>;
  close(): void;
}

let seq = 0;

export const useDiff = create<DiffState>((set) => ({
  a: null,
  b: null,
  payloadA: null,
  payloadB: null,
  diff: null,
  busy: false,
  error: null,
  async start(client, a, b) {
    const mine = ++seq;
    set({ a, b, payloadA: null, payloadB: null, diff: null, busy: true, error: null });
    try {
      // One at a time: the engine host remembers one model, and the diff reads A from it last.
      const payloadB = await client.call('model.graph', { source: b.source });
      const payloadA = await client.call('model.graph', { source: a.source });
      const diff = await client.call('model.diff', { a: a.source, b: b.source });
      if (mine === seq) set({ payloadA, payloadB, diff, busy: false });
    } catch (err) {
      if (mine === seq) set({ busy: false, error: err instanceof Error ? err.message : String(err) });
    }
  },
  close() {
    seq++;
    set({ a: null, b: null, payloadA: null, payloadB: null, diff: null, busy: false, error: null });
  },
}));
