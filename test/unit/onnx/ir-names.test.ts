/**
 * The IR looks the main graph's names up by the decoder's string ids. It must be the IR that
 * looking them up by name gives: on real models (subgraphs reading outer names included), and on a
 * model changed after it was decoded (a renamed tensor, an inserted node), where the ids no longer
 * hold and the IR is built by names instead.
 */
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeModel } from '../../../electron/core/onnx/decode';
import { buildIR, type ModelIR } from '../../../electron/core/onnx/ir';
import type { ModelProto } from '../../../electron/core/onnx/model';
import { encodeModel } from '../../../electron/core/onnx/encode';
import { fold } from '../../../electron/core/edit/fold';
import { detachWeights } from '../../../electron/core/edit/model-copy';
import { setShapes } from '../../../electron/core/edit/shapes';
import { transformer } from '../../builders/transformer';
import { REAL_MODELS } from './real-models';

/**
 * Everything in the IR that does not hold decoded objects, as plain values. (The string-id index,
 * `nameIds`, exists only when built by ids: held to the names below.)
 */
function flat(ir: ModelIR): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(ir)) {
    if (k === 'nameIds') continue;
    if (k === 'nodes' || k === 'initializers' || k === 'declared') out[k] = (v as unknown[]).length;
    else if (k === 'graphs') out[k] = (v as ModelIR['graphs']).map(({ proto: _proto, ...g }) => g);
    else out[k] = ArrayBuffer.isView(v) ? Array.from(v as Int32Array) : v;
  }
  return out;
}

const byNames = (m: ModelProto): ModelIR => buildIR({ ...m, names: undefined });

/**
 * The IR's string-id index agrees with its names: a tensor with an id is the one its string names,
 * that string's tensor is it, and every main-graph tensor whose name the decoder met has its id.
 */
function expectNameIdsHold(ir: ModelIR): void {
  const ids = ir.nameIds!;
  expect(ids).toBeDefined();
  const index = new Map(ids.values.map((v, i) => [v, i]));
  let withId = 0;
  for (let t = 0; t < ir.tensorCount; t++) {
    const id = ids.idOf[t]!;
    const name = ir.tensorName[t]!;
    if (ir.tensorGraph[t] !== 0) {
      expect(id).toBe(-1);
      continue;
    }
    expect(id, name).toBe(index.get(name) ?? -1);
    if (id >= 0) {
      withId++;
      expect(ids.tensorOf[id]).toBe(t);
    }
  }
  expect(withId).toBeGreaterThan(0);
  expect(ids.tensorOf.filter((t) => t >= 0).length).toBe(withId);
}

const models = [
  ...REAL_MODELS.map((m) => ({ name: m.file, bytes: fs.readFileSync(m.path) as Uint8Array })),
  { name: 'transformer (10 layers)', bytes: encodeModel(transformer(10)) },
];

describe('IR by string ids', () => {
  it.each(models)('$name: the same IR as by names', ({ bytes }) => {
    const m = decodeModel(bytes);
    expect(m.names).toBeDefined();
    const ir = buildIR(m);
    expect(flat(ir)).toEqual(flat(byNames(m)));
    expectNameIdsHold(ir);
    expect(byNames(m).nameIds).toBeUndefined();
  });

  it('a tensor renamed after decoding: its readers follow the new name', () => {
    const m = decodeModel(encodeModel(transformer(2)));
    const nodes = m.graph!.node;
    const old = nodes[3]!.output[0]!;
    nodes[3]!.output[0] = 'renamed';
    for (const n of nodes) n.input = n.input.map((x) => (x === old ? 'renamed' : x));
    const ir = buildIR(m);
    expect(flat(ir)).toEqual(flat(byNames(m)));
    expectNameIdsHold(ir);
    const t = ir.tensorName.indexOf('renamed');
    expect(ir.tensorProducer[t]).toBe(3);
    expect(ir.consumerStart[t + 1]! - ir.consumerStart[t]!).toBeGreaterThan(0);
    expect(ir.tensorName).not.toContain(old);
  });

  it('a node inserted after decoding (no ids of its own) is connected by name', () => {
    const m = decodeModel(encodeModel(transformer(2)));
    const nodes = m.graph!.node;
    const first = nodes[0]!;
    const inserted = { ...first, inAt: undefined, outAt: undefined, name: 'inserted', output: ['inserted_out'] };
    inserted.input = [first.output[0]!];
    nodes.splice(1, 0, inserted);
    nodes[2]!.input = ['inserted_out', ...nodes[2]!.input.slice(1)];
    const ir = buildIR(m);
    expect(flat(ir)).toEqual(flat(byNames(m)));
    expect(ir.tensorProducer[ir.tensorName.indexOf('inserted_out')]).toBe(1);
  });

  it('a model edited after decoding (folded: new initializers, rewired readers, nodes gone) is the IR by names', () => {
    const detached = (bytes: Uint8Array) => detachWeights(decodeModel(bytes), { path: '/nonexistent', bytes });
    const m = detached(encodeModel(transformer(3)));
    const shaped = setShapes(m, { kind: 'shapes', shapes: { input: [1, 8, 16] } }).model;
    const folded = fold(shaped, { kind: 'fold' }).model;
    // The strings and output ids stay the decoder's; the input ids are the folded model's own
    // (the decoder's, with the rewired readers' appended: edit/name-ids.ts).
    expect(folded.names?.values).toBe(m.names?.values);
    expect(folded.names?.outIds).toBe(m.names?.outIds);
    expect(flat(buildIR(folded))).toEqual(flat(byNames(folded)));
    expectNameIdsHold(buildIR(folded));
    for (const real of REAL_MODELS.slice(0, 4)) {
      const r = fold(detached(fs.readFileSync(real.path)), { kind: 'fold' }).model;
      expect(flat(buildIR(r)), real.file).toEqual(flat(byNames(r)));
    }
  });
});
