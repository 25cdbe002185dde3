/**
 * The layout worker's warm-up (renderer/src/graph/warm-up.ts): its graphs are what a real model's
 * opening view runs through, laying them out changes nothing a real layout depends on, and the
 * page's side starts it only while no model is being opened, stops it when one is, and resumes it
 * after.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LayoutEngine } from '../../../renderer/src/graph/engine';
import { ITEM_COLLAPSED, ITEM_EXPANDED, type LayoutFrame } from '../../../renderer/src/graph/hierarchy';
import type { LayoutReply } from '../../../renderer/src/graph/protocol';
import { buildStructure, initialExpansion } from '../../../renderer/src/graph/structure';
import { WARM_UP_BLOCKS, warmUpColumns } from '../../../renderer/src/graph/warm-up';
import { toStructure, transformer } from './gen';

const plain = (f: LayoutFrame) =>
  Object.fromEntries(Object.entries(f).map(([k, v]) => [k, ArrayBuffer.isView(v) ? Array.from(v as Int32Array) : v]));

function frameOf(reply: LayoutReply): Extract<LayoutReply, { type: 'frame' }> {
  if (reply.type !== 'frame') throw new Error(reply.message);
  return reply;
}

describe('the warm-up graphs', () => {
  it.each(WARM_UP_BLOCKS)('%i blocks: a grouped graph that opens level by level, nothing dropped', (blocks) => {
    const columns = warmUpColumns(blocks);
    expect(columns.nodeCount).toBe(40 * blocks);
    const built = buildStructure(columns);
    expect(built.droppedEdges).toBe(0);
    expect(built.badOps).toBe(0);
    expect(built.structure.groupCount).toBe(1 + 3 * blocks);
    // big enough to be opened level by level (not whole), as a real model's groups are
    expect(initialExpansion(columns.nodeCount, built.structure.groupCount)).toBe('auto');
    const engine = new LayoutEngine();
    const frame = frameOf(engine.handle({ type: 'init', seq: 1, structure: built.structure, initial: 'auto' })).frame;
    const kinds = Array.from(frame.kind);
    expect(kinds).toContain(ITEM_EXPANDED);
    expect(kinds).toContain(ITEM_COLLAPSED);
    expect(frame.edgeSrc.length).toBeGreaterThan(0);
  });
});

describe('LayoutEngine.warmUp', () => {
  it('keeps the layout made ahead for a payload, and the engine lays out as a fresh one does', () => {
    const structure = toStructure(transformer(60));
    const columns = {
      ops: ['Op'],
      nodeCount: structure.nodeCount,
      groupName: Array.from({ length: structure.groupCount }, (_, g) => `/g${g}`),
      nodeOp: new Int32Array(structure.nodeCount),
      nodeGroup: structure.nodeGroup.slice(),
      groupParent: structure.groupParent.slice(),
      edgeFrom: structure.edgeFrom.slice(),
      edgeTo: structure.edgeTo.slice(),
      edgeTensor: new Int32Array(structure.edgeFrom.length),
    };
    const mine = buildStructure(columns).structure;
    const engine = new LayoutEngine();
    engine.prepare({ type: 'prepare', key: 5, columns });
    engine.warmUp(warmUpColumns(50));
    const reply = frameOf(engine.handle({ type: 'init', seq: 1, structure: mine, initial: 'auto', prepared: 5 }));
    expect(reply.prepared).toBe(true);
    const fresh = frameOf(new LayoutEngine().handle({ type: 'init', seq: 1, structure: mine, initial: 'auto' }));
    expect(plain(reply.frame)).toEqual(plain(fresh.frame));
    // warmed before anything was prepared: the first init lays out afresh, the same layout
    const warmed = new LayoutEngine();
    warmed.warmUp(warmUpColumns(50));
    const afresh = frameOf(warmed.handle({ type: 'init', seq: 1, structure: mine, initial: 'auto', prepared: 1 }));
    expect(afresh.prepared).toBe(false);
    expect(plain(afresh.frame)).toEqual(plain(fresh.frame));
  });
});

/** A Worker stand-in that records what the page posts to it. */
class FakeWorker {
  static made: FakeWorker[] = [];
  posted: unknown[] = [];
  onerror: (() => void) | null = null;
  onmessage: (() => void) | null = null;
  constructor() {
    FakeWorker.made.push(this);
  }
  postMessage(message: unknown): void {
    this.posted.push(message);
  }
  terminate(): void {}
}

describe('the page starts the warm-up only while no model is being opened', () => {
  let idle: (() => void)[] = [];
  beforeEach(() => {
    vi.resetModules();
    FakeWorker.made = [];
    idle = [];
    vi.stubGlobal('Worker', FakeWorker);
    vi.stubGlobal('requestIdleCallback', (fn: () => void) => idle.push(fn));
  });
  afterEach(() => vi.unstubAllGlobals());
  const runIdle = () => {
    const due = idle;
    idle = [];
    for (const fn of due) fn();
  };
  const warmUps = (w: FakeWorker) => w.posted.filter((m) => (m as { type: string }).type === 'warm-up');

  it('warms a spare at idle, stops it when an open begins, resumes it when the open ends', async () => {
    const client = await import('../../../renderer/src/graph/layout-client');
    client.startWarmLayoutWorkerWhenIdle();
    expect(FakeWorker.made).toHaveLength(0);
    runIdle();
    expect(FakeWorker.made).toHaveLength(1);
    const spare = FakeWorker.made[0]!;
    expect(warmUps(spare)).toEqual([{ type: 'warm-up', run: true }]);
    const release = client.holdLayoutWarmUp();
    expect(warmUps(spare)).toEqual([
      { type: 'warm-up', run: true },
      { type: 'warm-up', run: false },
    ]);
    // a second open at once: nothing resumes until both have ended
    const second = client.holdLayoutWarmUp();
    release();
    release();
    expect(warmUps(spare)).toHaveLength(2);
    second();
    expect(warmUps(spare).at(-1)).toEqual({ type: 'warm-up', run: true });
  });

  it('a spare started by an open is not warmed; the next one is, once the open ends and the page is idle', async () => {
    const client = await import('../../../renderer/src/graph/layout-client');
    const release = client.holdLayoutWarmUp();
    client.startLayoutWorker();
    client.startLayoutWorker({ warmUp: true });
    expect(FakeWorker.made).toHaveLength(1);
    expect(warmUps(FakeWorker.made[0]!)).toEqual([]);
    // the view takes the spare: another is asked for at idle, but not while the open goes on
    const view = new client.LayoutClient();
    runIdle();
    expect(FakeWorker.made).toHaveLength(1);
    release();
    runIdle();
    expect(FakeWorker.made).toHaveLength(2);
    expect(warmUps(FakeWorker.made[1]!)).toEqual([{ type: 'warm-up', run: true }]);
    view.dispose();
  });
});
