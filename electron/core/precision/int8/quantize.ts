/**
 * INT8 as an ONNX rewrite with QuantizeLinear/DequantizeLinear pairs — what TensorRT 11 takes
 * instead of builder precision flags and calibrators (NVIDIA's ModelOpt does it in Python), and
 * what ONNX Runtime's CPU provider fuses into integer kernels. This file runs the steps in order;
 * each lives in its own file:
 * 0. An FP16-stored model is upcast to float32 first (edit/upcast.ts, exact).
 * 1. prepare.ts: opset 13, constants as initializers, exact folds, channel equalization.
 * 2. plan.ts: which nodes run quantized and which tensors get Q/DQ (per flavour: TensorRT's rules
 *    or ONNX Runtime's); measure.ts: calibration of the activations that get them.
 * 3. scales.ts: activation scales and zero points, INT8 weights per channel, INT32 biases.
 * 4. emit.ts: the Q/DQ nodes and initializers written into the model; recipe.ts: its kiln.recipe.
 * 5. calibration-cache.ts: a TensorRT calibration cache for the source model, when asked.
 */
import * as path from 'node:path';
import { KilnError } from '../../../shared/api/errors';
import { analyzeModel } from '../../onnx/analyze';
import { nodeLabel } from '../../onnx/graph-index';
import { writeModelFile } from '../../onnx/write';
import { sampleCount as calibrationSampleCount } from '../../inputs/feeds';
import { writeCalibrationCache } from './calibration-cache';
import { emitQdq } from './emit';
import { measureActivations } from './measure';
import { plan } from './plan';
import { equalizeInputs, prepareGraph } from './prepare';
import { stampInt8Recipe, validateOptions } from './recipe';
import { activationScales, int32Biases, quantizedWeights, weightScales } from './scales';
import type { Int8Options, Int8Result } from './types';
import { makeTempDir, removeTempDir } from '../../../platform/temp-dirs';
import { storesFloat16, upcast } from '../../edit/upcast';

/**
 * Quantizes the model at `modelPath` to INT8 Q/DQ form and writes it to `outPath` (atomically),
 * with the recipe in metadata_props (`kiln.recipe`).
 */
export async function quantizeInt8(modelPath: string, outPath: string, opts: Int8Options): Promise<Int8Result> {
  const t0 = performance.now();
  validateOptions(opts);
  const progress = (f: number, stage: string) => opts.onProgress?.(f, stage);
  const check = () => {
    if (opts.signal?.aborted)
      throw new KilnError('CANCELLED', `INT8 quantization of ${path.basename(modelPath)} was cancelled`);
  };
  progress(0, `Reading ${path.basename(modelPath)}`);
  let a = await analyzeModel(modelPath);
  const file = a.opened.displayName;
  const sourceSha = a.opened.sha256;
  if (!a.opened.model.graph) throw new KilnError('NOT_ONNX', `${file} has no graph`, { file });
  const notes: string[] = [];
  check();
  const tmp = makeTempDir('int8');
  try {
    // 0. An FP16-stored model is upcast first (exact): the plan quantizes float32 Convs only.
    if (storesFloat16(a.opened.model)) {
      const up = upcast(a.opened.model, { kind: 'upcast' }, { path: a.opened.path, bytes: a.opened.bytes });
      const upPath = path.join(tmp, 'upcast.onnx');
      writeModelFile(up.model, upPath, { source: a.opened.bytes });
      a = await analyzeModel(upPath, file);
      notes.push(`the model stores float16 weights: upcast to float32 before quantizing (${up.summary})`);
    }

    // 1. Prepare.
    progress(0.02, 'Preparing the graph');
    const { opset, prepared } = prepareGraph(a, opts, notes);
    const prepPath = path.join(tmp, 'prepared.onnx');
    const equalized = await equalizeInputs(a, opts, prepPath, progress, notes);
    writeModelFile(a.opened.model, prepPath, { source: a.opened.bytes });
    const p = await analyzeModel(prepPath, file);
    check();

    // 2. Placement and calibration.
    const pl = plan(p, opts);
    const { ir } = p;
    if (pl.quantized.size === 0)
      notes.push('no node was quantized: the model has no float32 Conv, ConvTranspose, MatMul or Gemm to quantize');
    const ort = opts.flavour === 'onnxruntime';
    const stats = await measureActivations(prepPath, ir, pl, opts, progress);
    check();
    progress(0.9, 'Inserting Q/DQ');

    // 3. Scales.
    const { activations, qList } = activationScales(ir, pl, stats, opts, notes);
    const src = { path: p.opened.path, bytes: p.opened.bytes };
    const weights = quantizedWeights(ir, pl, src, ort);
    const biases = int32Biases(ir, pl, activations, weights, src, notes);

    // 4. Rewrite the prepared model.
    emitQdq(p, pl, { weights, biases, activations, qList }, ort);
    stampInt8Recipe(p.opened.model, opts, `${file} sha256:${sourceSha}`);
    check();
    progress(0.95, `Writing ${path.basename(outPath)}`);
    const written = writeModelFile(p.opened.model, outPath, { source: p.opened.bytes });

    // 5. TensorRT calibration cache (symmetric scales, for the source model's tensor names).
    const cachePath = opts.calibrationCachePath ? writeCalibrationCache(opts.calibrationCachePath, stats, opts) : null;

    const label = (id: number) => nodeLabel(ir, id);
    const sampleCount = opts.data.kind === 'npz' ? null : calibrationSampleCount(opts.data);
    progress(1, 'Done');
    return {
      outPath: written.path,
      bytes: written.bytes,
      flavour: opts.flavour,
      calibrator: opts.calibrator,
      quantizedNodes: [...pl.quantized].sort((x, y) => x - y).map(label),
      residualAdds: pl.residualAdds.map(label),
      skipped: pl.skipped,
      activations,
      weights: weightScales(weights),
      int32Biases: biases.map((b) => b.name),
      qdqPairs: qList.length,
      opset,
      prepared: { ...prepared, channelsEqualized: equalized },
      calibrationCachePath: cachePath,
      calibrationSamples: sampleCount,
      notes,
      ms: performance.now() - t0,
    };
  } finally {
    removeTempDir(tmp);
  }
}
