/** Messages between the graph view and its layout worker. */
import type { GraphStructure, LayoutFrame } from './hierarchy';

export type LayoutCommand =
  | { type: 'init'; structure: GraphStructure; initial: 'auto' | 'expanded' | 'collapsed' }
  | { type: 'expand'; groups: number[]; value: boolean }
  | { type: 'expandAll' }
  | { type: 'collapseAll' }
  | { type: 'reveal'; items: number[] };

export type LayoutRequest = LayoutCommand & { seq: number };

export type LayoutReply =
  | { type: 'frame'; seq: number; frame: LayoutFrame; layoutMs: number; groupsPlaced: number }
  | { type: 'error'; seq: number; message: string };

/** The transferable buffers of a frame (sent without copying). */
export function frameBuffers(f: LayoutFrame): ArrayBuffer[] {
  return [f.items, f.kind, f.x, f.y, f.w, f.h, f.edgeSrc, f.edgeDst, f.ptStart, f.points, f.expanded].map(
    (a) => a.buffer as ArrayBuffer,
  );
}
