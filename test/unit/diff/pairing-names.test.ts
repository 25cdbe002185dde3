/**
 * Pairing by name: a name pairs two nodes only when it appears once in each model. A name used
 * twice on either side pairs nothing by name (those nodes are left to the structure), yet counts
 * once among the names the two models share. Pinned here because the pairing looks names up from
 * whichever side is at hand first (A's names are indexed while B is still being opened).
 */
import { describe, expect, it } from 'vitest';
import { diffSide, pairNodes } from '../../../electron/core/diff/pairing';
import { buildIR } from '../../../electron/core/onnx/ir';
import { DT, GraphBuilder, model } from '../../builders/graph';

/** A chain of Relus with these names (inputs and outputs named apart from them). */
function chain(names: string[]) {
  const g = new GraphBuilder();
  let x = g.input('in', DT.float32, [1, 4]);
  names.forEach((name, i) => {
    x = g.node('Relu', [x], { name, outputs: [`t${i}`] });
  });
  g.output(x, DT.float32, [1, 4]);
  return diffSide(buildIR(model(g.graph())));
}

describe('pairing by name', () => {
  it('pairs names found once on each side; a name twice on either side pairs nothing by name but is shared', () => {
    const a = chain(['x', 'dupA', 'dupA', 'y', 'dupB', 'both', 'both', 'onlyA', '']);
    const b = chain(['both', 'x', 'dupA', 'dupB', 'y', 'dupB', 'both', 'onlyB', '']);
    const p = pairNodes(a, b);
    // x and y by name; shared names: x, y, dupA, dupB, both (not onlyA/onlyB, not the empty name).
    expect(p.byName).toBe(2);
    expect(p.nameShare).toBeCloseTo(5 / 9);
    expect(p.aToB[0]).toBe(1);
    expect(p.aToB[3]).toBe(4);
    expect(p.bToA[1]).toBe(0);
    expect(p.bToA[4]).toBe(3);
  });

  it('a model against itself pairs every named node by name', () => {
    const names = Array.from({ length: 50 }, (_, i) => `/layer.${i}/Relu`);
    const p = pairNodes(chain(names), chain(names));
    expect(p.byName).toBe(50);
    expect(p.byStructure).toBe(0);
    expect(Array.from(p.aToB)).toEqual(names.map((_, i) => i));
  });
});
