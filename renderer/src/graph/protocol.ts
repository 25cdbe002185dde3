/** Messages between the graph view and its layout worker. */
import type { GraphStructure, LayoutFrame } from './hierarchy';
import type { StructureColumns } from './structure';

export type LayoutCommand =
  /**
   * `prepared`: the key of a `prepare` sent for this payload; the worker uses the layout it made
   * then if it was made of the same structure, and lays out afresh otherwise.
   */
  | { type: 'init'; structure: GraphStructure; initial: 'auto' | 'expanded' | 'collapsed'; prepared?: number }
  | { type: 'expand'; groups: number[]; value: boolean }
  | { type: 'expandAll' }
  | { type: 'collapseAll' }
  | { type: 'reveal'; items: number[] };

export type LayoutRequest = LayoutCommand & { seq: number };

/**
 * Sent as soon as a payload arrives, before the view mounts: the worker builds the structure and the
 * opening layout itself while the main thread builds the view model. No reply; the `init` that
 * names `key` picks the result up.
 */
export interface PrepareRequest {
  type: 'prepare';
  key: number;
  columns: StructureColumns;
}

/**
 * `run`: sent to a worker started while nothing else runs (at app start, and once a view has taken
 * the last one): it lays out warm-up.ts's graphs, a step at a time, and drops what is left of them
 * when any other message comes. `run: false` (an open began) drops them at once. No reply.
 */
export interface WarmUpRequest {
  type: 'warm-up';
  run: boolean;
}

export type LayoutReply =
  | {
      type: 'frame';
      seq: number;
      frame: LayoutFrame;
      layoutMs: number;
      groupsPlaced: number;
      /** An `init` answered with the layout its `prepare` made. */
      prepared?: boolean;
      /** With `prepared`: how long the worker took to make that layout (the graph benchmark reports it). */
      prepareMs?: number;
    }
  | { type: 'error'; seq: number; message: string };

/** The transferable buffers of a frame (sent without copying). */
export function frameBuffers(f: LayoutFrame): ArrayBuffer[] {
  return [f.items, f.kind, f.x, f.y, f.w, f.h, f.edgeSrc, f.edgeDst, f.ptStart, f.points, f.expanded].map(
    (a) => a.buffer as ArrayBuffer,
  );
}

/** The payload columns of `columns` that are typed arrays, to hand to the worker without copying. */
export function columnBuffers(c: StructureColumns): ArrayBuffer[] {
  return [c.nodeOp, c.nodeGroup, c.groupParent, c.edgeFrom, c.edgeTo, c.edgeTensor].map((a) => a.buffer as ArrayBuffer);
}
