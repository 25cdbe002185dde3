/**
 * The comparison job: the reference (FP32 on ONNX Runtime) and each variant run on the same
 * seeded inputs; per output, error metrics against thresholds. Layerwise: copies of both models
 * with every shared float tensor exposed as an output (on unoptimized sessions, since exposing
 * tensors changes fusion), compared tensor by tensor in the reference's topological order, so the
 * first tensor past the threshold and how the error grows can be painted on the graph.
 */
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { Comparison } from '../../shared/api/comparison';
import { KilnError } from '../../shared/api/errors';
import { throwIfCancelled, type JobContext } from '../jobs/context';
import { openExposed, openSession, tensorOutput } from '../backends/onnxruntime/session';
import { inputFeeds, randomFeeds, type InputData } from '../inputs/feeds';
import { resolveShapes } from '../inputs/specs';
import { analyzeModel, type ModelAnalysis } from '../onnx/analyze';
import type { GraphProto } from '../onnx/model';
import { halfArrayToFloat32, toHalfBits } from '../onnx/half';
import { recipeOf } from '../onnx/recipe-meta';
import { cosineOf, errorMetrics, passes, topKAgreement, worstSampleCosine } from '../../shared/compare/metrics';
import type { Thresholds } from '../../shared/compare/thresholds';
import { makeTempDir, removeTempDir } from '../../platform/temp-dirs';

export interface CompareModel {
  path: string;
  name: string;
  id: string;
}

export interface CompareOptions {
  samples: number;
  seed: number;
  shapes: Record<string, number[]>;
  thresholds: Thresholds;
  layerwise: boolean;
  /** Real inputs (images or .npy/.npz): used instead of seeded random ones, up to `samples` of them. */
  data?: InputData;
  /**
   * The outputs whose verdict decides pass/fail (all when empty or absent). The others are still
   * measured and shown: a recurrent state or an auxiliary head can be left out of the target.
   */
  judge?: string[];
  /**
   * Recurrent models run as a stream: each pair's output is fed back as its input on the next
   * sample, every model carrying its own (a VAD's stateN → state). The data's value for that input
   * starts the stream. Absent or empty: every sample stands alone.
   */
  stream?: { output: string; input: string }[];
}

/** Tensors exposed for the layerwise pass; beyond this, the largest models are sampled evenly. */
const MAX_LAYER_TENSORS = 3000;
/** Tensors exposed per layerwise pass. */
const CHUNK = 64;
/** Input bytes kept for the layerwise passes; samples beyond it are left out of the layerwise error (and counted). */
const LAYERWISE_FEED_BYTES = 256 * 2 ** 20;

function feedBytes(feeds: Record<string, ort.Tensor>): number {
  let n = 0;
  for (const t of Object.values(feeds)) n += (t.data as { byteLength?: number }).byteLength ?? 0;
  return n;
}

function numbers(t: ort.Tensor): Float64Array {
  const d = t.data;
  if (t.type === 'float16' && d instanceof Uint16Array) return Float64Array.from(halfArrayToFloat32(d));
  if (d instanceof BigInt64Array || d instanceof BigUint64Array) return Float64Array.from(d, Number);
  if (Array.isArray(d)) return new Float64Array(0);
  return Float64Array.from(d as ArrayLike<number>);
}

/** A tensor's values without a copy when they are float32 (the layerwise pass reads hundreds per sample). */
function floats(t: ort.Tensor): ArrayLike<number> {
  if (t.type === 'float32') return t.data as Float32Array;
  if (t.type === 'float16' && t.data instanceof Uint16Array) return halfArrayToFloat32(t.data);
  return numbers(t);
}

/** The fixedInputs of the recipe a variant carries in metadata_props (`kiln.recipe`), if any. */
function fixedInputsOf(a: ModelAnalysis): Record<string, number> {
  const f = recipeOf(a.opened.model)?.fixedInputs;
  if (!f || typeof f !== 'object') return {};
  return Object.fromEntries(Object.entries(f).filter((e): e is [string, number] => typeof e[1] === 'number'));
}

/** A tensor's data with every element set to x, in its own type. */
function fillLike(t: ort.Tensor, x: number): ort.Tensor['data'] {
  const d = t.data;
  if (d instanceof BigInt64Array) return d.slice().fill(BigInt(Math.trunc(x)));
  if (d instanceof Float32Array || d instanceof Float64Array || d instanceof Int32Array || d instanceof Uint8Array)
    return d.slice().fill(x);
  return d;
}

/** The same values in the dtype a session expects (a variant may take FP16 inputs). */
function adapt(feeds: Record<string, ort.Tensor>, session: ort.InferenceSession, types: Map<string, string>) {
  const out: Record<string, ort.Tensor> = {};
  for (const name of session.inputNames) {
    const t = feeds[name];
    if (!t) throw new KilnError('INVALID_ARGUMENT', `input ${name} of a variant is not an input of the reference`);
    out[name] =
      types.get(name) === 'float16' && t.type === 'float32'
        ? new ort.Tensor('float16', Uint16Array.from(t.data as Float32Array, toHalfBits), t.dims)
        : t;
  }
  return out;
}

function inputTypes(a: ModelAnalysis): Map<string, string> {
  return new Map(a.summary.inputs.map((i) => [i.name, i.dtype]));
}

/** Ops that pass a tensor's values on unchanged, in order: a Softmax read through them still gives class scores. */
const PASS_THROUGH = new Set(['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Identity', 'Cast']);

/**
 * The outputs that hold class scores, whose top-1 agreement is judged: made by a Softmax or
 * LogSoftmax (through reshapes), or named logits. Others of a class-like shape (a feature map's
 * rows, an embedding) have a top-1 that means nothing: it is shown, not judged.
 */
function classScoreOutputs(a: ModelAnalysis): Set<string> {
  const nodes = a.opened.model.graph?.node ?? [];
  const producer = new Map<string, (typeof nodes)[number]>();
  for (const n of nodes) for (const t of n.output) producer.set(t, n);
  const out = new Set<string>();
  for (const o of a.summary.outputs) {
    let n = producer.get(o.name);
    for (let d = 0; n && PASS_THROUGH.has(n.opType) && d < 8; d++) n = producer.get(n.input[0] ?? '');
    if (/logit/i.test(o.name) || (n && (n.opType === 'Softmax' || n.opType === 'LogSoftmax'))) out.add(o.name);
  }
  return out;
}

/** ONNX Runtime's refusal to load `file`, naming it. */
function cannotLoad(file: string, err: unknown): KilnError {
  return new KilnError('UNSUPPORTED', `ONNX Runtime cannot load ${path.basename(file)}: ${(err as Error).message}`);
}

async function session(file: string, optimized: boolean): Promise<ort.InferenceSession> {
  try {
    return await openSession(file, { optimization: optimized ? 'all' : 'disabled' });
  } catch (err) {
    throw cannotLoad(file, err);
  }
}

/**
 * An unoptimized session on a copy of `a` with `names` added as graph outputs, typed as the
 * analysis inferred them, written to `<dir>/<tag>.onnx`.
 */
function exposed(a: ModelAnalysis, names: string[], dir: string, tag: string): Promise<ort.InferenceSession> {
  const g = a.opened.model.graph as GraphProto;
  const have = new Set(g.output.map((o) => o.name));
  const byName = new Map<string, number>();
  for (let t = 0; t < a.ir.tensorCount; t++) if (a.ir.tensorGraph[t] === 0) byName.set(a.ir.tensorName[t]!, t);
  const outputs = [...g.output];
  for (const n of names) {
    if (have.has(n)) continue;
    const dtype = a.shapes.types[byName.get(n) ?? -1]?.dtype;
    outputs.push(tensorOutput(n, dtype === 'float16' ? 10 : 1));
  }
  const file = path.join(dir, `${tag}.onnx`);
  return openExposed(a.opened, outputs, file, { optimization: 'disabled' }, (err) => cannotLoad(file, err));
}

export async function compareModels(
  reference: CompareModel,
  variants: CompareModel[],
  opts: CompareOptions,
  ctx: JobContext,
): Promise<Comparison> {
  const cancelled = () => {
    throwIfCancelled(ctx, 'The comparison');
  };
  ctx.progress({ fraction: 0, stage: `Reading ${reference.name}` });
  const ref = await analyzeModel(reference.path, reference.name);
  const shapes = resolveShapes(ref.summary.inputs, opts.shapes);
  const refSession = await session(reference.path, true);
  const vSessions: { v: CompareModel; s: ort.InferenceSession; types: Map<string, string> }[] = [];
  try {
    // Inputs a specialized variant was frozen for (its recipe says): seeded samples use those values.
    const fixed: Record<string, number> = {};
    for (const v of variants) {
      const a = await analyzeModel(v.path, v.name);
      vSessions.push({ v, s: await session(v.path, true), types: inputTypes(a) });
      for (const [k, x] of Object.entries(fixedInputsOf(a))) {
        if (fixed[k] !== undefined && fixed[k] !== x)
          throw new KilnError(
            'INVALID_ARGUMENT',
            `${v.name} is specialized for ${k}=${x}, another variant for ${k}=${fixed[k]}: compare them separately`,
            { file: v.name },
          );
        fixed[k] = x;
      }
    }
    const outNames = refSession.outputNames;
    const judge = opts.judge?.length ? opts.judge : [...outNames];
    const unknown = judge.filter((n) => !outNames.includes(n));
    if (unknown.length > 0)
      throw new KilnError(
        'INVALID_ARGUMENT',
        `${reference.name} has no output ${unknown.join(', ')} to judge (its outputs: ${outNames.join(', ')})`,
        { file: reference.name },
      );
    const stream = opts.stream ?? [];
    const refInputs = ref.summary.inputs.map((x) => x.name);
    for (const pair of stream)
      if (!outNames.includes(pair.output) || !refInputs.includes(pair.input))
        throw new KilnError(
          'INVALID_ARGUMENT',
          `${reference.name} cannot stream ${pair.output} → ${pair.input}: ${!outNames.includes(pair.output) ? `it has no output ${pair.output} (its outputs: ${outNames.join(', ')})` : `it has no input ${pair.input} (its inputs: ${refInputs.join(', ')})`}`,
          { file: reference.name },
        );
    // Each model's own carried state (reference first), fed in place of the data's after sample 1.
    const carried: Record<string, ort.Tensor>[] = [{}, ...vSessions.map(() => ({}))];
    const carry = (k: number, out: ort.InferenceSession.ReturnType) => {
      for (const pair of stream) {
        const t = out[pair.output];
        if (t) carried[k]![pair.input] = t;
      }
    };
    const refOut = outNames.map(() => [] as number[]);
    const vOut = vSessions.map(() => outNames.map(() => [] as number[]));
    const lastDim = outNames.map(() => 1);
    // Where each sample starts in the pooled outputs: thresholds also hold per sample.
    const bounds = outNames.map(() => [0]);
    const real = opts.data ? inputFeeds(ref.summary.inputs, opts.data, reference.name) : null;
    // The samples the layerwise passes run again (all of them, up to a memory budget).
    const layerFeeds: Record<string, ort.Tensor>[] = [];
    let layerBytes = 0;
    let used = 0;
    for (let s = 0; s < opts.samples; s++) {
      cancelled();
      ctx.progress({
        fraction: (s / opts.samples) * (opts.layerwise ? 0.6 : 1),
        stage: `Sample ${s + 1} of ${opts.samples}`,
      });
      let feeds: Record<string, ort.Tensor>;
      if (real) {
        const next = await real.next();
        if (next.done) break;
        feeds = next.value;
      } else {
        feeds = randomFeeds(ref.summary.inputs, shapes, opts.seed + s);
        for (const [k, x] of Object.entries(fixed)) {
          const t = feeds[k];
          if (t) feeds[k] = new ort.Tensor(t.type, fillLike(t, x), t.dims);
        }
      }
      const refFeeds = { ...feeds, ...carried[0] };
      // Layerwise passes replay the reference's stream: both models see the same state there.
      if (opts.layerwise && (layerFeeds.length === 0 || layerBytes + feedBytes(refFeeds) <= LAYERWISE_FEED_BYTES)) {
        layerFeeds.push(refFeeds);
        layerBytes += feedBytes(refFeeds);
      }
      used++;
      const r = await refSession.run(refFeeds);
      carry(0, r);
      outNames.forEach((n, k) => {
        const t = r[n]!;
        lastDim[k] = Number(t.dims[t.dims.length - 1] ?? 1);
        for (const x of numbers(t)) refOut[k]!.push(x);
        bounds[k]!.push(refOut[k]!.length);
      });
      for (const [i, { s: vs, types, v }] of vSessions.entries()) {
        const o = await vs.run(adapt({ ...feeds, ...carried[i + 1] }, vs, types));
        carry(i + 1, o);
        outNames.forEach((n, k) => {
          const t = o[n];
          if (!t) throw new KilnError('UNSUPPORTED', `${v.name} has no output ${n}`);
          for (const x of numbers(t)) vOut[i]![k]!.push(x);
        });
      }
    }

    if (used === 0) throw new KilnError('INVALID_ARGUMENT', `the inputs given for ${reference.name} hold no samples`);
    const result: Comparison = {
      reference: reference.name,
      samples: used,
      shapes,
      thresholds: opts.thresholds,
      outputs: [...outNames],
      judged: judge,
      variants: [],
    };
    const scores = classScoreOutputs(ref);
    for (const [i, { v }] of vSessions.entries()) {
      const perOutput = outNames.map((n, k) => {
        const m = errorMetrics(refOut[k]!, vOut[i]![k]!, opts.thresholds);
        const worstSample = worstSampleCosine(refOut[k]!, vOut[i]![k]!, bounds[k]!);
        const classes = lastDim[k]!;
        // A recurrent state fed back as an input is not a row of class scores.
        const classifier =
          classes >= 2 &&
          classes <= 100_000 &&
          refOut[k]!.length / classes <= 10_000 &&
          !stream.some((p) => p.output === n);
        const top1 = classifier ? topKAgreement(refOut[k]!, vOut[i]![k]!, classes, 1) : null;
        const classScores = classifier && scores.has(n);
        const verdict = passes(m, opts.thresholds, worstSample, classScores ? top1 : null);
        return {
          output: n,
          metrics: m,
          worstSample,
          top1,
          top5: classifier && classes > 5 ? topKAgreement(refOut[k]!, vOut[i]![k]!, classes, 5) : null,
          classScores,
          pass: verdict.pass,
          failed: verdict.failed,
          judged: judge.includes(n),
        };
      });
      const pass = perOutput.every((p) => p.pass || !p.judged);
      result.variants.push({ id: v.id, name: v.name, perOutput, pass, layers: null });
    }

    if (opts.layerwise && variants.length > 0) {
      const dir = makeTempDir('layerwise');
      try {
        await layerwise(ref, reference, variants, result, opts, layerFeeds, dir, ctx);
      } finally {
        removeTempDir(dir);
      }
    }
    return result;
  } finally {
    await refSession.release();
    for (const { s } of vSessions) await s.release();
  }
}

async function layerwise(
  ref: ModelAnalysis,
  reference: CompareModel,
  variants: CompareModel[],
  result: Comparison,
  opts: CompareOptions,
  samples: Record<string, ort.Tensor>[],
  dir: string,
  ctx: JobContext,
): Promise<void> {
  const main = ref.ir.graphs[0]!;
  // Float tensors made by main-graph nodes, in topological order, with the node that made them.
  const candidates: { name: string; node: number }[] = [];
  for (let k = main.nodeStart; k < main.nodeEnd; k++) {
    const id = ref.ir.topo[k]!;
    if (ref.ir.nodes[id]!.opType === 'Constant') continue;
    for (let j = ref.ir.nodeOutputStart[id]!; j < ref.ir.nodeOutputStart[id + 1]!; j++) {
      const t = ref.ir.nodeOutputs[j]!;
      if (t >= 0 && ref.shapes.types[t]?.dtype === 'float32')
        candidates.push({ name: ref.ir.tensorName[t]!, node: id - main.nodeStart });
    }
  }
  const step = Math.max(1, candidates.length / MAX_LAYER_TENSORS);
  const chosen = candidates.filter((_, i) => Math.floor(i % step) === 0);
  for (const [i, v] of variants.entries()) {
    const va = await analyzeModel(v.path, v.name);
    const present = new Set<string>();
    for (let t = 0; t < va.ir.tensorCount; t++) if (va.ir.tensorGraph[t] === 0) present.add(va.ir.tensorName[t]!);
    const shared = chosen.filter((c) => present.has(c.name));
    const tensors: NonNullable<Comparison['variants'][number]['layers']>['tensors'] = [];
    // Tensors are exposed a chunk at a time and compared as they come: memory stays bounded by the
    // chunk, not the model (a pass per chunk costs runs, which are cheap next to holding everything).
    for (let start = 0; start < shared.length; start += CHUNK) {
      throwIfCancelled(ctx, 'The comparison');
      ctx.progress({
        fraction: 0.6 + 0.4 * ((i + start / Math.max(1, shared.length)) / variants.length),
        stage: `Layerwise error of ${v.name}`,
      });
      const part = shared.slice(start, start + CHUNK);
      const chunk = part.map((c) => c.name);
      const rs = await exposed(ref, chunk, dir, 'reference');
      const vs = await exposed(va, chunk, dir, `variant-${i}`);
      try {
        // Pooled over every sample, one sample's tensors held at a time.
        const acc = part.map(() => new TensorError());
        for (const feeds of samples) {
          throwIfCancelled(ctx, 'The comparison');
          const refValues = await rs.run(feeds);
          const out = await vs.run(adapt(feeds, vs, inputTypes(va)));
          part.forEach((c, k) => {
            const [r, v] = [refValues[c.name], out[c.name]];
            if (r && v) acc[k]!.add(floats(r), floats(v));
            r?.dispose();
            v?.dispose();
          });
        }
        part.forEach((c, k) => {
          const e = acc[k]!;
          if (e.count > 0) tensors.push({ name: c.name, node: c.node, ...e.summary() });
        });
      } finally {
        await rs.release();
        await vs.release();
      }
    }
    const { cosine, snr } = opts.thresholds;
    const first = tensors.find((t) => t.cosine < cosine || (snr !== null && t.snr < snr)) ?? null;
    result.variants[i]!.layers = {
      tensors,
      firstBad: first ? { name: first.name, node: first.node } : null,
      samples: samples.length,
    };
  }
}

/**
 * One tensor's error against the reference, accumulated sample by sample: cosine, SNR and the
 * absolute errors over everything seen (NaN/Inf make the cosine NaN, never a number that looks fine).
 */
class TensorError {
  count = 0;
  private samples = 0;
  /** Σ over samples of 1 − that sample's cosine: quiet samples count as much as loud ones. */
  private deficit = 0;
  private dot = 0;
  private rr = 0;
  private gg = 0;
  private se = 0;
  private sumAbs = 0;
  private maxAbs = 0;

  add(ref: ArrayLike<number>, got: ArrayLike<number>): void {
    const n = Math.min(ref.length, got.length);
    let dot = 0;
    let rr = 0;
    let gg = 0;
    for (let j = 0; j < n; j++) {
      const r = ref[j]!;
      const g = got[j]!;
      const e = Math.abs(g - r);
      dot += r * g;
      rr += r * r;
      gg += g * g;
      this.se += e * e;
      this.sumAbs += e;
      if (!(e <= this.maxAbs)) this.maxAbs = Number.isNaN(e) ? Infinity : e;
    }
    this.dot += dot;
    this.rr += rr;
    this.gg += gg;
    this.deficit += 1 - cosineOf(dot, rr, gg);
    this.samples++;
    this.count += n;
  }

  summary(): { cosine: number; meanSampleCosine: number; maxAbs: number; meanAbs: number; snr: number } {
    const { rr, se } = this;
    return {
      cosine: cosineOf(this.dot, rr, this.gg),
      meanSampleCosine: this.samples ? 1 - this.deficit / this.samples : 1,
      maxAbs: this.maxAbs,
      meanAbs: this.count ? this.sumAbs / this.count : 0,
      snr: se === 0 ? Infinity : 10 * Math.log10(rr / se),
    };
  }
}
