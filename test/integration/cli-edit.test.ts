// `kiln fix` and `kiln edit` through the real bin shim and the compiled CLI (npx tsc -p tsconfig.json first).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runKiln } from './helpers';
import { openModelFile } from '../../electron/core/onnx/open';

const ROOT = path.resolve(__dirname, '../..');
const ZOO = path.join(ROOT, 'test/fixtures/zoo');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-cli-edit-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const kiln = (...args: string[]) => runKiln(args, { timeout: 120_000, variantsDir: path.join(tmp, 'variants') });

const opsOf = async (file: string) => {
  const m = (await openModelFile(file)).model;
  const out: Record<string, number> = {};
  for (const n of m.graph!.node) out[n.opType] = (out[n.opType] ?? 0) + 1;
  return out;
};

describe('kiln fix / kiln edit', () => {
  it('fix on a dynamic-axes transformer export with fixed shapes: shape subgraphs gone, outputs unchanged, check passes', async () => {
    const src = path.join(ZOO, 'bert-tiny.onnx');
    const before = fs.readFileSync(src);
    const out = path.join(tmp, 'bert.fixed.onnx');
    const r = kiln(
      'fix',
      src,
      '--for',
      'trt10',
      '--shapes',
      'input_ids:1x16,attention_mask:1x16,token_type_ids:1x16',
      '-o',
      out,
      '--json',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as {
      applied: { kind: string; nodesBefore: number; nodesAfter: number }[];
      exactness: { exact: boolean; inputs: string; outputs: { name: string; maxAbs: number; cosine: number }[] };
      check: { unsupported: number; nodes: number };
      output: string;
    };
    expect(report.applied.map((a) => a.kind)).toEqual(['shapes', 'fold', 'int64ToInt32']);
    expect(report.exactness.exact).toBe(true);
    expect(report.exactness.outputs.map((o) => o.name)).toEqual(['last_hidden_state', 'pooler_output']);
    expect(report.check.unsupported).toBe(0);
    expect(fs.readFileSync(src).equals(before)).toBe(true);
    const [parentOps, fixedOps] = [await opsOf(src), await opsOf(out)];
    expect(parentOps.Shape).toBeGreaterThan(0);
    for (const op of ['Shape', 'Constant', 'ConstantOfShape', 'Identity']) expect(fixedOps[op] ?? 0, op).toBe(0);
    expect(fixedOps.MatMul).toBe(parentOps.MatMul);
    expect(report.check.nodes).toBeLessThan(Object.values(parentOps).reduce((a, b) => a + b, 0) / 2);
  }, 180_000);

  it('edit --shapes --fold writes -o and prints what each edit did', () => {
    const out = path.join(tmp, 'vit.edited.onnx');
    const r = kiln('edit', path.join(ZOO, 'vit-tiny.onnx'), '--shapes', 'images:1x3x64x64', '--fold', '-o', out);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/shapes .*set images to 1×3×64×64/);
    expect(r.stdout).toMatch(/fold +282 → \d+/);
    expect(r.stdout).toMatch(/unchanged within float rounding/);
    expect(fs.existsSync(out)).toBe(true);
  }, 180_000);

  it('refuses shapes for an unknown input, naming the inputs, and writes nothing', () => {
    const out = path.join(tmp, 'never.onnx');
    const r = kiln('edit', path.join(ZOO, 'vit-tiny.onnx'), '--shapes', 'image:1x3x64x64', '--fold', '-o', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/vit-tiny.onnx: no input named "image": the model's inputs are images/);
    expect(fs.existsSync(out)).toBe(false);
  }, 60_000);

  it('answers --help and wrong usage with its options', () => {
    const h = kiln('fix', '--help');
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/fix <model.onnx> --for trt10\|trt11/);
    const bad = kiln('fix', path.join(ZOO, 'vit-tiny.onnx'), '--for', 'trt9', '-o', path.join(tmp, 'x.onnx'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--for must be trt10 or trt11, not "trt9"/);
    const none = kiln('edit', path.join(ZOO, 'vit-tiny.onnx'), '-o', path.join(tmp, 'x.onnx'));
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/at least one edit flag/);
  }, 60_000);

  it('edit --opset 24 --trt 10: the detector raised to the newest opset TensorRT 10 parses, outputs equal, check without an opset finding', () => {
    const out = path.join(tmp, 'ssdlite.opset24.onnx');
    const r = kiln('edit', path.join(ZOO, 'ssdlite-tiny.onnx'), '--opset', '24', '--trt', '10', '-o', out, '--json');
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout) as {
      applied: { kind: string; summary: string }[];
      exactness: { exact: boolean; outputs: { maxAbs: number }[] };
      check: { findings: { node: string; reason: string }[] };
    };
    expect(report.applied).toEqual([expect.objectContaining({ kind: 'opset', summary: 'opset 17 → 24' })]);
    expect(report.exactness.exact).toBe(true);
    expect(report.exactness.outputs.length).toBeGreaterThan(0);
    for (const o of report.exactness.outputs) expect(o.maxAbs).toBe(0);
    expect(report.check.findings.filter((f) => /opset/.test(f.reason))).toEqual([]);
  }, 180_000);

  it('edit --opset 25 --trt 10 is refused, naming the newest opset TensorRT 10 parses; nothing is written', () => {
    const out = path.join(tmp, 'never-opset.onnx');
    const r = kiln('edit', path.join(ZOO, 'unet-tiny.onnx'), '--opset', '25', '--trt', '10', '-o', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/unet-tiny.onnx: TensorRT 10.15 parses ai.onnx opsets up to 24, .*opset 25/);
    expect(fs.existsSync(out)).toBe(false);
  }, 60_000);
});
