/**
 * The plumbing under every edit (electron/core/edit/surgery/graph-tools.ts, and the copy of
 * model-copy.ts it works on): a copy an edit may change without touching its input, a bypass that keeps the graph's output names, and a
 * topological order that counts what If/Loop bodies read from outside.
 */
import { describe, expect, it } from 'vitest';
import { copyModel } from '../../../electron/core/edit/model-copy';
import { bypassTensor, sortTopologically } from '../../../electron/core/edit/surgery/graph-tools';
import { DT, GraphBuilder, model } from '../../builders/graph';
import { fingerprint } from './helpers';

function chain() {
  const b = new GraphBuilder();
  b.input('x', DT.float32, [2]);
  b.init('w', DT.float32, [2], [1, 2]);
  b.node('Relu', ['x'], { name: 'relu', outputs: ['r'], attrs: { k: [1, 2] } });
  b.node('Neg', ['r'], { name: 'neg', outputs: ['y'] });
  b.output('y', DT.float32, [2]);
  return model(b.graph());
}

describe('graph tools', () => {
  it('the copy an edit changes shares nothing it may change with its source', () => {
    const m = chain();
    const before = fingerprint(m);
    const c = copyModel(m);
    c.graph!.node[0]!.input[0] = 'changed';
    c.graph!.node[0]!.name = 'renamed';
    // Attributes are shared: an edit replaces one, never writes into it.
    const k = c.graph!.node[0]!.attribute[0]!;
    c.graph!.node[0]!.attribute[0] = { ...k, ints: [...k.ints!, 3] };
    c.graph!.initializer[0]!.dims.push(1);
    c.graph!.initializer[0]!.name = 'w2';
    c.graph!.output[0]!.name = 'z';
    c.graph!.node.push({ ...c.graph!.node[1]!, name: 'extra' });
    c.opsetImport[0]!.version = 1;
    expect(fingerprint(m)).toBe(before);
    expect(fingerprint(c)).not.toBe(before);
  });

  it('bypassing the tensor behind a graph output renames the producer of its replacement', () => {
    const m = copyModel(chain());
    const g = m.graph!;
    g.node = g.node.filter((n) => n.name !== 'neg');
    expect(bypassTensor(g, 'y', 'r', 'id')).toBeNull();
    expect(g.node[0]!.output).toEqual(['y']);
  });

  it('bypassing it with a graph input (nothing to rename) adds an Identity', () => {
    const m = copyModel(chain());
    const g = m.graph!;
    g.node = [];
    const id = bypassTensor(g, 'y', 'x', 'id');
    expect(id).toMatchObject({ opType: 'Identity', input: ['x'], output: ['y'] });
  });

  it('orders a node after the producer of what its body reads from outside', () => {
    const b = new GraphBuilder();
    b.input('x', DT.float32, [2]);
    b.input('c', DT.bool, []);
    const body = (op: string) => {
      const g = new GraphBuilder(op);
      g.node(op, ['a'], { name: `${op}_in`, outputs: [`${op}_out`] });
      g.output(`${op}_out`, DT.float32, [2]);
      return g.graph();
    };
    b.node('If', ['c'], {
      name: 'if',
      outputs: ['z'],
      attrs: { then_branch: body('Identity'), else_branch: body('Neg') },
    });
    b.node('Relu', ['x'], { name: 'relu', outputs: ['a'] });
    b.output('z', DT.float32, [2]);
    const g = b.graph();
    sortTopologically(g);
    expect(g.node.map((n) => n.name)).toEqual(['relu', 'if']);
  });
});
