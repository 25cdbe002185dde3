/**
 * Latency against accuracy: every compared variant gets its own point, keyed by its id, even when two
 * variants carry the same name (two INT8 variants calibrated on different data once did, and the
 * chart drew one of them).
 */
import { describe, expect, it } from 'vitest';
import type { Comparison } from '../../../electron/shared/api/comparison';
import type { ProfileReport } from '../../../electron/shared/api/backends';
import { paretoFront, tradeoffPoints } from '../../../renderer/src/compare/latency';
import type { ProfileRun } from '../../../renderer/src/profile/store';

const A = 'aaaaaaaaaaaaaaaa-1111111111111111';
const B = 'aaaaaaaaaaaaaaaa-2222222222222222';

function run(id: number, variantId: string | null, median: number): ProfileRun {
  return {
    id,
    label: `#${id}`,
    request: {
      source: variantId ? { kind: 'variant', variantId } : { kind: 'path', path: '/m/model.onnx' },
    },
    report: { latencyMs: { median } } as ProfileReport,
  };
}

function compared(id: string, name: string, cosine: number): Comparison['variants'][number] {
  return {
    id,
    name,
    pass: cosine >= 0.99,
    layers: null,
    perOutput: [
      {
        output: 'y',
        metrics: { cosine } as Comparison['variants'][number]['perOutput'][number]['metrics'],
        worstSample: { index: 0, cosine },
        top1: null,
        top5: null,
        classScores: false,
        pass: cosine >= 0.99,
        failed: [],
        judged: true,
      },
    ],
  };
}

describe('tradeoffPoints', () => {
  it('keeps two variants that share a name apart, by id', () => {
    const result = {
      reference: 'model.onnx',
      samples: 4,
      shapes: {},
      outputs: ['y'],
      judged: ['y'],
      variants: [compared(A, 'model.int8-trt-mse.onnx', 0.9994), compared(B, 'model.int8-trt-mse.onnx', 0.918)],
    } as unknown as Comparison;
    const runs = [run(1, null, 2), run(2, A, 1), run(3, B, 0.9)];
    const points = tradeoffPoints(runs, result, 0);
    expect(points).toHaveLength(3);
    // One key per point: the chart draws (and the legend names) each of them.
    expect(new Set(points.map((p) => p.key)).size).toBe(3);
    expect(points.map((p) => [p.key, p.accuracy])).toEqual([
      ['reference', 1],
      [A, 0.9994],
      [B, 0.918],
    ]);
    // The broken one is fast but not on the front; the good one is.
    expect(paretoFront(points).map((p) => p.key)).toEqual([B, A, 'reference']);
  });
});
