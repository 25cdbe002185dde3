/**
 * INT8 of a Gemm: its weight gets one scale per output channel, and which axis of B that is
 * depends on transB (B [K, N]: axis 1; transB=1, B [N, K]: axis 0). Each output channel here has a
 * magnitude of its own (1, 10, 100, 1000), so scales along the wrong axis would be visible in the
 * scales themselves and ruin the small channels' outputs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { encodeModel } from '../../electron/core/onnx/encode';
import { openModelFile } from '../../electron/core/onnx/open';
import { quantizeInt8 } from '../../electron/core/precision/int8/quantize';
import { ortWeightMax } from '../../electron/core/precision/int8/scales';
import { DT, GraphBuilder, model } from '../builders/graph';
import { seededInput, suiteTempDir } from './helpers';

const tmp = suiteTempDir('kiln-int8-gemm-');
const K = 3;
const N = 4;
const BATCH = 8;
/** W[k][n]: output channel n has magnitude 10^n; the signs and sizes vary along k. */
const W = Array.from({ length: K }, (_, k) => Array.from({ length: N }, (_, n) => 10 ** n * [0.5, -1, 0.25][k]!));

/** y = x · B + C, with B stored as [K, N] (transB=0) or [N, K] (transB=1). */
function gemmModel(transB: 0 | 1): string {
  const b = new GraphBuilder(`gemm-transB${transB}`);
  const x = b.input('x', DT.float32, [BATCH, K]);
  const values = transB ? W[0]!.flatMap((_, n) => W.map((row) => row[n]!)) : W.flat();
  const w = b.init('B', DT.float32, transB ? [N, K] : [K, N], values);
  const c = b.init('C', DT.float32, [N], [0.1, -0.2, 0.3, -0.4]);
  b.node('Gemm', [x, w, c], { name: 'gemm', attrs: { transB }, outputs: ['y'] });
  b.output('y', DT.float32, [BATCH, N]);
  const file = path.join(tmp, `gemm-transB${transB}.onnx`);
  fs.writeFileSync(file, encodeModel(model(b.graph(), { opset: 13 })));
  return file;
}

async function run(file: string, x: Float32Array): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(file, { logSeverityLevel: 3 });
  try {
    const out = await s.run({ x: new ort.Tensor('float32', x, [BATCH, K]) });
    return out.y!.data as Float32Array;
  } finally {
    await s.release();
  }
}

describe('INT8 Gemm: per-channel weight scales on the output-channel axis', () => {
  for (const flavour of ['tensorrt', 'onnxruntime'] as const)
    for (const transB of [0, 1] as const)
      it(`${flavour} flavour, transB=${transB}: B's scales run along axis ${transB ? 0 : 1}, one per output channel`, async () => {
        const file = gemmModel(transB);
        const out = path.join(tmp, `gemm-transB${transB}.${flavour}.onnx`);
        const r = await quantizeInt8(file, out, {
          data: { kind: 'random', samples: 8, seed: 1, shapes: { x: [BATCH, K] } },
          calibrator: 'max',
          flavour,
        });
        expect(r.quantizedNodes).toEqual(['gemm']);
        const axis = transB ? 0 : 1;
        const qmax = flavour === 'onnxruntime' ? ortWeightMax() : 127;
        // One scale per output channel: that channel's largest |weight| over qmax.
        expect(r.weights.B!.axis).toBe(axis);
        expect(r.weights.B!.scales).toHaveLength(N);
        r.weights.B!.scales.forEach((s, n) =>
          expect(s).toBe(Math.fround(Math.max(...W.map((row) => Math.abs(row[n]!))) / qmax)),
        );
        // The file says the same: the weight's DequantizeLinear works along that axis.
        const g = (await openModelFile(out)).model.graph!;
        const dq = g.node.find((n) => n.opType === 'DequantizeLinear' && n.input[0]!.startsWith('B'))!;
        expect(dq.attribute.find((a) => a.name === 'axis')?.i).toBe(axis);
        // Every output channel keeps its own precision, the small ones included.
        const x = seededInput([BATCH, K], 5);
        const [want, got] = [await run(file, x), await run(out, x)];
        for (let n = 0; n < N; n++) {
          const col = (v: Float32Array) => Array.from({ length: BATCH }, (_, i) => v[i * N + n]!);
          const peak = Math.max(...col(want).map(Math.abs));
          const err = Math.max(...col(want).map((v, i) => Math.abs(v - col(got)[i]!)));
          expect(err / peak).toBeLessThan(0.05);
        }
      });
});
