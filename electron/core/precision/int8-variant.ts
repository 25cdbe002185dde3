/**
 * An INT8 variant made: calibrated and quantized (int8/quantize.ts), then checked against FP32 on this
 * machine — for time on ONNX Runtime (speed-guard.ts), for accuracy on the user's data in both
 * flavours (accuracy-guard.ts) — and, for TensorRT, what is not INT8 optionally in FP16.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as ort from 'onnxruntime-node';
import type { Recipe, Variant } from '../../shared/api/variants';
// The goal (held-back worst-sample cosine) and the floor the check keeps on calibration samples (the
// goal plus a margin for samples it never saw): the same figures Compare and the search judge by.
import { CHECK_FLOOR, COSINE_GOAL } from '../../shared/compare/thresholds';
import { KilnError } from '../../shared/api/errors';
import type { JobContext } from '../jobs/context';
import { filesAsData } from '../inputs/files';
import { inputFeeds, randomFeeds, type InputData } from '../inputs/feeds';
import { resolveShapes } from '../inputs/specs';
import { analyzeModel, type ModelAnalysis } from '../onnx/analyze';
import { openModelFile } from '../onnx/open';
import { writeModelFile } from '../onnx/write';
import { guardInt8Accuracy, worstAgreement, type AccuracyResult } from './accuracy-guard';
import type { CalibratorKind } from './calibrate';
import { autocastFp16, type Fp16Report } from './fp16';
import { quantizeInt8 } from './int8/quantize';
import type { CalibrationReuse } from './int8/types';
import { RECIPE_KEY, recipeOf } from '../onnx/recipe-meta';
import { guardInt8Speed, layerKind, medianLatencies } from './speed-guard';
import type { Target } from './variants';
import { makeTempDir, removeTempDir } from '../../platform/temp-dirs';

/**
 * Calibration samples the accuracy check runs (each try runs them all). Each layer it keeps or gives
 * back is a choice fitted to them: with 8, PP-OCRv4 rec's held-back worst came out at 0.977; with 32, 0.994.
 */
const ACCURACY_SAMPLES = 32;

/**
 * The calibrator an INT8 recipe uses: its own, else MSE for TensorRT and max for ONNX Runtime.
 * Measured on rendered text (24 held-back images, mean cosine to FP32, TensorRT's flavour with
 * channel equalization): MSE gave cls 0.99996, rec 0.987, det 0.985 where max gave 0.9978, 0.969,
 * 0.973; ONNX Runtime's UINT8 flavour did not gain (cls 0.9997 with max, 0.9978 with MSE).
 */
export function calibratorOf(r: Extract<Recipe, { precision: 'int8' }>): CalibratorKind {
  return r.calibrator ?? (r.flavour === 'tensorrt' ? 'mse' : 'max');
}

type Feeds = Record<string, ort.Tensor>;

/** The first `n` samples of the calibration data, as feeds. */
async function firstSamples(a: ModelAnalysis, data: InputData, n: number): Promise<Feeds[]> {
  const samples: Feeds[] = [];
  for await (const feeds of inputFeeds(a.summary.inputs, data, a.opened.displayName)) {
    samples.push(feeds);
    if (samples.length >= n) break;
  }
  return samples;
}

/**
 * The accuracy check on the first calibration samples: INT8 layers go float while the worst sample
 * is under CHECK_FLOOR. Returns the result, why each layer went float, and the note saying so.
 */
async function checkAccuracy(
  a: ModelAnalysis,
  samples: Feeds[],
  int8Path: string,
  int8Nodes: string[],
  excluded: string[],
  quantize: (excluded: string[]) => Promise<string>,
  ctx: JobContext,
): Promise<{ result: AccuracyResult; reasons: Map<string, string>; note: string }> {
  const result = await guardInt8Accuracy(a.opened.path, int8Path, int8Nodes, excluded, samples, quantize, {
    floor: CHECK_FLOOR,
    signal: ctx.signal,
    onStep: (stage) => ctx.progress({ fraction: null, stage }),
  });
  const cos = (v: number) => v.toFixed(4);
  const on = `worst cosine to FP32 on ${result.samples} calibration samples ${cos(result.before)}`;
  const reasons = new Map(
    result.steps.map((step) => [
      step.node,
      `INT8 cost accuracy: worst cosine to FP32 on ${result.samples} calibration samples ${cos(step.worst)} with it float`,
    ]),
  );
  const made = result.steps.map((x) => x.node);
  const which = made.length <= 4 ? made.join(', ') : `${made.length} layers`;
  const note =
    made.length === 0
      ? `accuracy check: ${on} (floor ${CHECK_FLOOR}: the goal of ${COSINE_GOAL} with a margin for unseen samples)`
      : `accuracy check: ${on}, under the floor of ${CHECK_FLOOR} (the goal of ${COSINE_GOAL} with a margin for unseen samples): ${which} kept float${made.length === int8Nodes.length ? ' (every INT8 layer)' : ''}, ${cos(result.worst)}`;
  return { result, reasons, note };
}

export async function int8Variant(
  a: ModelAnalysis,
  recipe: Extract<Recipe, { precision: 'int8' }>,
  t: Target & {
    calibrationPaths: string[];
    reuse?: CalibrationReuse | undefined;
    agreement: boolean;
    /** Where TensorRT 10's implicit INT8 finds the calibration cache: beside the variant's file. */
    calibrationCachePath: string;
  },
  ctx: JobContext,
): Promise<Variant> {
  if (recipe.highPrecision === 'fp16' && recipe.flavour !== 'tensorrt')
    throw new KilnError(
      'INVALID_ARGUMENT',
      `${a.summary.fileName}: FP16 for the layers not in INT8 applies to the TensorRT flavour (ONNX Runtime on CPU runs FP16 by emulation, slower than FP32)`,
      { file: a.summary.fileName },
    );
  // The speed check quantizes again with layer groups float: the same statistics serve every try.
  const reuse = t.reuse ?? { channels: new Map(), ranges: new Map() };
  const shapes = resolveShapes(a.summary.inputs, recipe.shapes);
  const files = t.calibrationPaths.length ? filesAsData(t.calibrationPaths, recipe.preprocess, shapes) : null;
  const data: InputData = files ?? { kind: 'random', samples: recipe.samples, seed: recipe.seed, shapes };
  // The samples the checks run, read once for all of them.
  let checkSamples: Promise<Feeds[]> | undefined;
  const samplesForChecks = () => (checkSamples ??= firstSamples(a, data, ACCURACY_SAMPLES));
  const quantize = (out: string, floatNodes: string[], final: boolean) =>
    quantizeInt8(a.opened.path, out, {
      data,
      calibrator: calibratorOf(recipe),
      percentile: recipe.percentile,
      flavour: recipe.flavour,
      perChannel: recipe.perChannel,
      reuse,
      ...(recipe.equalize !== undefined ? { equalize: recipe.equalize } : {}),
      include: { ops: recipe.includeOps, nodes: recipe.includeNodes },
      exclude: { ops: recipe.excludeOps, nodes: [...recipe.excludeNodes, ...recipe.fp32Nodes, ...floatNodes] },
      signal: ctx.signal,
      source: t.source,
      ...(final
        ? {
            onProgress: (fraction: number, stage: string) => ctx.progress({ fraction, stage }),
            // TensorRT 10's implicit INT8 reads this next to the FP32 model.
            calibrationCachePath: t.calibrationCachePath,
          }
        : {}),
    });
  let r = await quantize(t.out, [], true);
  const guardNotes: string[] = [];
  const slower = new Map<string, string>();
  // ONNX Runtime CPU is the backend this flavour targets, and it is here: measure, keep float where
  // int8 loses time, then where it loses accuracy on the user's data.
  if (recipe.flavour === 'onnxruntime' && recipe.speedGuard && r.quantizedNodes.length > 0) {
    const byName = new Map((a.opened.model.graph?.node ?? []).map((n) => [n.name, n]));
    const quantized = r.quantizedNodes.map((n) => byName.get(n)).filter((n) => n !== undefined);
    const all = quantized.map((n) => n.name);
    const dir = makeTempDir('speed');
    try {
      let k = 0;
      const attempt = async (excluded: string[]) =>
        (await quantize(path.join(dir, `try-${k++}.onnx`), excluded, false)).outPath;
      const onStep = (stage: string) => ctx.progress({ fraction: null, stage });
      const timingFeeds = randomFeeds(a.summary.inputs, shapes, 7);
      const g = await guardInt8Speed(a.opened.path, t.out, quantized, timingFeeds, attempt, {
        signal: ctx.signal,
        onStep,
        macs: new Map(a.ir.nodeName.map((name, id) => [name, a.shapes.nodeMacs[id] ?? 0])),
      });
      const ms = (v: number) => `${v.toFixed(2)} ms`;
      for (const step of g.steps)
        guardNotes.push(
          step.fallback
            ? `speed check: INT8 as the layer kinds left it (${ms(step.fallback.int8Ms)}) is slower than every layer in float (${ms(step.ms)}): every layer made float`
            : step.toInt8 === undefined
              ? `speed check: ${step.nodes} ${step.group} node(s) in float ${step.kept ? 'is faster: kept float' : 'is not faster: stay INT8'}`
              : `speed check: ${step.group} in ${step.toInt8 ? 'INT8' : 'float'} ${step.kept ? `is faster: made ${step.toInt8 ? 'INT8' : 'float'}` : `is not faster: stays ${step.toInt8 ? 'float' : 'INT8'}`}`,
        );
      for (const n of quantized)
        if (g.excluded.includes(n.name))
          slower.set(n.name, `INT8 ${layerKind(n)} measured slower than float on this CPU`);
      const folds = g.floatMs < g.fp32Ms ? `, ${ms(g.floatMs)} with the exact folds alone` : '';
      guardNotes.push(
        g.allFloat
          ? `measured on this CPU: FP32 ${ms(g.fp32Ms)}${folds}, INT8 ${ms(g.int8Ms)}, and INT8 made no layer group nor single layer faster than float: every layer stays float`
          : `measured on this CPU: FP32 ${ms(g.fp32Ms)}${folds}, INT8 ${ms(g.int8Ms)}${g.excluded.length ? `, ${ms(g.finalMs)} with the slower layers in float` : ''}`,
      );
      let excluded = g.excluded;
      const int8Left = all.filter((n) => !excluded.includes(n));
      // Accuracy on real samples only: agreement on seeded noise says nothing.
      if (files && recipe.accuracyCheck && int8Left.length > 0 && !ctx.signal.aborted) {
        const acc = await checkAccuracy(a, await samplesForChecks(), g.finalPath, int8Left, excluded, attempt, ctx);
        for (const [node, why] of acc.reasons) slower.set(node, why);
        guardNotes.push(acc.note);
        if (acc.result.steps.length > 0) {
          excluded = acc.result.excluded;
          // Fewer INT8 layers can leave Q/DQ that no longer pays: time it against the folds alone.
          if (excluded.length < all.length) {
            const [floatMs, mixedMs] = (await medianLatencies([g.floatPath, await attempt(excluded)], timingFeeds, {
              signal: ctx.signal,
            })) as [number, number];
            if (mixedMs > floatMs) {
              excluded = all;
              for (const n of all)
                if (!slower.has(n))
                  slower.set(
                    n,
                    'INT8 measured slower than float on this CPU once the accuracy check made others float',
                  );
              guardNotes.push(
                `the INT8 layers left (${ms(mixedMs)}) are not faster than float (${ms(floatMs)}): every layer stays float`,
              );
            }
          }
        }
      }
      if (excluded.length > 0) r = await quantize(t.out, excluded, true);
    } finally {
      removeTempDir(dir);
    }
  }
  // TensorRT's flavour cannot be timed here, but its agreement can be measured (its Q/DQ run on
  // ONNX Runtime): the layers that cost it go float, or the user is told before building.
  if (recipe.flavour === 'tensorrt' && t.agreement && files && r.quantizedNodes.length > 0 && !ctx.signal.aborted) {
    if (recipe.accuracyCheck) {
      const dir = makeTempDir('check');
      try {
        let k = 0;
        const attempt = async (excluded: string[]) =>
          (await quantize(path.join(dir, `try-${k++}.onnx`), excluded, false)).outPath;
        const acc = await checkAccuracy(a, await samplesForChecks(), t.out, r.quantizedNodes, [], attempt, ctx);
        for (const [node, why] of acc.reasons) slower.set(node, why);
        guardNotes.push(acc.note);
        if (acc.result.steps.length > 0) r = await quantize(t.out, acc.result.excluded, true);
      } finally {
        removeTempDir(dir);
      }
    } else {
      ctx.progress({ fraction: null, stage: 'Measuring agreement with FP32' });
      const samples = await samplesForChecks();
      const { worst, samples: n } = await worstAgreement(a.opened.path, t.out, samples);
      guardNotes.push(
        `agreement with FP32 on ${n} calibration samples (its Q/DQ run on ONNX Runtime): worst cosine ${worst.toFixed(4)}${worst < COSINE_GOAL ? `, under ${COSINE_GOAL}: the accuracy check, or "Find mixed precision" in the Compare tab, keeps the layers that cost it in FP32` : ''}`,
      );
    }
  }
  // All float by measurement: "nothing was quantized" would blame the model.
  const notes = [...r.notes.filter((n) => !(slower.size > 0 && n.startsWith('no node was quantized'))), ...guardNotes];
  if (files?.kind === 'images')
    notes.push(
      `calibrated on ${files.paths.length} images (${recipe.preprocess.resize} to the input size, ${recipe.preprocess.layout} ${recipe.preprocess.channels})`,
    );
  if (!files)
    notes.push(
      `calibrated on ${recipe.samples} seeded random samples: calibrate on real inputs (.npy/.npz) for an accuracy that means something`,
    );
  if (recipe.flavour === 'tensorrt')
    notes.push(
      'TensorRT flavour: symmetric INT8 Q/DQ for TensorRT; on ONNX Runtime CPU it runs, but is not what a GPU gives',
    );
  const quantized = new Set(r.quantizedNodes);
  const kept = r.skipped.map((k) => ({ ...k, reason: slower.get(k.node) ?? k.reason, precision: 'fp32' }));
  const base = {
    id: t.id,
    name: t.name,
    recipe,
    bytes: r.bytes,
    ms: performance.now() - t.t0,
    nodesByPrecision: {
      int8: quantized.size,
      fp32: r.skipped.length,
      other: a.summary.nodes - quantized.size - r.skipped.length,
    },
    kept,
    converted: { int8: r.quantizedNodes, rewritten: await rewrittenNodes(a, t.out) },
    castsInserted: 0,
    weightsConverted: Object.keys(r.weights).length,
    qdqPairs: r.qdqPairs,
    notes,
  };
  if (recipe.highPrecision === 'fp32') return base;
  if (ctx.signal.aborted) {
    // Not the file the recipe names: do not leave it.
    fs.rmSync(t.out, { force: true });
    throw new KilnError('CANCELLED', 'Making the variant was cancelled');
  }
  // What is not INT8 in FP16, as ModelOpt's high_precision_dtype=fp16 makes it.
  const half = await floatToFp16(t.out, a.opened.displayName, recipe.fp32Nodes);
  // The agreement said above was the FP32 float's: measure the file as delivered.
  let agreed = '';
  if (files && t.agreement && !ctx.signal.aborted) {
    ctx.progress({ fraction: null, stage: 'Measuring agreement with FP32' });
    const m = await worstAgreement(a.opened.path, t.out, await samplesForChecks());
    agreed = `; worst cosine to FP32 on ${m.samples} calibration samples with them in FP16: ${m.worst.toFixed(4)}`;
  }
  const fp32 = new Map(
    half.report.fp32Nodes.filter((k) => !quantized.has(k.node) && !QDQ.has(k.op)).map((k) => [k.node, k]),
  );
  return {
    ...base,
    bytes: half.bytes,
    nodesByPrecision: {
      int8: quantized.size,
      fp16: half.report.fp16Nodes,
      fp32: fp32.size,
      other: Math.max(0, a.summary.nodes - quantized.size - half.report.fp16Nodes - fp32.size),
    },
    // The layers not INT8 say where they went; autocast's own FP32 fallbacks join them.
    kept: [
      ...kept.map((k) => (fp32.has(k.node) ? k : { ...k, precision: 'fp16' })),
      ...[...fp32.values()]
        .filter((k) => !r.skipped.some((s) => s.node === k.node))
        .map((k) => ({ ...k, precision: 'fp32' })),
    ],
    converted: { ...base.converted, fp16: half.report.fp16Names },
    castsInserted: half.report.castsInserted,
    notes: [
      ...notes,
      `FP16 for what is not INT8: ${half.report.fp16Nodes} node(s) FP16, ${fp32.size} kept FP32, ${half.report.castsInserted} Casts; the Q/DQ and the ops reading them stay FP32 (TensorRT's INT8 pattern), with Casts around them${agreed}`,
    ],
  };
}

const QDQ = new Set(['QuantizeLinear', 'DequantizeLinear']);

/** The source's named nodes that the variant at `file` no longer has (folded or fused by a rewrite). */
async function rewrittenNodes(a: ModelAnalysis, file: string): Promise<string[]> {
  const out = new Set(((await openModelFile(file)).model.graph?.node ?? []).map((n) => n.name));
  return a.ir.nodeName.filter((n, id) => n !== '' && a.ir.nodeGraph[id] === 0 && !out.has(n));
}

/**
 * Rewrites the Q/DQ model at `file` so what is not INT8 computes in FP16: autocast (with its FP32
 * fallbacks) where the ops that read a DequantizeLinear, the Q/DQ themselves and `fp32Nodes` stay
 * FP32, so each quantized op keeps the DQ → op pattern TensorRT fuses into an INT8 kernel.
 */
async function floatToFp16(
  file: string,
  displayName: string,
  fp32Nodes: string[],
): Promise<{ report: Fp16Report; bytes: number }> {
  const q = await analyzeModel(file, displayName);
  const nodes = q.opened.model.graph?.node ?? [];
  const dequantized = new Set(nodes.filter((n) => n.opType === 'DequantizeLinear').map((n) => n.output[0]));
  const readers = nodes
    .filter((n) => !QDQ.has(n.opType) && n.input.some((i) => dequantized.has(i)))
    .map((n) => n.name)
    .filter((n) => n !== '');
  const report = autocastFp16(q, { excludeNodes: [...readers, ...fp32Nodes] });
  // The file says how it was made: the quantizer's recipe plus this step.
  const model = q.opened.model;
  const written = recipeOf(model);
  for (const p of model.metadataProps)
    if (p.key === RECIPE_KEY) p.value = JSON.stringify({ ...written, highPrecision: 'fp16', fp32Nodes });
  return { report, bytes: writeModelFile(q.opened.model, file, { source: q.opened.bytes }).bytes };
}
