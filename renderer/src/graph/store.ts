/**
 * Graph view state shared with the rest of the UI (the inspector reads the selection from here).
 * The graph model itself is large and immutable, so it is stored by reference.
 */
import { create } from 'zustand';
import type { GraphPayload } from '../../../electron/shared/api/graph-payload';
import type { GraphModel } from './model';
import type { NodeOverlay } from './overlay';

export interface Hull {
  label: string;
  nodes: number[];
  color: string;
}

export interface GraphStoreState {
  model: GraphModel | null;
  /** The payload whose view has drawn its first frame (or failed to lay it out). */
  settled: GraphPayload | null;
  /** Selected node id (main graph), or null. */
  selectedNode: number | null;
  /** Selected group id, or null. */
  selectedGroup: number | null;
  overlay: NodeOverlay | null;
  hulls: Hull[];
  /** A request from outside the view (a findings table, a profile) to centre on a node and select it. */
  jump: { node: number; seq: number } | null;
  jumpTo(node: number): void;
  setModel(model: GraphModel | null): void;
  setSettled(payload: GraphPayload): void;
  selectNode(node: number | null): void;
  selectGroup(group: number | null): void;
  setOverlay(overlay: NodeOverlay | null): void;
  setHulls(hulls: Hull[]): void;
}

export const useGraphStore = create<GraphStoreState>((set) => ({
  model: null,
  settled: null,
  selectedNode: null,
  selectedGroup: null,
  overlay: null,
  hulls: [],
  jump: null,
  jumpTo: (node) => set((s) => ({ jump: { node, seq: (s.jump?.seq ?? 0) + 1 } })),
  setModel: (model) => set({ model, selectedNode: null, selectedGroup: null, overlay: null, hulls: [], jump: null }),
  setSettled: (settled) => set({ settled }),
  selectNode: (selectedNode) => set({ selectedNode, selectedGroup: null }),
  selectGroup: (selectedGroup) => set({ selectedGroup, selectedNode: null }),
  setOverlay: (overlay) => set({ overlay }),
  setHulls: (hulls) => set({ hulls }),
}));
