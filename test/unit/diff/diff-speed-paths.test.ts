/**
 * The short cuts the diff takes for speed must give the answers the long way gives: attributes
 * compared without making keys (sameAttribute against attributeKey), either side taken from the
 * model the engine host holds open without reading it again or forgetting it, and `kiln diff
 * --json` counting renamed-only nodes past the first hundred instead of listing tens of thousands.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { diffJson, JSON_RENAMED } from '../../../electron/cli/diff-text';
import { diffFiles } from '../../../electron/core/diff/diff-files';
import { diffModels } from '../../../electron/core/diff/model-diff';
import { attributeKey, sameAttribute } from '../../../electron/core/diff/node-text';
import { modelStructureCached, rememberedStructure } from '../../../electron/core/onnx/analyze';
import { encodeModel } from '../../../electron/core/onnx/encode';
import { buildIR } from '../../../electron/core/onnx/ir';
import type { AttributeProto } from '../../../electron/core/onnx/model';
import { openModelBytes } from '../../../electron/core/onnx/open';
import type { TensorSource } from '../../../electron/core/onnx/values';
import { cnn } from '../../builders/cnn';
import { DT, attr, tensor } from '../../builders/graph';
import { transformer } from '../../builders/transformer';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-diff-speed-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('sameAttribute agrees with comparing attribute keys', () => {
  const src: TensorSource = { path: '/nowhere.onnx', bytes: new Uint8Array(0) };
  const values: AttributeProto[] = [
    attr('x', 3),
    attr('x', 4),
    attr('x', 0),
    attr('x', { float: 0.5 }),
    attr('x', { float: 0.25 }),
    attr('x', { float: NaN }),
    attr('x', { float: -0 }),
    attr('x', { float: 0 }),
    attr('x', [1, 2]),
    attr('x', [1, 3]),
    attr('x', [2, 2]),
    attr('x', [1, 2, 3]),
    attr('x', []),
    attr('x', { floats: [1, 2] }),
    attr('x', { floats: [1, NaN] }),
    attr('x', { floats: [1, 2.5] }),
    attr('x', { floats: [2, 2] }),
    attr('x', 'same'),
    attr('x', 'other'),
    attr('x', tensor('t', DT.float32, [2], [1, 2])),
    attr('x', tensor('t', DT.float32, [2], [1, 3])),
    // An int and a float of the same value, and an INTS and a FLOATS of the same values, differ in type.
    { name: 'x', type: 2, refAttrName: '', docString: '', i: 1 },
    { name: 'x', type: 1, refAttrName: '', docString: '', f: 1 },
    { name: 'x', type: 7, refAttrName: '', docString: '', ints: [1, 2] },
    { name: 'x', type: 6, refAttrName: '', docString: '', floats: [1, 2] },
  ];
  it('on every pair of a spread of values, equal types and not', () => {
    let same = 0;
    for (const p of values)
      for (const q of values) {
        const byKey = attributeKey(p, src) === attributeKey(q, src);
        expect(sameAttribute(p, src, q, src), `${attributeKey(p, src)} vs ${attributeKey(q, src)}`).toBe(byKey);
        if (byKey) same++;
      }
    // Each value equals itself, NaN included; -0 equals 0 (as their texts do); the INTS [1, 2] and
    // FLOATS [1, 2] written out equal the ones made by attr(): three pairs, both ways round.
    expect(same).toBe(values.length + 6);
  });
});

describe('where an input comes from, as the numbers the diff compares', () => {
  it('a bias dropped (its initializer gone, the slot left off) is a change of that input', () => {
    const load = (m: ReturnType<typeof cnn>, name: string) => {
      const opened = openModelBytes(encodeModel(m), `/nowhere/${name}`, name);
      return { opened, ir: buildIR(opened.model) };
    };
    const before = cnn([1, 3, 8, 8], 2, 4);
    const after = cnn([1, 3, 8, 8], 2, 4);
    const conv = after.graph!.node.find((n) => n.name === '/features/conv1/Conv')!;
    conv.input = conv.input.slice(0, 2);
    after.graph!.initializer = after.graph!.initializer.filter((t) => t.name !== 'conv1.b');
    const d = diffModels(load(before, 'before.onnx'), load(after, 'after.onnx'));
    expect(d.nodes.changed.map((c) => [c.a.name, c.changes])).toEqual([
      ['/features/conv1/Conv', [{ what: 'input', name: 'input 2', a: 'initializer conv1.b', b: null }]],
    ]);
    expect(d.initializers.map((i) => [i.change, i.name])).toEqual([['removed', 'conv1.b']]);
  });
});

describe('diff of two files, either held open by the engine host', () => {
  const layers = 4;
  const a = path.join(tmp, 'a.onnx');
  const b = path.join(tmp, 'b.onnx');
  const m = transformer(layers);
  fs.writeFileSync(a, encodeModel(m));
  const edited = transformer(layers);
  const softmax = edited.graph!.node.find((n) => n.opType === 'Softmax')!;
  softmax.attribute = [attr('axis', 1)];
  edited.graph!.node.forEach((n, i) => {
    if (i % 2 === 1) n.name = `renamed_${i}`;
  });
  fs.writeFileSync(b, encodeModel(edited));
  const fresh = () => {
    const load = (f: string) => {
      const opened = openModelBytes(fs.readFileSync(f), f, path.basename(f));
      return { opened, ir: buildIR(opened.model) };
    };
    return diffModels(load(a), load(b));
  };
  const strip = <T extends { ms: number }>(d: T): T => ({ ...d, ms: 0 });

  it('gives the same diff whether A, B or neither is held, and keeps the held model held', async () => {
    const expected = strip(fresh());
    expect(expected.nodes.changed.map((c) => c.b.op)).toEqual(['Softmax']);
    expect(expected.nodes.renamed.length).toBeGreaterThan(10);
    for (const held of [null, a, b]) {
      const structure = held ? await modelStructureCached(held) : null;
      const d = await diffFiles({ path: a, displayName: 'a.onnx' }, { path: b, displayName: 'b.onnx' });
      expect(strip(d)).toEqual(expected);
      if (held) expect(await rememberedStructure(held)).toBe(structure);
    }
    // The side not held is read for the diff and let go, not remembered in the held one's place.
    expect(await rememberedStructure(a)).toBeNull();
  });

  it('names a missing file on either side', async () => {
    const nope = path.join(tmp, 'nope.onnx');
    await expect(
      diffFiles({ path: a, displayName: 'a.onnx' }, { path: nope, displayName: 'nope.onnx' }),
    ).rejects.toThrow('nope.onnx: no such file');
    await expect(
      diffFiles({ path: nope, displayName: 'nope.onnx' }, { path: b, displayName: 'b.onnx' }),
    ).rejects.toThrow('nope.onnx: no such file');
  });

  it('kiln diff --json: renamed-only nodes counted, the first hundred listed, all with --all-renamed', () => {
    const d = fresh();
    const many = {
      ...d,
      nodes: {
        ...d.nodes,
        renamed: Array.from({ length: 250 }, (_, k) => d.nodes.renamed[k % d.nodes.renamed.length]!),
      },
    };
    const cut = diffJson(many, false);
    expect(cut.nodes.renamed).toHaveLength(JSON_RENAMED);
    expect(cut.nodes.renamed).toEqual(many.nodes.renamed.slice(0, JSON_RENAMED));
    expect(cut.nodes.renamedCount).toBe(250);
    expect(cut.notes.at(-1)).toContain('150 more renamed-only nodes');
    // Every change that is not a bare rename is still listed in full.
    expect(cut.nodes.changed).toEqual(d.nodes.changed);
    const all = diffJson(many, true);
    expect(all.nodes.renamed).toHaveLength(250);
    expect(all.notes).toEqual(d.notes);
    // Few renames: nothing cut, nothing noted.
    const few = diffJson(d, false);
    expect(few.nodes.renamed).toEqual(d.nodes.renamed);
    expect(few.nodes.renamedCount).toBe(d.nodes.renamed.length);
    expect(few.notes).toEqual(d.notes);
  });
});
