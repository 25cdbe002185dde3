/**
 * The speed check's decisions on timings chosen by the test (a cost per layer, INT8 or float, and a
 * fixed cost for the Q/DQ at the input while anything is INT8), so each path runs every time:
 * - no kind pays alone, but every layer in float does: every layer goes float, and a step says so
 *   (its note was missing, and the variant's notes then did not explain the layers made float);
 * - from there, a heavy layer that pays in INT8 alone goes back to INT8.
 */
import { describe, expect, it } from 'vitest';
import type { NodeProto } from '../../../electron/core/onnx/model';
import { guardInt8Speed } from '../../../electron/core/precision/speed-guard';
import { DT, GraphBuilder } from '../../builders/graph';

/** Four layers of two kinds: two 1×1 Convs, two 3×3 Convs. */
function layers(): NodeProto[] {
  const b = new GraphBuilder('g');
  let t = b.input('x', DT.float32, [1, 8, 8, 8]);
  for (const [name, k] of [
    ['pw1', 1],
    ['pw2', 1],
    ['conv1', 3],
    ['conv2', 3],
  ] as const)
    t = b.node('Conv', [t, b.init(`${name}.w`, DT.float32, [8, 8, k, k], new Array(64 * k * k).fill(0.1))], {
      name,
      attrs: { kernel_shape: [k, k], pads: k === 3 ? [1, 1, 1, 1] : [0, 0, 0, 0] },
    });
  return b.graph().node;
}

/**
 * Milliseconds of a model with `excluded` layers in float: each layer's INT8 or float cost, plus
 * `qdq` while any layer is INT8. Files are named by what they keep float, so the guard's own
 * bookkeeping decides which costs apply.
 */
function timer(costs: Record<string, { int8: number; float: number }>, qdq: number, fp32: number) {
  const msOf = (file: string) => {
    if (file === 'fp32.onnx') return fp32;
    const excluded = new Set(
      file === 'int8.onnx'
        ? []
        : file
            .replace(/^float:/, '')
            .split(',')
            .filter(Boolean),
    );
    const names = Object.keys(costs);
    const int8 = names.filter((n) => !excluded.has(n));
    return (
      names.reduce((a, n) => a + (excluded.has(n) ? costs[n]!.float : costs[n]!.int8), 0) + (int8.length ? qdq : 0)
    );
  };
  return async (files: string[]) => files.map(msOf);
}
const quantize = async (excluded: string[]) => `float:${[...excluded].sort().join(',')}`;

describe('speed check', () => {
  it('when no layer kind pays alone but all float does, every layer goes float and a step says so', async () => {
    // INT8 saves a little per layer, but the Q/DQ at the input (3 ms) costs more than all of it.
    const costs = {
      pw1: { int8: 0.9, float: 1 },
      pw2: { int8: 0.9, float: 1 },
      conv1: { int8: 1.9, float: 2 },
      conv2: { int8: 1.9, float: 2 },
    };
    const g = await guardInt8Speed('fp32.onnx', 'int8.onnx', layers(), {}, quantize, {
      time: timer(costs, 3, 7),
      macs: new Map([
        ['pw1', 1],
        ['pw2', 1],
        ['conv1', 9],
        ['conv2', 9],
      ]),
    });
    expect(g.int8Ms).toBeCloseTo(8.6, 9);
    expect(g.floatMs).toBeCloseTo(6, 9);
    const kinds = g.steps.filter((s) => s.toInt8 === undefined && !s.fallback);
    expect(kinds.map((s) => [s.group, s.kept])).toEqual([
      ['1×1 Conv', false],
      ['Conv', false],
    ]);
    // The fallback is a step of its own, between the kinds and the single layers.
    const at = g.steps.findIndex((s) => s.fallback);
    expect(at).toBe(kinds.length);
    expect(g.steps[at]).toMatchObject({ group: 'every layer', nodes: 4, kept: true, fallback: { int8Ms: 8.6 } });
    expect(g.steps[at]!.ms).toBeCloseTo(6, 9);
    // No layer pays in INT8 alone (each brings the 3 ms Q/DQ back): all float, said by the result.
    expect(g.steps.slice(at + 1).every((s) => s.toInt8 === true && !s.kept)).toBe(true);
    expect(g.allFloat).toBe(true);
    expect(g.excluded.sort()).toEqual(['conv1', 'conv2', 'pw1', 'pw2']);
  });

  it('after the fallback, a heavy layer that pays in INT8 alone goes back to INT8; the others stay float by the fallback', async () => {
    // conv2 saves 6 ms in INT8, more than the Q/DQ's 3; as a kind with conv1 (which loses 4 ms in
    // INT8) it could not show it, and the 1×1 Convs save too little to pay for the Q/DQ.
    const costs = {
      pw1: { int8: 0.9, float: 1 },
      pw2: { int8: 0.9, float: 1 },
      conv1: { int8: 8, float: 4 },
      conv2: { int8: 4, float: 10 },
    };
    const g = await guardInt8Speed('fp32.onnx', 'int8.onnx', layers(), {}, quantize, {
      time: timer(costs, 3, 17),
      macs: new Map([
        ['pw1', 1],
        ['pw2', 1],
        ['conv1', 9],
        ['conv2', 9],
      ]),
    });
    const at = g.steps.findIndex((s) => s.fallback);
    expect(at).toBeGreaterThan(0);
    expect(g.steps.slice(at + 1).filter((s) => s.kept)).toEqual([
      expect.objectContaining({ group: 'conv2', toInt8: true, kept: true }),
    ]);
    expect(g.allFloat).toBe(false);
    expect(g.excluded.sort()).toEqual(['conv1', 'pw1', 'pw2']);
    // Every layer left float is accounted for by a kept step: the fallback, or its own or its kind's.
    const explained = (name: string) =>
      g.steps.some((s) => s.kept && (s.fallback || s.group === name) && s.toInt8 !== true);
    for (const name of g.excluded) expect(explained(name)).toBe(true);
  });
});
