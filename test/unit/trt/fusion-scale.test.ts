/**
 * Fusion prediction on long chains (issue 20, item 6): a chain that keeps joining one group must
 * cost linear time. Measured as a ratio between a 200k-node and a 20k-node chain (ten times the
 * nodes), so the test does not depend on how loaded the machine is: linear work gives ~10,
 * the quadratic bug gave ~100.
 */
import { describe, expect, it } from 'vitest';
import { buildIR, type ModelIR } from '../../../electron/core/onnx/ir';
import { predictFusions } from '../../../electron/core/trt/fusion';
import { DT, GraphBuilder, model, randomFloats, seeded } from '../../builders/graph';

/** x → Conv → `n - 1` activations (every one joins the Conv's group), then a pointwise chain. */
function chain(n: number): ModelIR {
  const b = new GraphBuilder(`chain_${n}`);
  let x = b.input('x', DT.float32, [1, 4, 8, 8]);
  x = b.node('Conv', [x, b.init('w', DT.float32, [4, 4, 1, 1], randomFloats(seeded(1), 16))], { name: 'conv' });
  const half = Math.floor(n / 2);
  for (let i = 1; i < half; i++) x = b.node(i % 2 ? 'Relu' : 'Sigmoid', [x], { name: `act_${i}` });
  // A second chain of pointwise nodes that starts its own group (Softmax breaks the Conv's group).
  x = b.node('Softmax', [x], { name: 'softmax' });
  for (let i = half + 1; i < n; i++) x = b.node(i % 2 ? 'Exp' : 'Neg', [x], { name: `pw_${i}` });
  b.output(x, DT.float32, [1, 4, 8, 8]);
  return buildIR(model(b.graph(), { opset: 17 }));
}

/** Best of `runs` timings of predictFusions (the least disturbed by other processes). */
function bestMs(ir: ModelIR, runs: number): number {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    predictFusions(ir);
    best = Math.min(best, performance.now() - t);
  }
  return best;
}

describe('fusion prediction scales linearly (issue 20, item 6)', () => {
  it('a 200k-node chain predicts in under 50 times the 20k-node time (linear: 10×, quadratic: 100×)', () => {
    const small = chain(20_000);
    const large = chain(200_000);
    const p = predictFusions(large);
    // The chain fuses into three kernels: Conv + activations, Softmax, the pointwise run.
    expect(p.kernels).toBe(3);
    expect(p.groups[0]!.nodes.length).toBe(100_000);
    bestMs(small, 2); // warm up the JIT on the small graph
    const smallMs = bestMs(small, 5);
    const largeMs = bestMs(large, 4);
    console.log(`fusion: 20k nodes ${smallMs.toFixed(1)} ms, 200k nodes ${largeMs.toFixed(1)} ms`);
    // Halfway, on a log scale, between linear and quadratic: GC at 200k nodes on a loaded machine reached 30×.
    expect(largeMs / Math.max(smallMs, 1)).toBeLessThan(50);
  });
});
