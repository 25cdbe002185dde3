// The versions list of model surgery: an edit adds a version under its parent (never replacing
// one), switching between versions keeps the list, opening another model starts a new one; and the
// difference to the parent painted on the new version's graph.
import { describe, expect, it } from 'vitest';
import type { ModelSource } from '../../../electron/shared/api/sources';
import type { EditReport } from '../../../electron/shared/api/edits';
import { diffOverlay, DIFF_LABELS } from '../../../renderer/src/edit/diff-overlay';
import {
  addVersion,
  depth,
  describeAsked,
  lineage,
  sourceKey,
  trackOpen,
  type ModelVersion,
} from '../../../renderer/src/edit/versions';

const upload: ModelSource = { kind: 'upload', uploadId: 'a'.repeat(32) };
const variant = (n: number): ModelSource => ({
  kind: 'variant',
  variantId: `${'b'.repeat(15)}${n}-${'c'.repeat(16)}`,
});

function report(source: ModelSource, fileName: string, changes: Partial<EditReport['changes']> = {}): EditReport {
  return {
    source,
    fileName,
    bytes: 1000,
    parent: 'bert-tiny.onnx',
    applied: [{ kind: 'fold', summary: 'folded 20 nodes', nodesBefore: 100, nodesAfter: 80, exact: true }],
    changes: { added: [], removed: [], changed: [], ...changes },
    exactness: { inputs: 'seeded', samples: 2, outputs: [{ name: 'y', maxAbs: 0, cosine: 1 }], exact: true },
    check: null,
    notes: [],
  };
}

describe('versions', () => {
  const opened = trackOpen([], upload, 'bert-tiny.onnx');
  const rootId = sourceKey(upload);

  it('the model as opened is the first version, with no parent', () => {
    expect(opened).toEqual([
      {
        id: rootId,
        source: upload,
        fileName: 'bert-tiny.onnx',
        parentId: null,
        asked: 'opened',
        edits: [],
        report: null,
      },
    ]);
  });

  it('edits add versions under their parents; a chain reads back oldest first', () => {
    const one = addVersion(opened, rootId, 'fold', [{ kind: 'fold' }], report(variant(1), 'bert.fold.onnx'));
    const two = addVersion(one, sourceKey(variant(1)), 'remove n', [], report(variant(2), 'bert.fold.remove.onnx'));
    const sibling = addVersion(two, rootId, 'upcast', [], report(variant(3), 'bert.upcast.onnx'));
    expect(sibling.map((v) => [v.fileName, v.parentId])).toEqual([
      ['bert-tiny.onnx', null],
      ['bert.fold.onnx', rootId],
      ['bert.fold.remove.onnx', sourceKey(variant(1))],
      ['bert.upcast.onnx', rootId],
    ]);
    expect(lineage(sibling, sourceKey(variant(2))).map((v) => v.fileName)).toEqual([
      'bert-tiny.onnx',
      'bert.fold.onnx',
      'bert.fold.remove.onnx',
    ]);
    expect(sibling.map((v) => depth(sibling, v.id))).toEqual([0, 1, 2, 1]);
    // The parent is never overwritten: the same version made again replaces only itself.
    const again = addVersion(sibling, rootId, 'upcast', [], report(variant(3), 'bert.upcast.onnx'));
    expect(again).toHaveLength(4);
    expect(again[0]).toBe(sibling[0]);
  });

  it('an edit of a version not listed is refused', () => {
    expect(() => addVersion(opened, 'variant:nope', 'fold', [], report(variant(1), 'x.onnx'))).toThrow(/no version/);
  });

  it('switching to a listed version keeps the list; another model starts a new one', () => {
    const list: ModelVersion[] = addVersion(opened, rootId, 'fold', [], report(variant(1), 'bert.fold.onnx'));
    expect(trackOpen(list, variant(1), 'bert.fold.onnx')).toEqual(list);
    expect(trackOpen(list, upload, 'bert-tiny.onnx')).toEqual(list);
    const other: ModelSource = { kind: 'path', path: '/m/vit.onnx' };
    expect(trackOpen(list, other, 'vit.onnx').map((v) => v.id)).toEqual(['path:/m/vit.onnx']);
  });

  it('an open that fails puts the last model back with its versions; an unrelated model still starts anew', () => {
    const list: ModelVersion[] = addVersion(opened, rootId, 'fold', [], report(variant(1), 'bert.fold.onnx'));
    const damaged: ModelSource = { kind: 'path', path: '/m/damaged.onnx' };
    const during = trackOpen(list, damaged, 'damaged.onnx', []);
    expect(during.map((v) => v.id)).toEqual(['path:/m/damaged.onnx']);
    // The app puts the version that was open back: the whole list before comes back with it.
    expect(trackOpen(during, variant(1), 'bert.fold.onnx', list)).toEqual(list);
    const other: ModelSource = { kind: 'path', path: '/m/vit.onnx' };
    expect(trackOpen(during, other, 'vit.onnx', list).map((v) => v.id)).toEqual(['path:/m/vit.onnx']);
  });

  it('says what was asked in a few words', () => {
    expect(
      describeAsked([
        { kind: 'shapes', shapes: { input_ids: [1, 128], mask: [1, 128] } },
        { kind: 'fold' },
        { kind: 'int64ToInt32' },
        { kind: 'rename', what: 'tensor', from: 'a', to: 'b' },
        { kind: 'plugin', nodes: ['n1'], op: 'Foo', domain: 'trt.plugins' },
      ]),
    ).toBe(
      'shapes input_ids:1x128 mask:1x128 · fold · INT64 → INT32 · rename tensor a → b · plugin trt.plugins::Foo for n1',
    );
  });
});

describe('difference paint', () => {
  it('added and changed nodes in their own colours, the rest as unchanged (grey), the removed counted in the title', () => {
    const o = diffOverlay(
      { added: ['c1'], changed: ['n2'], removed: ['r1', 'r2'] },
      ['n1', 'n2', 'c1', 'n3'],
      'p.onnx',
    );
    expect(o.kind).toBe('category');
    expect(o.labels).toEqual([...DIFF_LABELS]);
    expect(Array.from(o.codes!)).toEqual([9, 1, 0, 9]);
    expect(o.labels![9]).toBe('unchanged');
    expect(o.name).toBe('Difference to p.onnx · 2 nodes removed');
  });

  it('a node both added and listed changed reads as added; no removal, no count', () => {
    const o = diffOverlay({ added: ['a'], changed: ['a'], removed: [] }, ['a', 'b'], 'p.onnx');
    expect(Array.from(o.codes!)).toEqual([0, 9]);
    expect(o.name).toBe('Difference to p.onnx');
  });
});
