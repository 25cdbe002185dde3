// `kiln diff` through the real bin shim, the API contract and the engine host: a model against its
// FP16 variant (made by `kiln convert`), against itself, against an unrelated model, and a missing file.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runKiln } from './helpers';
import { ModelDiffSchema } from '../../electron/shared/api/diff';

const ROOT = path.resolve(__dirname, '../..');
const ZOO = path.join(ROOT, 'test/fixtures/zoo');
const UNET = path.join(ZOO, 'unet-tiny.onnx');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-cli-diff-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const kiln = (...args: string[]) => runKiln(args, { timeout: 120_000 });

describe('kiln diff', () => {
  it('a model against its FP16 variant: the recipe, the weights rounded to FP16 and the Casts at the edges', () => {
    const fp16 = path.join(tmp, 'unet-fp16.onnx');
    expect(kiln('convert', UNET, '--precision', 'fp16', '-o', fp16).code).toBe(0);
    const r = kiln('diff', UNET, fp16, '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const d = ModelDiffSchema.parse(JSON.parse(r.stdout));
    expect(d.related).toBe(true);
    expect(d.identical).toBe(false);
    expect(d.header.map((h) => h.field)).toContain('metadata kiln.recipe');
    // Every float weight now FP16, each within FP16's rounding of its FP32 value.
    const weights = d.initializers.filter((i) => i.a?.dtype === 'float32' && i.b?.dtype === 'float16');
    expect(weights.length).toBeGreaterThan(5);
    for (const w of weights) {
      expect(w.change).toBe('changed');
      expect(w.cosine ?? 1).toBeGreaterThan(0.9999);
      expect(w.maxAbsDiff).toBeLessThan(0.01);
    }
    // Inputs keep FP32 by default: Casts are added at the edges, the nodes reading them changed.
    expect(d.nodes.added.some((n) => n.op === 'Cast')).toBe(true);
    expect(d.nodes.removed).toEqual([]);
    expect(d.nodes.changed.every((c) => c.changes.every((f) => f.what === 'input' || f.what === 'attribute'))).toBe(
      true,
    );
    // Changes only: nothing listed that did not change.
    expect(d.inputs).toEqual([]);
    const text = kiln('diff', UNET, fp16);
    expect(text.stdout).toContain('unet-tiny.onnx');
    expect(text.stdout).toMatch(/^\s+\+ Cast /m);
    expect(text.stdout).toMatch(/max \|Δ\| [0-9.e-]+, cosine (0\.9999|1\.0000)/);
  });

  it('a model against itself: no changes, exit 0', () => {
    const r = kiln('diff', UNET, UNET);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('No changes: unet-tiny.onnx and unet-tiny.onnx are the same file, byte for byte.');
  });

  it('unrelated models: said so, with the share of names matched, no node list', () => {
    const r = kiln('diff', path.join(ZOO, 'kws-lstm-gru.onnx'), UNET);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/have almost nothing in common: \d+% of node names match/);
    expect(r.stdout).not.toContain('Nodes (');
  });

  it('a missing file is named', () => {
    const r = kiln('diff', UNET, path.join(tmp, 'nope.onnx'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('nope.onnx: no such file');
  });
});
