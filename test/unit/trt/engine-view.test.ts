/** trtexec files for a real model, both layer-info schemas, mapped onto its graph. */
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeModel, type ModelAnalysis } from '../../../electron/core/onnx/analyze';
import { engineView } from '../../../electron/core/trt/engine-view';
import { trtexecFiles } from '../../builders/trtexec';

const CLS = path.resolve(__dirname, '../../../assets/sample/ch_ppocr_mobile_v2.0_cls_infer.onnx');
let a: ModelAnalysis;
let names: string[];
beforeAll(async () => {
  a = await analyzeModel(CLS);
  names = a.ir.nodes.slice(a.ir.graphs[0]!.nodeStart, a.ir.graphs[0]!.nodeEnd).map((n) => n.name);
});

describe.each(['10', '11'] as const)('engine view from TensorRT %s.x files', (schema) => {
  it('maps every layer to the ONNX nodes it was made from, and lists what matches nothing', () => {
    const nodes = names.map((name, i) => ({ name, opType: a.ir.nodes[a.ir.graphs[0]!.nodeStart + i]!.opType }));
    const files = trtexecFiles(nodes, schema);
    const view = engineView(a, [
      { name: 'layers.json', text: JSON.stringify(files.layers) },
      { name: 'profile.json', text: JSON.stringify(files.profile) },
      { name: 'times.json', text: JSON.stringify(files.times) },
    ]);
    expect(view.schema).toBe(schema);
    expect(view.files.map((f) => f.kind)).toEqual(['layer-info', 'profile', 'times']);
    expect(view.layers).toHaveLength(files.expected.length);
    for (const [i, l] of view.layers.entries()) {
      const want = files.expected[i]!;
      expect(l.name).toBe(want.name);
      const got = l.nodes.map((n) => names[n]);
      if (l.isForeign) {
        // A Myelin range covers everything between its ends in topological order.
        const lo = names.indexOf(want.nodes[0]!);
        const hi = names.indexOf(want.nodes[want.nodes.length - 1]!);
        expect(l.nodes).toEqual(Array.from({ length: hi - lo + 1 }, (_, k) => lo + k));
      } else expect(new Set(got)).toEqual(new Set(want.nodes));
    }
    expect(view.layers.filter((l) => l.via === 'metadata').length).toBeGreaterThan(0);
    expect(view.unmapped.map((u) => u.name)).toContain('ghost_layer_from_another_model');
    expect(view.layers[1]!.precision).toBe('FP16');
    // Times: per-layer averages from the profile, shares summing to 1; latency from the times file.
    const shares = view.layers.reduce((s, l) => s + (l.share ?? 0), 0);
    expect(shares).toBeCloseTo(1, 6);
    expect(view.iterations).toBe(200);
    expect(view.times!.count).toBe(16);
    expect(view.times!.latency!.min).toBeLessThanOrEqual(view.times!.latency!.median);
    // Every layer is a kernel but the two reformats (FP32 → FP16 at the input, back at the output).
    expect(view.kernels).toBe(view.layers.length - 2);
  });
});

describe('engine view on bad input', () => {
  it('a truncated layer-info file imports as far as it goes, with a warning', () => {
    const nodes = names.map((name) => ({ name, opType: 'Relu' }));
    const text = JSON.stringify(trtexecFiles(nodes, '11').layers);
    const view = engineView(a, [{ name: 'cut.json', text: text.slice(0, Math.floor(text.length / 2)) }]);
    expect(view.layers.length).toBeGreaterThan(3);
    expect(view.warnings.join(' ')).toMatch(/cut\.json/);
  });

  it('a profile alone still maps by layer names', () => {
    const nodes = names.map((name, i) => ({ name, opType: a.ir.nodes[a.ir.graphs[0]!.nodeStart + i]!.opType }));
    const files = trtexecFiles(nodes, '10');
    const view = engineView(a, [{ name: 'profile.json', text: JSON.stringify(files.profile) }]);
    expect(view.schema).toBeNull();
    const conv = view.layers.find((l) => l.name.includes(' + '))!;
    expect(conv.nodes.length).toBeGreaterThan(1);
    expect(conv.ms).toBeGreaterThan(0);
  });

  it('text that is not JSON is refused by file name', () => {
    expect(() => engineView(a, [{ name: 'notes.json', text: 'hello there' }])).toThrow(/notes\.json/);
  });
});
