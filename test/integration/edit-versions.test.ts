// model.edit's core: a new version written beside the variants, run beside its parent, its edit log
// in metadata_props; an exact edit that moves an output is refused and nothing is written.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { editModelFile } from '../../electron/core/edit/version';
import { editLogOf } from '../../electron/core/edit/edit-log';
import { openModelFile } from '../../electron/core/onnx/open';
import { variantPath } from '../../electron/platform/paths';
import { readVariantName } from '../../electron/platform/variant-names';
import { liveSessions } from '../../electron/core/backends/onnxruntime/session';
import { suiteTempDir } from './helpers';
import { DT, GraphBuilder, model, randomFloats, seeded } from '../builders/graph';
import { encodeModel } from '../../electron/core/onnx/encode';

const { perturb } = vi.hoisted(() => ({ perturb: { on: false } }));
// With `perturb.on`, the edits return a model whose largest float weight is shifted, still marked exact:
// the edit job must see the outputs move and refuse it.
vi.mock('../../electron/core/edit/apply', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../electron/core/edit/apply')>();
  return {
    ...real,
    applyEdits: (...args: Parameters<typeof real.applyEdits>) => {
      const r = real.applyEdits(...args);

      if (!perturb.on) return r;
      const g = r.model.graph!;
      const i = g.initializer.findIndex(
        (t) => t.dataType === 1 && t.data.kind === 'bytes' && t.data.bytes.length >= 64,
      );
      const t = g.initializer[i]!;
      const src = t.data.kind === 'bytes' ? t.data.bytes : new Uint8Array(0);
      const copy = new Uint8Array(src.length);
      copy.set(src);
      const f = new Float32Array(copy.buffer).map((v, k) => v + (k % 3 === 0 ? 0.1 : 0)); // not a constant shift, which a LayerNorm would undo;
      g.initializer[i] = { ...t, data: { kind: 'bytes', bytes: new Uint8Array(f.buffer) } };
      return r;
    },
  };
});

const ZOO = path.resolve(__dirname, '../fixtures/zoo');
const ctx = { progress: () => {}, signal: new AbortController().signal };
const tmp = suiteTempDir('kiln-edit-versions-');

describe('edit versions', () => {
  it('writes a new version of bert-tiny with its shape subgraphs folded, outputs unchanged, and the log read back', async () => {
    const parentFile = path.join(ZOO, 'bert-tiny.onnx');
    const parentBytes = fs.readFileSync(parentFile);
    const shapes = { input_ids: [1, 12], attention_mask: [1, 12], token_type_ids: [1, 12] };
    const r = await editModelFile(
      parentFile,
      'bert-tiny.onnx',
      { edits: [{ kind: 'shapes', shapes }, { kind: 'fold' }, { kind: 'int64ToInt32' }], trt: 10 },
      ctx,
    );
    expect(fs.readFileSync(parentFile).equals(parentBytes)).toBe(true);
    expect(r.source.kind).toBe('variant');
    const id = r.source.kind === 'variant' ? r.source.variantId : '';
    expect(r.fileName).toBe('bert-tiny.shapes-fold-int64ToInt32.onnx');
    expect(readVariantName(id)).toBe(r.fileName);
    expect(r.exactness).toMatchObject({ inputs: 'seeded', exact: true, samples: 2 });
    expect(r.exactness.skipped).toBeUndefined();
    for (const o of r.exactness.outputs) expect(o.cosine).toBeGreaterThan(0.999999);
    expect(r.applied.map((a) => a.kind)).toEqual(['shapes', 'fold', 'int64ToInt32']);
    expect(r.applied[1]!.nodesAfter).toBeLessThan(r.applied[1]!.nodesBefore / 2);
    expect(r.changes.removed.length).toBeGreaterThan(100);
    expect(r.check?.unsupported).toBe(0);
    const child = await openModelFile(variantPath(id));
    expect(child.model.graph!.node.some((n) => n.opType === 'Shape')).toBe(false);
    const log = editLogOf(child.model);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ parent: 'bert-tiny.onnx', parentSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });

    // An edit of the edit: the chain grows.
    const again = await editModelFile(
      variantPath(id),
      r.fileName,
      { edits: [{ kind: 'dynamicBatch', name: 'b' }] },
      ctx,
    );
    const grand = await openModelFile(variantPath(again.source.kind === 'variant' ? again.source.variantId : ''));
    expect(editLogOf(grand.model).map((e) => e.parent)).toEqual(['bert-tiny.onnx', r.fileName]);
    expect(again.exactness.exact).toBe(true);
    expect(liveSessions()).toBe(0);
  }, 120_000);

  it('refuses an exact edit list whose result moved an output, naming the output, and writes nothing', async () => {
    perturb.on = true;
    try {
      await expect(
        editModelFile(path.join(ZOO, 'bert-tiny.onnx'), 'bert-tiny.onnx', { edits: [{ kind: 'fold' }] }, ctx),
      ).rejects.toThrow(
        /bert-tiny.onnx: the edits \(fold\) should leave the outputs unchanged, but output (last_hidden_state|pooler_output) moved by up to/,
      );
    } finally {
      perturb.on = false;
    }
    const written = fs.readdirSync(path.join(tmp, 'variants'), { recursive: true }).map(String);
    expect(written.filter((f) => f.includes('.tmp') || f.endsWith('.onnx')).length).toBe(
      written.filter((f) => f.endsWith('.onnx')).length,
    );
    expect(liveSessions()).toBe(0);
  }, 120_000);
});

describe('folding constants that only move bytes', () => {
  it('folds Transpose, Gather, Expand, Concat, Slice and Unsqueeze of weights exactly as ONNX Runtime computes them', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', DT.float32, [2, 3, 4]);
    const rand = seeded(7);
    const w = b.init('w', DT.float32, [4, 3, 2], randomFloats(rand, 24, 1));
    const t = b.node('Transpose', [w], { name: 'transpose', attrs: { perm: [2, 1, 0] } }); // [2,3,4]
    const table = b.init('table', DT.float32, [5, 4], randomFloats(rand, 20, 1));
    const idx = b.init('idx', DT.int64, [3], [4n, 0n, -2n]);
    const g = b.node('Gather', [table, idx], { name: 'gather', attrs: { axis: 0 } }); // [3,4]
    const shape = b.init('shape', DT.int64, [3], [2n, 3n, 4n]);
    const e = b.node('Expand', [g, shape], { name: 'expand' }); // [2,3,4]
    const c = b.node('Concat', [t, e], { name: 'concat', attrs: { axis: 2 } }); // [2,3,8]
    const starts = b.init('starts', DT.int64, [1], [1n]);
    const ends = b.init('ends', DT.int64, [1], [9n]);
    const axes = b.init('axes', DT.int64, [1], [2n]);
    const steps = b.init('steps', DT.int64, [1], [2n]);
    const s = b.node('Slice', [c, starts, ends, axes, steps], { name: 'slice' }); // [2,3,4]
    const a0 = b.init('a0', DT.int64, [1], [0n]);
    const u = b.node('Unsqueeze', [s, a0], { name: 'unsqueeze' }); // [1,2,3,4]
    b.node('Add', [x, u], { name: 'add', outputs: ['y'] });
    b.output('y', DT.float32, [1, 2, 3, 4]);
    const file = path.join(tmp, 'moves.onnx');
    fs.writeFileSync(file, encodeModel(model(b.graph())));
    const r = await editModelFile(file, 'moves.onnx', { edits: [{ kind: 'fold' }] }, ctx);
    expect(r.applied[0]!.nodesAfter).toBe(1);
    expect(r.exactness).toMatchObject({ exact: true, outputs: [{ name: 'y', maxAbs: 0 }] });
  });
});
