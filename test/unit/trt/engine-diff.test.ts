/**
 * Engine diff and precision audit on an FP32 and an FP16 build of one real network (the PaddleOCR
 * classifier), written as trtexec writes them: layers paired through the ONNX nodes they cover,
 * fusion and precision differences found, times and reformats accounted for, files of another model
 * and unmappable layers said, and every node whose engine precision is not what was asked listed.
 */
import * as path from 'node:path';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeModel, analyzeModelBytes, type ModelAnalysis } from '../../../electron/core/onnx/analyze';
import { encodeModel } from '../../../electron/core/onnx/encode';
import { stampRecipe } from '../../../electron/core/onnx/recipe-meta';
import { autocastFp16 } from '../../../electron/core/precision/fp16';
import { quantizeInt8 } from '../../../electron/core/precision/int8/quantize';
import { engineView } from '../../../electron/core/trt/engine-view';
import { engineDiff } from '../../../electron/core/trt/engine-diff/diff';
import { groupNodes } from '../../../electron/core/trt/engine-diff/groups';
import { api } from '../../../electron/shared/api/contract';
import { auditSummary } from '../../../electron/shared/compare/engine-report';
import type { EngineView } from '../../../electron/shared/api/tensorrt';
import { trtexecBuild, trtexecFiles, type OnnxNodeLike, type TrtexecFiles } from '../../builders/trtexec';

const CLS = path.resolve(__dirname, '../../../assets/sample/ch_ppocr_mobile_v2.0_cls_infer.onnx');
const FIXTURES = path.resolve(__dirname, '../../fixtures/trtexec');

let a: ModelAnalysis;
let nodes: OnnxNodeLike[];
const files = (f: TrtexecFiles) => [
  { name: 'layers.json', text: JSON.stringify(f.layers) },
  { name: 'profile.json', text: JSON.stringify(f.profile) },
  { name: 'times.json', text: JSON.stringify(f.times) },
];
const imp = (view: EngineView, name: string) => ({ files: [name], view });

beforeAll(async () => {
  a = await analyzeModel(CLS);
  const main = a.ir.graphs[0]!;
  nodes = a.ir.nodes.slice(main.nodeStart, main.nodeEnd).map((n) => ({ name: n.name, opType: n.opType }));
});

describe('grouping layers through the nodes they cover', () => {
  it('a fused layer in one engine meets its parts in another; disjoint layers stay apart', () => {
    const g = groupNodes([
      [{ nodes: [0, 1, 2] }, { nodes: [3] }, { nodes: [] }],
      [{ nodes: [0] }, { nodes: [1, 2] }, { nodes: [3] }, { nodes: [5, 6] }],
    ]);
    expect(g.groups).toEqual([[0, 1, 2], [3], [5, 6]]);
    expect(Array.from(g.layerGroup[0]!)).toEqual([0, 1, -1]);
    expect(Array.from(g.layerGroup[1]!)).toEqual([0, 0, 1, 2]);
  });

  it('chains join transitively: [0,1] + [1,2] + [2,3] is one group', () => {
    const g = groupNodes([[{ nodes: [0, 1] }, { nodes: [2, 3] }], [{ nodes: [1, 2] }]]);
    expect(g.groups).toEqual([[0, 1, 2, 3]]);
  });
});

/** A view with just the layers given (the rest as an import of profiled layer info would have it). */
function viewOf(layers: { nodes: number[]; ms: number; precision?: string }[]): EngineView {
  const totalMs = layers.reduce((t, l) => t + l.ms, 0);
  return {
    files: [],
    schema: '10',
    tensorrt: null,
    match: { share: 1, ok: true, warning: null },
    layers: layers.map((l, index) => ({
      index,
      name: `L${index}(${l.nodes.join(',')})`,
      type: 'CaskConvolution',
      precision: l.precision ?? 'FP16',
      precisionFrom: 'tactic',
      tactic: null,
      ms: l.ms,
      share: l.ms / totalMs,
      nodes: l.nodes,
      via: 'name',
      isReformat: false,
      isForeign: false,
    })),
    totalMs,
    iterations: 1,
    times: null,
    unmapped: [],
    uncoveredNodes: 0,
    uncovered: [],
    kernels: layers.length,
    audit: { basis: 'engine', asked: null, checked: 0, items: [], reformats: [], reformatMs: null },
    warnings: [],
  };
}

describe('engine diff on hand-made layers', () => {
  it('the same number of layers split differently is a fusion difference; the same split is not', () => {
    const a = viewOf([
      { nodes: [0, 1], ms: 1 },
      { nodes: [2], ms: 1 },
      { nodes: [3], ms: 1 },
    ]);
    const b = viewOf([
      { nodes: [0], ms: 1 },
      { nodes: [1, 2], ms: 1 },
      { nodes: [3], ms: 1 },
    ]);
    const d = engineDiff([imp(a, 'a'), imp(b, 'b')]);
    expect(d.groups.map((g) => [g.nodes, g.fusionDiffers, g.changeMs])).toEqual([
      [[0, 1, 2], true, 0],
      [[3], false, 0],
    ]);
    expect(d.same).toBe(false);
  });

  it('a node group one engine eliminated counts as changed, its time against 0', () => {
    const a = viewOf([
      { nodes: [0], ms: 2 },
      { nodes: [1], ms: 0.5 },
    ]);
    const b = viewOf([{ nodes: [0], ms: 2 }]);
    const d = engineDiff([imp(a, 'a'), imp(b, 'b')]);
    expect(d.groups[0]).toMatchObject({ nodes: [1], changeMs: 0.5, deltaMs: [0, -0.5], fusionDiffers: true });
    expect(d.groups[0]!.engines[1]).toMatchObject({ layers: [], precision: null, ms: 0 });
    expect(d.imports[1]!.paired).toBe(1);
    expect(d.imports[0]!.paired).toBe(0.5);
  });
});

describe('engine diff of an FP32 and an FP16 build of one network', () => {
  let fp32: EngineView;
  let fp16: EngineView;
  beforeAll(() => {
    fp32 = engineView(a, files(trtexecBuild(nodes, { precision: 'fp32' })));
    fp16 = engineView(a, files(trtexecBuild(nodes, { precision: 'fp16', schema: '11' })));
  });

  it('pairs nearly every layer, and shows the FP16 build faster with its precisions', () => {
    const d = engineDiff([imp(fp32, 'fp32'), imp(fp16, 'fp16')]);
    expect(d.imports.map((i) => i.label)).toEqual(['A', 'B']);
    for (const i of d.imports) {
      expect(i.match.ok).toBe(true);
      expect(i.paired).toBeGreaterThan(0.95);
      expect(i.unmapped).toEqual([]);
    }
    expect(d.imports[1]!.totalMs!).toBeLessThan(d.imports[0]!.totalMs! * 0.8);
    expect(d.same).toBe(false);
    // Sorted by what changed most.
    for (let k = 1; k < d.groups.length; k++)
      expect(d.groups[k - 1]!.changeMs).toBeGreaterThanOrEqual(d.groups[k]!.changeMs);
    const conv = d.groups.find((g) => g.engines[0]!.types.includes('CaskConvolution'))!;
    // The FP32 build's convolution runs TF32 (TensorRT's default), its separate activation FP32.
    expect(conv.engines.map((e) => e.precision)).toEqual(['FP32+TF32', 'FP16']);
    expect(conv.deltaMs[0]).toBe(0);
    expect(conv.deltaMs[1]!).toBeLessThan(0);
    expect(conv.precisionDiffers).toBe(true);
  });

  it('finds the groups where the FP16 build fused differently: a conv with its pointwise chain', () => {
    const d = engineDiff([imp(fp32, 'fp32'), imp(fp16, 'fp16')]);
    const fused = d.groups.filter((g) => g.fusionDiffers);
    expect(fused.length).toBeGreaterThan(5);
    const split = fused.find((g) => g.engines[0]!.layers.length === 2 && g.engines[1]!.layers.length === 1)!;
    expect(split.engines[0]!.types).toEqual(['CaskConvolution', 'PointWise']);
    expect(split.engines[1]!.layers[0]).toMatch(/ \+ PWN\(/);
    // The Myelin tail of the FP16 build takes in nodes the FP32 build ran as its own layers.
    const tail = d.groups.find((g) => g.engines[1]!.types.includes('Myelin'))!;
    expect(tail.engines[0]!.layers.length).toBeGreaterThan(1);
    expect(tail.fusionDiffers).toBe(true);
    const unchanged = d.groups.filter((g) => !g.fusionDiffers);
    expect(unchanged.length).toBeGreaterThan(0);
    for (const g of unchanged) expect(g.engines[0]!.layers.length).toBe(g.engines[1]!.layers.length);
  });

  it('accounts for every millisecond: groups, reformats and unmapped layers add up to each total', () => {
    const d = engineDiff([imp(fp32, 'fp32'), imp(fp16, 'fp16')]);
    d.imports.forEach((i, e) => {
      const groups = d.groups.reduce((s, g) => s + (g.engines[e]!.ms ?? 0) + g.engines[e]!.reformatMs!, 0);
      const loose = i.unmapped.reduce((s, u) => s + (u.ms ?? 0), 0);
      expect(groups + loose).toBeCloseTo(i.totalMs!, 5);
      const byType = d.byType.reduce((s, t) => s + t.ms[e]!, 0);
      expect(byType).toBeCloseTo(i.totalMs!, 5);
    });
    expect(d.imports[0]!.reformatMs).toBe(0);
    expect(d.imports[1]!.reformatMs!).toBeGreaterThan(0);
    expect(d.byType.find((t) => t.type === 'Reformat')!.ms[0]).toBe(0);
  });

  it('the committed fixtures (test/fixtures/trtexec/cls-fp32.*, cls-fp16.*) are these builds, and diff the same', () => {
    const read = (name: string) => readFileSync(path.join(FIXTURES, name), 'utf8');
    const built = {
      fp32: trtexecBuild(nodes, { precision: 'fp32' }),
      fp16: trtexecBuild(nodes, { precision: 'fp16', schema: '11' }),
    };
    for (const k of ['fp32', 'fp16'] as const)
      for (const part of ['layers', 'profile', 'times'] as const)
        expect(JSON.parse(read(`cls-${k}.${part}.json`)), `cls-${k}.${part}.json`).toEqual(built[k][part]);
    const fromFiles = (k: string) =>
      engineView(
        a,
        (['layers', 'profile', 'times'] as const).map((part) => ({
          name: `cls-${k}.${part}.json`,
          text: read(`cls-${k}.${part}.json`),
        })),
      );
    const d = engineDiff([imp(fromFiles('fp32'), 'fp32'), imp(fromFiles('fp16'), 'fp16')]);
    expect(d.imports.map((i) => i.match.share)).toEqual([1, 1]);
    expect(d.groups.length).toBe(engineDiff([imp(fp32, 'a'), imp(fp16, 'b')]).groups.length);
  });

  it('three imports line up the same way, one entry per import in order', () => {
    const slow = engineView(a, files(trtexecBuild(nodes, { precision: 'fp16', speed: 1.5 })));
    const d = engineDiff([imp(fp32, 'a'), imp(fp16, 'b'), imp(slow, 'c')]);
    expect(d.imports.map((i) => i.label)).toEqual(['A', 'B', 'C']);
    for (const g of d.groups) expect(g.engines).toHaveLength(3);
    const conv = d.groups.find((g) => g.engines[1]!.types.includes('CaskConvolution'))!;
    expect(conv.engines[2]!.ms!).toBeCloseTo(conv.engines[1]!.ms! * 1.5, 6);
  });

  it('layer info alone (no profile): no times, groups sorted by what fused or changed precision', () => {
    const only = (f: TrtexecFiles) => engineView(a, [{ name: 'layers.json', text: JSON.stringify(f.layers) }]);
    const views = [only(trtexecBuild(nodes, { precision: 'fp32' })), only(trtexecBuild(nodes, { precision: 'fp16' }))];
    const d = engineDiff([imp(views[0]!, 'a'), imp(views[1]!, 'b')]);
    expect(d.imports.map((i) => i.totalMs)).toEqual([null, null]);
    for (const g of d.groups) {
      expect(g.engines.map((e) => e.ms)).toEqual([null, null]);
      expect(g.engines.map((e) => e.reformatMs)).toEqual([null, null]);
      expect(g.deltaMs).toEqual([null, null]);
      expect(g.changeMs).toBe(0);
    }
    // By layer type: unknown times are null, not 0; the layer counts still show what fused.
    for (const t of d.byType) expect(t.ms).toEqual([null, null]);
    const count = (e: number) => d.byType.reduce((s, t) => s + t.layers[e]!, 0);
    expect([count(0), count(1)]).toEqual(views.map((v) => v.layers.length));
    const pointwise = d.byType.find((t) => t.type === 'PointWise')!;
    expect(pointwise.layers[1]!).toBeLessThan(pointwise.layers[0]!);
    const firstSame = d.groups.findIndex((g) => !g.fusionDiffers);
    expect(firstSame).toBeGreaterThan(0);
    expect(d.groups.slice(firstSame).some((g) => g.fusionDiffers)).toBe(false);
    expect(d.same).toBe(false);
  });

  it('a diff of an import with itself says plainly that nothing changed', () => {
    const d = engineDiff([imp(fp16, 'x'), imp(fp16, 'x again')]);
    expect(d.same).toBe(true);
    expect(d.warnings[0]).toMatch(/No changes/);
    expect(d.groups.every((g) => g.changeMs === 0 && !g.fusionDiffers)).toBe(true);
  });

  it('files of another model in the diff are said to be so, with the share of names that match', () => {
    const other = engineView(a, [
      { name: 'resnet.layers.json', text: readFileSync(path.join(FIXTURES, 'resnet-mini.trt10.layers.json'), 'utf8') },
    ]);
    const d = engineDiff([imp(fp32, 'fp32.json'), imp(other, 'resnet.layers.json')]);
    expect(d.imports[1]!.match.ok).toBe(false);
    const w = d.warnings.find((x) => x.startsWith('B (resnet.layers.json)'))!;
    expect(w).toMatch(/do not look built from .*\d+%/);
    expect(d.imports[0]!.match.ok).toBe(true);
    // Its layers map to nothing, and are listed, never dropped.
    expect(d.imports[1]!.unmapped.length).toBe(other.layers.length);
  });

  it('layers whose names map to no node are listed per import with their time', () => {
    const ghost = engineView(a, files(trtexecFiles(nodes, '10')));
    const d = engineDiff([imp(fp32, 'fp32'), imp(ghost, 'ghost')]);
    const u = d.imports[1]!.unmapped.find((x) => x.layer === 'ghost_layer_from_another_model')!;
    expect(u.ms).toBeGreaterThan(0);
  });

  it('the engine.diff call takes 2 to 4 imports of 1 to 8 files each, and nothing else', () => {
    const f = { kind: 'path', path: '/x/layers.json' } as const;
    const source = { kind: 'path', path: '/x/model.onnx' } as const;
    const ok = (imports: unknown) => api['engine.diff'].request.safeParse({ source, imports }).success;
    expect(ok([[f], [f, f]])).toBe(true);
    expect(ok([[f], [f], [f], [f]])).toBe(true);
    expect(ok([[f]])).toBe(false);
    expect(ok([[f], [f], [f], [f], [f]])).toBe(false);
    expect(ok([[f], []])).toBe(false);
    expect(ok([[f], Array.from({ length: 9 }, () => f)])).toBe(false);
    expect(api['engine.diff'].request.safeParse({ source, imports: [[f], [f]], extra: 1 }).success).toBe(false);
  });

  it('refuses one import, and five', () => {
    expect(() => engineDiff([imp(fp32, 'a')])).toThrow(/2 to 4 imports/);
    expect(() => engineDiff(Array.from({ length: 5 }, () => imp(fp32, 'a')))).toThrow(/not 5/);
  });
});

describe('precision audit', () => {
  /** The classifier made FP16 by Kiln's rewrite, with its recipe stamped in, as a variant is. */
  async function fp16Variant(exclude: string[]): Promise<ModelAnalysis> {
    const src = await analyzeModel(CLS);
    autocastFp16(src, { excludeNodes: exclude });
    stampRecipe(src.opened.model, { precision: 'fp16', excludeNodes: exclude }, 'cls sha256:0');
    return analyzeModelBytes(encodeModel(src.opened.model, { source: src.opened.bytes }), CLS, 'cls-fp16.onnx');
  }
  const convs = () => nodes.filter((n) => n.opType === 'Conv').map((n) => n.name);

  it('flags the FP16-asked node an engine ran in FP32, and nothing the engine ran as asked', async () => {
    const v = await fp16Variant([]);
    const vNodes = v.ir.nodes.slice(0, v.ir.graphs[0]!.nodeEnd).map((n) => ({ name: n.name, opType: n.opType }));
    const target = convs()[5]!;
    const view = engineView(v, files(trtexecBuild(vNodes, { precision: 'fp16', fp32Nodes: [target] })));
    expect(view.audit.basis).toBe('recipe');
    expect(view.audit.asked).toBe('FP16');
    expect(view.audit.checked).toBeGreaterThan(100);
    const flagged = view.audit.items.filter((i) => i.kind === 'fp16-built-fp32');
    expect(flagged.map((i) => i.name)).toContain(target);
    for (const i of flagged) expect(i.layers[0]).toContain(target);
    expect(flagged[0]!.asked).toBe('FP16');
    // The layer TensorRT kept in FP32 runs a TF32 tactic, as it does on Ampere unless built --noTF32.
    expect(flagged[0]!.built).toBe('TF32');
    expect(flagged[0]!.reason).toContain('computes in TF32');
    expect(flagged[0]!.ms).toBeGreaterThan(0);
    // The reformats into and out of the FP32 layer are precision boundaries, with their cost.
    const around = view.audit.reformats.filter((r) => r.layer.includes(target));
    expect(around.map((r) => `${r.from}->${r.to}`)).toEqual(['FP16->FP32']);
    expect(view.audit.reformatMs!).toBeGreaterThan(0);
    // An all-FP16 build of the same variant: nothing flagged.
    const clean = engineView(v, files(trtexecBuild(vNodes, { precision: 'fp16' })));
    expect(clean.audit.items).toEqual([]);
  });

  it('a node the recipe pinned to FP32 that the engine ran in FP16 is flagged the other way', async () => {
    const pinned = convs()[2]!;
    const v = await fp16Variant([pinned]);
    const vNodes = v.ir.nodes.slice(0, v.ir.graphs[0]!.nodeEnd).map((n) => ({ name: n.name, opType: n.opType }));
    const view = engineView(v, files(trtexecBuild(vNodes, { precision: 'fp16' })));
    const item = view.audit.items.find((i) => i.name === pinned)!;
    expect(item.kind).toBe('fp32-built-lower');
    expect(item.built).toBe('FP16');
  });

  it('with no recipe, FP32 layers in an engine built for FP16 are listed; an all-FP32 engine lists none', () => {
    const target = convs()[3]!;
    const view = engineView(a, files(trtexecBuild(nodes, { precision: 'fp16', fp32Nodes: [target] })));
    expect(view.audit.basis).toBe('engine');
    expect(view.audit.asked).toBe('FP16');
    expect(view.audit.items.map((i) => i.kind)).toEqual(view.audit.items.map(() => 'fp32-in-lower-engine' as const));
    expect(view.audit.items.map((i) => i.name)).toContain(target);
    const plain = engineView(a, files(trtexecBuild(nodes, { precision: 'fp32', tf32: false })));
    expect(plain.audit.items).toEqual([]);
    expect(plain.audit.reformats).toEqual([]);
    expect(auditSummary(plain.audit)).toBe(
      'No recipe in the model, and the engine runs FP32 throughout: nothing to list',
    );
  });

  it('with no recipe, an FP32 build that ran convolutions in TF32 lists each of them, and only them', () => {
    const view = engineView(a, files(trtexecBuild(nodes, { precision: 'fp32' })));
    expect(view.audit.asked).toBeNull();
    const items = view.audit.items;
    // Every node of a convolution layer (the Conv and what it fused), and nothing else.
    const convLayers = new Set(view.layers.filter((l) => l.type === 'CaskConvolution').map((l) => l.name));
    expect(items.map((i) => i.name)).toEqual(expect.arrayContaining(convs()));
    for (const i of items) expect(convLayers.has(i.layers[0]!), i.layers[0]).toBe(true);
    for (const i of items) {
      expect(i).toMatchObject({ kind: 'tf32-in-fp32-engine', asked: 'FP32', built: 'TF32' });
      expect(i.reason).toContain('--noTF32');
    }
    expect(auditSummary(view.audit)).toBe(
      `No recipe in the model; an FP32 build: ${items.length} of ${view.audit.checked} node(s) in TF32 layers`,
    );
  });

  it('a node the recipe pinned to FP32 that ran in TF32 is flagged, with the build flag that keeps FP32', async () => {
    const pinned = convs()[2]!;
    const v = await fp16Variant([pinned]);
    const vNodes = v.ir.nodes.slice(0, v.ir.graphs[0]!.nodeEnd).map((n) => ({ name: n.name, opType: n.opType }));
    const view = engineView(v, files(trtexecBuild(vNodes, { precision: 'fp16', fp32Nodes: [pinned] })));
    const item = view.audit.items.find((i) => i.name === pinned)!;
    expect(item).toMatchObject({ kind: 'fp32-built-lower', asked: 'FP32', built: 'TF32' });
    expect(item.reason).toContain('--noTF32');
    // The summary counts them apart from what was not built as asked (kiln engine exits 0 on them).
    const tf32 = view.audit.items.filter((i) => i.asked === 'FP32' && i.built === 'TF32').length;
    expect(auditSummary(view.audit)).toBe(
      `Kiln's recipe asked ${view.audit.asked}: ${view.audit.items.length - tf32} of ${view.audit.checked} node(s) not built as asked; ${tf32} kept FP32 ran in TF32 (TensorRT's default; --noTF32 keeps them FP32)`,
    );
    const strict = engineView(v, files(trtexecBuild(vNodes, { precision: 'fp16', fp32Nodes: [pinned], tf32: false })));
    expect(strict.audit.items.find((i) => i.name === pinned)).toBeUndefined();
  });

  it('INT8 asked (the node reads DequantizeLinear) but Q/DQ left unfused: the float layer is flagged', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kiln-audit-int8-'));
    try {
      const out = path.join(dir, 'cls.int8.onnx');
      await quantizeInt8(CLS, out, {
        data: { kind: 'random', samples: 2, seed: 1, shapes: { x: [1, 3, 48, 192] } },
        calibrator: 'max',
        flavour: 'tensorrt',
      });
      const q = await analyzeModel(out);
      const main = q.ir.graphs[0]!;
      const qNodes = q.ir.nodes.slice(main.nodeStart, main.nodeEnd).map((n) => ({ name: n.name, opType: n.opType }));
      // The builder makes every Q/DQ its own layer and runs the convolutions in FP16: nothing fused.
      const unfused = engineView(q, files(trtexecBuild(qNodes, { precision: 'fp16' })));
      expect(unfused.audit.basis).toBe('recipe');
      expect(unfused.audit.asked).toMatch(/^INT8/);
      const flagged = unfused.audit.items.filter((i) => i.kind === 'int8-not-fused');
      expect(flagged.length).toBeGreaterThan(10);
      expect(flagged.every((i) => i.asked === 'INT8' && i.built === 'FP16')).toBe(true);
      expect(flagged.some((i) => i.op === 'Conv')).toBe(true);
      // The same engine with the Q/DQ fused into INT8 convolutions: the convolutions are not flagged.
      const built = trtexecBuild(qNodes, { precision: 'fp16' });
      for (const l of (built.layers as { Layers: Record<string, unknown>[] }).Layers)
        if (l.LayerType === 'CaskConvolution') l.Weights = { Type: 'Int8', Count: 144 };
      const fused = engineView(q, files(built));
      expect(fused.audit.items.filter((i) => i.op === 'Conv')).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.each(['vit-tiny', 'bert-tiny', 'ssdlite-tiny', 'unet-tiny', 'kws-lstm-gru', 'mobilenetv3-fp16'])(
  'engine diff across the zoo: %s',
  (model) => {
    it('an FP32 and an FP16 build pair up, every millisecond accounted for, both builds matching the model', async () => {
      const z = await analyzeModel(path.resolve(__dirname, `../../fixtures/zoo/${model}.onnx`));
      const main = z.ir.graphs[0]!;
      const zNodes = z.ir.nodes.slice(main.nodeStart, main.nodeEnd).map((n) => ({ name: n.name, opType: n.opType }));
      const a32 = engineView(z, files(trtexecBuild(zNodes, { precision: 'fp32' })));
      const a16 = engineView(z, files(trtexecBuild(zNodes, { precision: 'fp16', schema: '11' })));
      const d = engineDiff([imp(a32, 'fp32'), imp(a16, 'fp16')]);
      for (const i of d.imports) {
        expect(i.match.ok, `${model} ${i.label}: ${i.match.warning}`).toBe(true);
        expect(i.paired).toBeGreaterThan(0.9);
      }
      expect(d.imports[1]!.totalMs!).toBeLessThan(d.imports[0]!.totalMs!);
      d.imports.forEach((i, e) => {
        const sum = d.groups.reduce((s, g) => s + (g.engines[e]!.ms ?? 0) + g.engines[e]!.reformatMs!, 0);
        expect(sum + i.unmapped.reduce((s, u) => s + (u.ms ?? 0), 0)).toBeCloseTo(i.totalMs!, 5);
      });
      // No recipe in a zoo model: an all-FP16 engine has no FP32 layer to list; an FP32 one lists only
      // its TF32 convolutions, and with --noTF32 nothing.
      expect(a16.audit.basis).toBe('engine');
      expect(a16.audit.items.filter((x) => x.built === 'FP32' || x.built === 'TF32')).toEqual([]);
      expect(a32.audit.items.filter((x) => x.kind !== 'tf32-in-fp32-engine' || x.built !== 'TF32')).toEqual([]);
      expect(engineView(z, files(trtexecBuild(zNodes, { precision: 'fp32', tf32: false }))).audit.items).toEqual([]);
    });
  },
);
