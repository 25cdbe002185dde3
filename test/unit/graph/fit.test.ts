/**
 * Where Fit (and a model's opening view) puts a graph wider than the view: on the graph's start.
 * BERT-tiny, whose first rows are narrow and sit above one very wide row (its 50 weights side by
 * side), opened in that row's middle, with its inputs off screen and empty space above.
 */
import { describe, expect, it } from 'vitest';
import { topWindowLeft } from '../../../renderer/src/graph/fit';
import { ITEM_EXPANDED } from '../../../renderer/src/graph/hierarchy';

interface Box {
  x: number;
  y: number;
  w?: number;
  kind?: number;
}

function frame(boxes: Box[]) {
  return {
    items: Int32Array.from(boxes, (_, i) => i),
    kind: Uint8Array.from(boxes, (b) => b.kind ?? 0),
    x: Float32Array.from(boxes, (b) => b.x),
    y: Float32Array.from(boxes, (b) => b.y),
    w: Float32Array.from(boxes, (b) => b.w ?? 60),
  };
}

/** Is [x, x + w] inside the window that starts at `left` and is `viewW` wide? */
const shows = (left: number, viewW: number, x: number, w = 60) => x >= left && x + w <= left + viewW;

describe('the top of a graph wider than the view', () => {
  // BERT-tiny's shape: three inputs at the top left, a chain below them, then a row of 50 weights.
  const start = [
    { x: 100, y: 0 },
    { x: 200, y: 0 },
    { x: 300, y: 0 },
    ...Array.from({ length: 8 }, (_, k) => ({ x: 150, y: 66 * (k + 1) })),
  ];
  const wide = Array.from({ length: 50 }, (_, k) => ({ x: 10 + 110 * k, y: 694 }));
  const bert = frame([...start, ...wide]);
  const viewW = 1780;
  const viewH = 1470;

  it('shows where the graph starts, and as much of what follows as fits', () => {
    const left = topWindowLeft(bert, 0, viewW, viewH, 24);
    for (const b of start) expect(shows(left, viewW, b.x), `node at x ${b.x}, y ${b.y}`).toBe(true);
    // the window takes the wide row from its start, not its middle
    expect(shows(left, viewW, wide[0]!.x)).toBe(true);
    expect(left).toBeLessThan(wide[0]!.x);
  });

  it('keeps the top row in view when the graph starts at its right end', () => {
    const mirrored = frame([...start, ...wide].map((b) => ({ ...b, x: 6000 - b.x - 60 })));
    const left = topWindowLeft(mirrored, 0, viewW, viewH, 24);
    for (const b of start) expect(shows(left, viewW, 6000 - b.x - 60)).toBe(true);
  });

  it('centres a top row that is itself wider than the view', () => {
    const row = frame(Array.from({ length: 40 }, (_, k) => ({ x: 100 * k, y: 0 })));
    const left = topWindowLeft(row, 0, 1000, 1000, 24);
    expect(left + 500).toBeCloseTo((0 + 3960) / 2, 0);
  });

  it('centres a frame that holds no node (only group frames), and an empty one at 0', () => {
    const frames = frame([{ x: 0, y: 0, w: 3000, kind: ITEM_EXPANDED }]);
    expect(topWindowLeft(frames, 0, 1000, 1000, 24)).toBe(1000);
    expect(topWindowLeft(frame([]), 0, 1000, 1000, 24)).toBe(0);
  });

  it('leaves expanded group frames out (frames nested at the top span everything beneath them)', () => {
    const withFrames = frame([
      { x: -400, y: -120, w: 8000, kind: ITEM_EXPANDED },
      { x: -380, y: -80, w: 7900, kind: ITEM_EXPANDED },
      { x: -360, y: -40, w: 7800, kind: ITEM_EXPANDED },
      ...start,
      ...wide,
    ]);
    const left = topWindowLeft(withFrames, -120, viewW, viewH, 24);
    for (const b of start) expect(shows(left, viewW, b.x)).toBe(true);
  });
});
