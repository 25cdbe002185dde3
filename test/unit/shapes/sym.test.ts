import { describe, expect, it } from 'vitest';
import {
  symAdd,
  symCeilDiv,
  symDivExact,
  symFloorDiv,
  symMul,
  symProduct,
  symSub,
  symEval,
} from '../../../electron/core/shapes/sym';

describe('symbolic dims', () => {
  it('keeps numbers numeric', () => {
    expect(symAdd(3, 4)).toBe(7);
    expect(symMul(6, 7)).toBe(42);
    expect(symDivExact(12, 4)).toBe(3);
    expect(symDivExact(13, 4)).toBeNull();
    expect(symFloorDiv(13, 4)).toBe(3);
    expect(symCeilDiv(13, 4)).toBe(4);
  });

  it('writes one canonical form, so equal expressions compare equal', () => {
    expect(symMul('seq', 'batch')).toBe('batch*seq');
    expect(symMul('batch', 'seq')).toBe('batch*seq');
    expect(symAdd(symMul('b', 2), 1)).toBe('2*b+1');
    expect(symAdd(1, symMul(2, 'b'))).toBe('2*b+1');
    expect(symSub('h', 1)).toBe('h-1');
    expect(symSub(symAdd('h', 2), 2)).toBe('h');
  });

  it('divides exactly when a monomial or a sum divides', () => {
    // Reshape [b, s, 768] -> [b*s, -1]: total b*s*768 over b*s.
    expect(symDivExact(symProduct(['b', 's', 768]), symMul('b', 's'))).toBe(768);
    expect(symDivExact('2*h+2', 2)).toBe('h+1');
    expect(symDivExact(symMul(symAdd('a', 1), 'b'), symAdd('a', 1))).toBe('b');
    expect(symDivExact('h', 2)).toBeNull();
  });

  it('wraps inexact division in floor/ceil atoms that parse back', () => {
    const f = symFloorDiv(symSub('h', 1), 2);
    expect(f).toBe('floor((h-1)/2)');
    expect(symAdd(f, 1)).toBe('floor((h-1)/2)+1');
    expect(symSub(symAdd(f, 1), 1)).toBe('floor((h-1)/2)');
    expect(symCeilDiv('w', 4)).toBe('ceil((w)/4)');
    // Nested floors collapse: floor(floor(x/2)/2) = floor(x/4).
    expect(symFloorDiv(symFloorDiv(symSub('h', 1), 2), 2)).toBe('floor((h-1)/4)');
    expect(symFloorDiv(symMul(symFloorDiv('h', 2), 3), 2)).toBe('floor((3*floor((h)/2))/2)');
  });

  it('evaluates expressions for bound symbols', () => {
    const bind = (s: string) => ({ b: 2, h: 17, s: 5 })[s];
    expect(symEval('2*b*s+1', bind)).toBe(21);
    expect(symEval(symAdd(symFloorDiv(symSub('h', 1), 2), 1), bind)).toBe(9); // conv 3x3/2 pad 1 on 17
    expect(symEval(symCeilDiv('h', 4), bind)).toBe(5);
    expect(symEval('x+1', bind)).toBeNull();
    expect(symEval(7, bind)).toBe(7);
  });

  it('propagates unknowns, except that zero absorbs them in products', () => {
    expect(symAdd(null, 1)).toBeNull();
    expect(symMul(null, 'b')).toBeNull();
    expect(symMul(0, null)).toBe(0);
    expect(symProduct([2, null, 0])).toBe(0);
    expect(symProduct([2, 'n', 3])).toBe('6*n');
  });

  it('gives up (null) on unparseable or oversized expressions instead of guessing', () => {
    expect(symAdd('a b', 1)).toBeNull();
    expect(symAdd('(unbalanced', 1)).toBeNull();
    let e: string | number | null = 'x0';
    for (let i = 1; i < 40 && e !== null; i++) e = symMul(e, symAdd('x' + i, 1));
    expect(e).toBeNull();
    expect(symMul(2 ** 40, 2 ** 40)).toBeNull();
  });
});
