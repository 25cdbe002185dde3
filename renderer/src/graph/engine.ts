/** Applies layout commands to a HierarchyLayout; shared by the worker and the in-thread fallback. */
import { HierarchyLayout } from './hierarchy';
import type { LayoutReply, LayoutRequest, PrepareRequest } from './protocol';
import { buildStructure, initialExpansion, sameStructure, type StructureColumns } from './structure';

/** An opening layout made ahead of its `init` (see PrepareRequest). */
interface Prepared {
  key: number;
  layout: HierarchyLayout;
  initial: 'auto' | 'expanded';
  placed: number;
  /** How long the prepare took (structure and layout), in milliseconds. */
  ms: number;
}

/** A payload's opening layout, from its columns: structure, hierarchy, the opening expansion, placed. */
function openingLayout(columns: StructureColumns): {
  layout: HierarchyLayout;
  initial: 'auto' | 'expanded';
  placed: number;
} {
  const { structure } = buildStructure(columns);
  const layout = new HierarchyLayout(structure);
  const initial = initialExpansion(structure.nodeCount, structure.groupCount);
  if (initial === 'expanded') layout.expandAll();
  else layout.autoExpand();
  return { layout, initial, placed: layout.update() };
}

export class LayoutEngine {
  private layout: HierarchyLayout | null = null;
  private prepared: Prepared | null = null;

  /**
   * Builds the structure of a payload's columns and its opening layout, for the `init` that names
   * `key`. A failure is dropped: that `init` then lays out from its own structure and reports it.
   */
  prepare(req: PrepareRequest): void {
    this.prepared = null;
    const t0 = performance.now();
    try {
      const { layout, initial, placed } = openingLayout(req.columns);
      this.prepared = { key: req.key, layout, initial, placed, ms: 0 };
      this.prepared.ms = performance.now() - t0;
    } catch {
      this.prepared = null;
    }
  }

  /**
   * Lays out `columns` as a payload's opening view (structure, layout, frame) and keeps nothing: run
   * on warm-up.ts's graphs before any model arrives, so the first real layout runs compiled code.
   * A layout prepared for a payload stays as it was.
   */
  warmUp(columns: StructureColumns): void {
    openingLayout(columns).layout.frame();
  }

  handle(req: LayoutRequest): LayoutReply {
    const t0 = performance.now();
    try {
      let placed = -1;
      let prepared = false;
      let prepareMs: number | undefined;
      switch (req.type) {
        case 'init': {
          const ready = this.prepared;
          this.prepared = null;
          if (
            ready &&
            req.prepared === ready.key &&
            req.initial === ready.initial &&
            sameStructure(ready.layout.structure, req.structure)
          ) {
            this.layout = ready.layout;
            placed = ready.placed;
            prepared = true;
            prepareMs = ready.ms;
            break;
          }
          this.layout = new HierarchyLayout(req.structure);
          if (req.initial === 'expanded') this.layout.expandAll();
          else if (req.initial === 'auto') this.layout.autoExpand();
          break;
        }
        case 'expand':
          for (const g of req.groups) this.need().setExpanded(g, req.value);
          break;
        case 'expandAll':
          this.need().expandAll();
          break;
        case 'collapseAll':
          this.need().collapseAll();
          break;
        case 'reveal':
          for (const it of req.items) this.need().reveal(it);
          break;
      }
      if (placed < 0) placed = this.need().update();
      const frame = this.need().frame();
      const layoutMs = performance.now() - t0;
      return {
        type: 'frame',
        seq: req.seq,
        frame,
        layoutMs,
        groupsPlaced: placed,
        prepared,
        ...(prepareMs === undefined ? {} : { prepareMs }),
      };
    } catch (err) {
      return { type: 'error', seq: req.seq, message: err instanceof Error ? err.message : String(err) };
    }
  }

  private need(): HierarchyLayout {
    if (!this.layout) throw new Error('layout worker got a command before init');
    return this.layout;
  }
}
