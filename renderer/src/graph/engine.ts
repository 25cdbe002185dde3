/** Applies layout commands to a HierarchyLayout; shared by the worker and the in-thread fallback. */
import { HierarchyLayout } from './hierarchy';
import type { LayoutReply, LayoutRequest } from './protocol';

export class LayoutEngine {
  private layout: HierarchyLayout | null = null;

  handle(req: LayoutRequest): LayoutReply {
    const t0 = performance.now();
    try {
      switch (req.type) {
        case 'init':
          this.layout = new HierarchyLayout(req.structure);
          if (req.initial === 'expanded') this.layout.expandAll();
          else if (req.initial === 'auto') this.layout.autoExpand();
          break;
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
      const placed = this.need().update();
      const frame = this.need().frame();
      return { type: 'frame', seq: req.seq, frame, layoutMs: performance.now() - t0, groupsPlaced: placed };
    } catch (err) {
      return { type: 'error', seq: req.seq, message: err instanceof Error ? err.message : String(err) };
    }
  }

  private need(): HierarchyLayout {
    if (!this.layout) throw new Error('layout worker got a command before init');
    return this.layout;
  }
}
