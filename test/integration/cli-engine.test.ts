/**
 * `kiln engine` (issue 23): the engine view from the command line as the JSON (layers with
 * their ONNX nodes and precision, unmapped, uncovered, totalMs, match, audit), the engine diff of an
 * FP32 and an FP16 build with --vs (groups, totals, each import's match), files of another model
 * said to be so, the audit of a Kiln FP16 variant that an engine ran partly in FP32, and the HTML
 * report's engine-diff section. Runs the compiled CLI (`npx tsc -p tsconfig.json` first).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKiln } from './helpers';
import { analyzeModel } from '../../electron/core/onnx/analyze';
import { trtexecBuild, type OnnxNodeLike, type TrtexecFiles } from '../builders/trtexec';

const ROOT = path.resolve(__dirname, '../..');
const CLS = path.join(ROOT, 'assets/sample/ch_ppocr_mobile_v2.0_cls_infer.onnx');
const RESNET = path.join(ROOT, 'test/fixtures/trtexec/resnet-mini.trt10.layers.json');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-cli-engine-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const kiln = (...args: string[]) => runKiln(args, { timeout: 110_000 });

/** Writes an import's three files; returns their paths. */
function write(prefix: string, f: TrtexecFiles): string[] {
  return (['layers', 'profile', 'times'] as const).map((k) => {
    const p = path.join(tmp, `${prefix}.${k}.json`);
    fs.writeFileSync(p, JSON.stringify(f[k], null, 1));
    return p;
  });
}

let nodes: OnnxNodeLike[];
let fp32: string[];
let fp16: string[];
beforeAll(async () => {
  const a = await analyzeModel(CLS);
  nodes = a.ir.nodes.slice(0, a.ir.graphs[0]!.nodeEnd).map((n) => ({ name: n.name, opType: n.opType }));
  fp32 = write('fp32', trtexecBuild(nodes, { precision: 'fp32' }));
  fp16 = write('fp16', trtexecBuild(nodes, { precision: 'fp16', schema: '11' }));
});

describe('kiln engine', () => {
  it('--help says what it prints and how --vs works', () => {
    const r = kiln('engine', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: kiln engine');
    expect(r.stdout).toContain('--vs');
  });

  it('--json: layers with their ONNX nodes and precision, unmapped, uncovered, totalMs, match, audit', () => {
    const r = kiln('engine', CLS, ...fp16, '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.match).toEqual({ share: 1, ok: true });
    const conv = j.layers.find((l: { type: string }) => l.type === 'CaskConvolution');
    expect(conv.precision).toBe('FP16');
    expect(conv.nodes[0]).toMatch(/^p2o\.Conv\./);
    expect(conv.ms).toBeGreaterThan(0);
    expect(j.totalMs).toBeGreaterThan(0);
    expect(j.unmapped).toEqual([]);
    // Constants fold away: every uncovered node is named, and is one.
    expect(j.uncovered.length).toBeGreaterThan(100);
    expect(j.uncovered).not.toContain(conv.nodes[0]);
    expect(j.audit.basis).toBe('engine');
    expect(j.audit.items).toEqual([]);
    expect(j.audit.reformats.map((x: { from: string; to: string }) => `${x.from}->${x.to}`)).toEqual([
      'FP32->FP16',
      'FP16->FP32',
    ]);
  });

  it('text: the layers table, the match and the audit', () => {
    const r = kiln('engine', CLS, ...fp32);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/match: 100% of the names/);
    expect(r.stdout).toMatch(/CaskConvolution\s+p2o\.Conv\.0/);
    // The FP32 build ran its convolutions in TF32 (TensorRT's default): one line of why, then the nodes.
    expect(r.stdout).toMatch(/audit: No recipe in the model; an FP32 build: \d+ of \d+ node\(s\) in TF32 layers/);
    expect(r.stdout.match(/tf32-in-fp32-engine: /g)).toHaveLength(1);
    expect(r.stdout).toMatch(/\n {4}p2o\.Conv\.0 \(Conv\) → p2o\.Conv\.0/);
    const strict = write('strict', trtexecBuild(nodes, { precision: 'fp32', tf32: false }));
    const s = kiln('engine', CLS, ...strict);
    expect(s.code).toBe(0);
    expect(s.stdout).toMatch(/audit: No recipe in the model, and the engine runs FP32 throughout/);
  });

  it('--vs: the FP32 and FP16 builds lined up, groups sorted by change, totals and matches', () => {
    const report = path.join(tmp, 'diff.html');
    const r = kiln('engine', CLS, ...fp32, '--vs', ...fp16, '--json', '--report', report);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.totals).toHaveLength(2);
    expect(j.totals[1]).toBeLessThan(j.totals[0]);
    expect(j.imports.map((i: { match: { ok: boolean } }) => i.match.ok)).toEqual([true, true]);
    expect(j.imports[0].paired).toBeGreaterThan(0.95);
    const g = j.groups[0];
    expect(g.engines).toHaveLength(2);
    expect(Object.keys(g.engines[0])).toEqual(expect.arrayContaining(['layers', 'precision', 'ms']));
    expect(typeof g.nodes[0]).toBe('string');
    expect(j.groups.some((x: { fusionDiffers: boolean }) => x.fusionDiffers)).toBe(true);
    const html = fs.readFileSync(report, 'utf8');
    expect(html).toContain('<h2>Engine diff</h2>');
    expect(html).toContain('Where the time went, by layer type');
    expect(html).not.toMatch(/<script|https?:\/\//);
  });

  it('files of another model in the diff: said, with the share that matches, and exit 1', () => {
    const r = kiln('engine', CLS, ...fp32, '--vs', RESNET);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /warning: B \(resnet-mini\.trt10\.layers\.json\): These files do not look built from .* \(\d+%\)/,
    );
  });

  it('an FP16 variant an engine ran partly in FP32: the audit names the node, exit 1', () => {
    const variant = path.join(tmp, 'cls-fp16.onnx');
    const made = kiln('convert', CLS, '--precision', 'fp16', '-o', variant);
    expect(made.code, made.stderr).toBe(0);
    const target = nodes.filter((n) => n.opType === 'Conv')[4]!.name;
    const files = write('partly', trtexecBuild(nodes, { precision: 'fp16', fp32Nodes: [target] }));
    const r = kiln('engine', variant, ...files, '--json');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.audit.basis).toBe('recipe');
    expect(j.audit.asked).toBe('FP16');
    const item = j.audit.items.find((i: { name: string }) => i.name === target);
    expect(item).toMatchObject({ kind: 'fp16-built-fp32', asked: 'FP16', built: 'TF32' });
  });

  it('an FP32 pin run in TF32 is reported, and alone does not fail the check (exit 0)', () => {
    const variant = path.join(tmp, 'cls-fp16-pinned.onnx');
    const pinned = nodes.filter((n) => n.opType === 'Conv')[2]!.name;
    // The engine's layer over the Conv also computes the BatchNormalization and Relu it fused: pin all three.
    const at = nodes.findIndex((n) => n.name === pinned);
    const layer = nodes.slice(at, at + 3).map((n) => n.name);
    expect(nodes.slice(at, at + 3).map((n) => n.opType)).toEqual(['Conv', 'BatchNormalization', 'Relu']);
    const made = kiln('convert', CLS, '--precision', 'fp16', '--exclude-nodes', layer.join(','), '-o', variant);
    expect(made.code, made.stderr).toBe(0);
    const files = write('pinned', trtexecBuild(nodes, { precision: 'fp16', fp32Nodes: [pinned] }));
    const r = kiln('engine', variant, ...files, '--json');
    const j = JSON.parse(r.stdout);
    const item = j.audit.items.find((i: { name: string }) => i.name === pinned);
    expect(item).toMatchObject({ kind: 'fp32-built-lower', asked: 'FP32', built: 'TF32' });
    expect(j.audit.items.filter((i: { built: string }) => i.built !== 'TF32')).toEqual([]);
    expect(r.code).toBe(0);
  });

  it('wrong usage: no files, an empty --vs, five imports', () => {
    expect(kiln('engine', CLS).code).toBe(2);
    const empty = kiln('engine', CLS, ...fp32, '--vs');
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/--vs number 1 has no files/);
    const many = kiln('engine', CLS, fp32[0]!, '--vs', fp32[0]!, '--vs', fp32[0]!, '--vs', fp32[0]!, '--vs', fp32[0]!);
    expect(many.stderr).toMatch(/at most 4 imports/);
  });
});
