/**
 * The HTML report's engine section on an FP32 and an FP16 build of one network: self-contained
 * (inline SVG, no scripts, nothing fetched), every import and the groups that changed most shown,
 * names escaped, the audit said in words; and the comparison report carries the section when given.
 */
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeModel, type ModelAnalysis } from '../../../electron/core/onnx/analyze';
import { engineDiff } from '../../../electron/core/trt/engine-diff/diff';
import { engineView } from '../../../electron/core/trt/engine-view';
import type { Comparison } from '../../../electron/shared/api/comparison';
import type { EngineDiff } from '../../../electron/shared/api/engine-diff';
import type { EngineView } from '../../../electron/shared/api/tensorrt';
import { engineDiffJson, engineReportJson, engineViewJson } from '../../../electron/shared/compare/engine-json';
import {
  auditSummary,
  engineDiffSection,
  engineReportHtml,
  engineSection,
} from '../../../electron/shared/compare/engine-report';
import { comparisonHtml } from '../../../electron/shared/compare/report';
import { DEFAULT_THRESHOLDS } from '../../../electron/shared/compare/thresholds';
import { trtexecBuild, type TrtexecFiles } from '../../builders/trtexec';

const CLS = path.resolve(__dirname, '../../../assets/sample/ch_ppocr_mobile_v2.0_cls_infer.onnx');
const files = (f: TrtexecFiles) => [
  { name: 'layers.json', text: JSON.stringify(f.layers) },
  { name: 'profile.json', text: JSON.stringify(f.profile) },
];

let a: ModelAnalysis;
let names: string[];
let views: EngineView[];
let diff: EngineDiff;
let nodes: { name: string; opType: string }[];
beforeAll(async () => {
  a = await analyzeModel(CLS);
  const main = a.ir.graphs[0]!;
  nodes = a.ir.nodes.slice(main.nodeStart, main.nodeEnd).map((n) => ({ name: n.name, opType: n.opType }));
  names = nodes.map((n) => n.name);
  const conv = nodes.filter((n) => n.opType === 'Conv')[3]!.name;
  views = [
    engineView(a, files(trtexecBuild(nodes, { precision: 'fp32' }))),
    engineView(a, files(trtexecBuild(nodes, { precision: 'fp16', fp32Nodes: [conv] }))),
  ];
  diff = engineDiff([
    { files: ['fp32 <b>layers</b>.json'], view: views[0]! },
    { files: ['fp16.json'], view: views[1]! },
  ]);
});

describe('the engine section of the HTML report', () => {
  it('is self-contained, shows each import, the charts and the most changed group first', () => {
    const html = engineReportHtml({ model: 'cls.onnx', views, diff, names });
    expect(html).not.toMatch(/<script|https?:\/\/|<link|<img/);
    expect(html.match(/<svg /g)?.length).toBe(2);
    expect(html).toContain('<h2>Engine diff</h2>');
    expect(html).toContain('fp32 &#60;b&#62;layers&#60;/b&#62;.json');
    expect(html).not.toContain('<b>layers</b>');
    const top = diff.groups[0]!;
    const firstRow = html.indexOf('<h3>Groups of ONNX nodes');
    expect(html.indexOf(names[top.nodes[0]!]!, firstRow)).toBeGreaterThan(firstRow);
    // Each engine's audit: B lists its FP32 layer in an FP16 engine.
    expect(html).toContain('Precision audit A');
    expect(html).toContain(auditSummary(views[1]!.audit));
    expect(views[1]!.audit.items.length).toBeGreaterThan(0);
  });

  it('an import without a profile beside one with: no bar and no 0 ms for it, "no profile" said; none: layers counted', () => {
    const layersOnly = engineView(a, files(trtexecBuild(nodes, { precision: 'fp16' })).slice(0, 1));
    expect(layersOnly.totalMs).toBeNull();
    const mixed = engineDiff([
      { files: ['fp32.json'], view: views[0]! },
      { files: ['fp16-layers.json'], view: layersOnly },
    ]);
    const html = engineDiffSection(mixed, names);
    // B's rows have no rect at all: every bar title names A.
    const titles = [...html.matchAll(/<rect [^>]*><title>([^<]*)<\/title>/g)].map((m) => m[1]!);
    expect(titles.length).toBeGreaterThan(5);
    expect(titles.filter((t) => t.startsWith('B'))).toEqual([]);
    expect(html).not.toMatch(/B[^<]*: 0\.0000 ms/);
    expect(html).toContain('no profile');
    const none = engineDiffSection(
      engineDiff([
        { files: ['a.json'], view: engineView(a, files(trtexecBuild(nodes, { precision: 'fp32' })).slice(0, 1)) },
        { files: ['b.json'], view: layersOnly },
      ]),
      names,
    );
    expect(none).toContain('Layers by type (no profile imported, so no times)');
    expect(none).toContain('No times to chart by group');
    expect(none).not.toMatch(/\d\.\d{4} ms/);
  });

  it('the comparison report carries the engine-diff section when given one, and not otherwise', () => {
    const c = {
      reference: 'cls.onnx',
      outputs: [],
      variants: [],
      samples: 1,
      shapes: {},
      judged: [],
      thresholds: DEFAULT_THRESHOLDS,
    } as unknown as Comparison;
    expect(comparisonHtml(c)).not.toContain('Engine diff');
    const html = comparisonHtml(c, { engines: { views, diff, names } });
    expect(html).toContain('<h2>Engine diff</h2>');
    expect(html).toContain('Where the time went, by layer type');
    // The same section kiln engine --report writes, audits included: one builder, not two.
    const cli = engineReportHtml({ model: 'cls.onnx', views, diff, names });
    const section = engineSection({ views, diff, names });
    expect(cli).toContain(section);
    expect(html).toContain(section);
    expect(html).toContain('Precision audit B');
    expect(html).toContain(auditSummary(views[1]!.audit));
    expect(html).not.toMatch(/<script|https?:\/\/|<link|<img/);
  });

  it('with one import, the comparison report carries its view and audit, not a diff', () => {
    const c = {
      reference: 'cls.onnx',
      outputs: [],
      variants: [],
      samples: 1,
      shapes: {},
      judged: [],
      thresholds: DEFAULT_THRESHOLDS,
    } as unknown as Comparison;
    const html = comparisonHtml(c, { engines: { views: [views[1]!], diff: null, names } });
    expect(html).not.toContain('Engine diff');
    expect(html).toContain('<h2>Engine</h2>');
    expect(html).toContain(`${views[1]!.kernels} kernel layers`);
    expect(html).toContain(auditSummary(views[1]!.audit));
  });

  it('the JSON is the one kiln engine --json writes: the diff with each audit, or the one view', () => {
    const two = engineReportJson({ views, diff, names }) as ReturnType<typeof engineDiffJson>;
    expect(two).toEqual(engineDiffJson(diff, views, names));
    expect(two.totals).toEqual(diff.imports.map((i) => i.totalMs));
    expect(two.imports[1]!.audit!.items.length).toBe(views[1]!.audit.items.length);
    expect(two.groups[0]!.nodes[0]).toBe(names[diff.groups[0]!.nodes[0]!]);
    const one = engineReportJson({ views: [views[0]!], diff: null, names }) as ReturnType<typeof engineViewJson>;
    expect(one).toEqual(engineViewJson(views[0]!, names));
    expect(one.layers.length).toBe(views[0]!.layers.length);
  });

  it('says the audit in words for each basis', () => {
    // An FP32 build with TensorRT's defaults runs its convolutions in TF32; with --noTF32, none.
    expect(auditSummary(views[0]!.audit)).toMatch(
      /^No recipe in the model; an FP32 build: \d+ of \d+ node\(s\) in TF32 layers$/,
    );
    const strict = engineView(a, files(trtexecBuild(nodes, { precision: 'fp32', tf32: false })));
    expect(auditSummary(strict.audit)).toBe(
      'No recipe in the model, and the engine runs FP32 throughout: nothing to list',
    );
    expect(auditSummary(views[1]!.audit)).toMatch(
      /^No recipe in the model; the engine runs FP16: \d+ of \d+ node\(s\) in FP32 layers$/,
    );
  });
});
