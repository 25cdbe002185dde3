/**
 * The opening layout the worker makes as soon as a payload arrives (graph/engine.ts `prepare`,
 * sent by layout-client.ts `prepareLayout`): built from the payload's columns alone, it must be
 * exactly the layout the view's own `init` would make, on every kind of real model, and it must be
 * used only for the `init` it was made for (same key, same opening, same structure to the last box
 * width); otherwise the worker lays out afresh from what `init` carries.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GraphPayload } from '../../../electron/shared/api/graph-payload';
import { graphPayloadFromIR } from '../../../electron/core/graph/from-ir';
import { analyzeModelBytes } from '../../../electron/core/onnx/analyze';
import { encodeModel } from '../../../electron/core/onnx/encode';
import { LayoutEngine } from '../../../renderer/src/graph/engine';
import { ITEM_COLLAPSED, type GraphStructure, type LayoutFrame } from '../../../renderer/src/graph/hierarchy';
import { buildModel, structureColumns } from '../../../renderer/src/graph/model';
import type { LayoutReply } from '../../../renderer/src/graph/protocol';
import { initialExpansion } from '../../../renderer/src/graph/structure';
import { dynamicQuantized } from '../../builders/quantized';
import { transformer } from '../../builders/transformer';
import { REAL_MODELS } from '../onnx/real-models';

const ZOO = path.resolve(__dirname, '../../fixtures/zoo');
const payloadOf = (bytes: Uint8Array, name: string): GraphPayload =>
  graphPayloadFromIR(analyzeModelBytes(bytes, name, name).ir, 0);

const models: { name: string; payload: () => GraphPayload }[] = [
  ...fs
    .readdirSync(ZOO)
    .filter((f) => f.endsWith('.onnx'))
    .map((f) => ({ name: f, payload: () => payloadOf(fs.readFileSync(path.join(ZOO, f)), f) })),
  // an If/Loop model (silero VAD) and a detector of the OCR set
  ...REAL_MODELS.filter((m) => /silero_vad_v5|PP-OCRv4_det/.test(m.file)).map((m) => ({
    name: m.file,
    payload: () => payloadOf(fs.readFileSync(m.path), m.file),
  })),
  { name: 'quantized (dynamic INT8)', payload: () => payloadOf(encodeModel(dynamicQuantized().model), 'q.onnx') },
  // 2,000 nodes in groups: opened level by level ('auto'), not whole
  { name: 'transformer (40 blocks)', payload: () => payloadOf(encodeModel(transformer(40)), 't.onnx') },
];

type Frame = Extract<LayoutReply, { type: 'frame' }>;

function frameOf(reply: LayoutReply): Frame {
  if (reply.type !== 'frame') throw new Error(reply.message);
  return reply;
}

/** The frame as plain numbers, to compare two layouts field by field. */
function plain(f: LayoutFrame): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(f).map(([k, v]) => [k, ArrayBuffer.isView(v) ? Array.from(v as Int32Array) : v]),
  );
}

/** What the view does without a prepared layout: `init` on a fresh engine. */
function freshInit(structure: GraphStructure, initial: 'auto' | 'expanded'): Frame {
  return frameOf(new LayoutEngine().handle({ type: 'init', seq: 1, structure, initial }));
}

/** The worker's side: `prepare` from the payload's columns (copied, as prepareLayout sends them). */
function prepared(payload: GraphPayload, key: number): LayoutEngine {
  const engine = new LayoutEngine();
  const c = structureColumns(payload);
  engine.prepare({
    type: 'prepare',
    key,
    columns: { ...c, nodeOp: c.nodeOp.slice(), edgeFrom: c.edgeFrom.slice(), edgeTo: c.edgeTo.slice() },
  });
  return engine;
}

describe('the opening layout made ahead in the worker', () => {
  it.each(models)('$name: is used by the init it was made for, and is the layout init makes', ({ payload }) => {
    const p = payload();
    const model = buildModel(p);
    expect(model.N).toBeGreaterThan(0);
    const initial = initialExpansion(model.N, model.G);
    const engine = prepared(p, 7);
    const reply = frameOf(engine.handle({ type: 'init', seq: 1, structure: model.structure, initial, prepared: 7 }));
    expect(reply.prepared).toBe(true);
    // the time the prepare took (the graph benchmark reports it): only on a reply that used one
    expect(reply.prepareMs).toBeGreaterThan(0);
    expect(reply.prepareMs).toBeLessThan(60_000);
    const fresh = freshInit(model.structure, initial);
    expect(fresh.prepared).toBe(false);
    expect(fresh.prepareMs).toBeUndefined();
    expect(plain(reply.frame)).toEqual(plain(fresh.frame));
    expect(reply.groupsPlaced).toBe(fresh.groupsPlaced);
    // the engine goes on from the adopted layout: collapsing everything works as on a fresh one
    const after = frameOf(engine.handle({ type: 'collapseAll', seq: 2 }));
    const engineFresh = new LayoutEngine();
    engineFresh.handle({ type: 'init', seq: 1, structure: model.structure, initial });
    expect(plain(after.frame)).toEqual(plain(frameOf(engineFresh.handle({ type: 'collapseAll', seq: 2 })).frame));
  });

  const p = payloadOf(encodeModel(transformer(40)), 't.onnx');
  const model = buildModel(p);
  const initial = initialExpansion(model.N, model.G);

  it('is not used for another key, another opening, or a second init', () => {
    expect(initial).toBe('auto');
    const other = prepared(p, 1);
    expect(
      frameOf(other.handle({ type: 'init', seq: 1, structure: model.structure, initial, prepared: 2 })).prepared,
    ).toBe(false);
    const opening = prepared(p, 1);
    const expanded = frameOf(
      opening.handle({ type: 'init', seq: 1, structure: model.structure, initial: 'expanded', prepared: 1 }),
    );
    expect(expanded.prepared).toBe(false);
    expect(plain(expanded.frame)).toEqual(plain(freshInit(model.structure, 'expanded').frame));
    const once = prepared(p, 1);
    expect(
      frameOf(once.handle({ type: 'init', seq: 1, structure: model.structure, initial, prepared: 1 })).prepared,
    ).toBe(true);
    expect(
      frameOf(once.handle({ type: 'init', seq: 2, structure: model.structure, initial, prepared: 1 })).prepared,
    ).toBe(false);
  });

  it('is not used when the view measured one box differently: the frame is the view structure’s', () => {
    // widen one collapsed box of the opening view, as a different font would
    const opening = freshInit(model.structure, initial).frame;
    const box = Array.from(opening.kind).findIndex((k) => k === ITEM_COLLAPSED);
    expect(box).toBeGreaterThanOrEqual(0);
    const wider: GraphStructure = { ...model.structure, groupW: model.structure.groupW.slice() };
    wider.groupW[opening.items[box]! - model.N]! += 30;
    const engine = prepared(p, 3);
    const reply = frameOf(engine.handle({ type: 'init', seq: 1, structure: wider, initial, prepared: 3 }));
    expect(reply.prepared).toBe(false);
    expect(plain(reply.frame)).toEqual(plain(freshInit(wider, initial).frame));
    expect(plain(reply.frame)).not.toEqual(plain(freshInit(model.structure, initial).frame));
  });

  it('bad columns (missing nodes, group cycles, unknown ops) are cleaned as the view model cleans them', () => {
    const bad: GraphPayload = {
      ...p,
      edgeFrom: Int32Array.from([...p.edgeFrom, 5, -3]),
      edgeTo: Int32Array.from([...p.edgeTo, 999_999, 4]),
      edgeTensor: Int32Array.from([...p.edgeTensor, 0, 0]),
      nodeOp: p.nodeOp.map((op, i) => (i % 97 === 0 ? 10_000 : op)),
      groupParent: p.groupParent.map((g, i) => (i === 0 ? p.groupParent.length - 1 : g)),
    };
    const badModel = buildModel(bad);
    expect(badModel.problems.join(' ')).toMatch(/2 edge\(s\) name nodes that do not exist.*unknown op type/);
    const engine = prepared(bad, 4);
    const reply = frameOf(engine.handle({ type: 'init', seq: 1, structure: badModel.structure, initial, prepared: 4 }));
    expect(reply.prepared).toBe(true);
    expect(plain(reply.frame)).toEqual(plain(freshInit(badModel.structure, initial).frame));
  });

  it('a prepare that cannot be laid out is dropped; the init still answers from its own structure', () => {
    const engine = new LayoutEngine();
    const c = structureColumns(p);
    // a node count no array can hold: buildStructure throws inside prepare
    expect(() => engine.prepare({ type: 'prepare', key: 9, columns: { ...c, nodeCount: -1 } })).not.toThrow();
    const reply = frameOf(engine.handle({ type: 'init', seq: 1, structure: model.structure, initial, prepared: 9 }));
    expect(reply.prepared).toBe(false);
    expect(plain(reply.frame)).toEqual(plain(freshInit(model.structure, initial).frame));
  });
});
