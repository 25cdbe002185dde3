/**
 * Mixed-precision search: the fewest layers to keep in FP32 so an FP16 or INT8 variant meets the
 * user's accuracy target. Layers are ranked by the error each one adds (layerwise comparison over
 * the search's samples: the jump in 1 − cosine from the tensor before it, in topological order);
 * for INT8, by measured sensitivity first (each layer alone kept float, calibration reused), then
 * pinned to FP32 in growing batches (1, 2, 4, …) until the target is met; the last batch is
 * trimmed by bisection, and then each pinned layer is tried back in low precision, least suspected
 * first (accuracy is not monotonic in the pinned set, so bisection alone can keep layers that are
 * not needed). Each candidate is a real variant, measured on the same inputs. An INT8 mix is then
 * timed like any INT8 variant (the speed check) and kept that way when it still meets the target.
 * A cancelled search returns the best variant found so far.
 */
import type { Recipe, Variant } from '../../shared/api/variants';
import type { Comparison } from '../../shared/api/comparison';
import { KilnError } from '../../shared/api/errors';
import { throwIfCancelled, type JobContext } from '../jobs/context';
import { analyzeModel } from '../onnx/analyze';
import type { CalibrationReuse } from '../precision/int8/types';
import { asksToSpecialize, withSpecialized } from '../precision/specialize';
import { makeVariant } from '../precision/variants';
import { variantPath } from '../../platform/paths';
import { removeVariant } from '../../platform/variant-names';
import { compareModels, type CompareOptions } from './compare';
import { judgedCosine } from '../../shared/compare/metrics';

export interface SearchStep {
  pinned: number;
  cosine: number;
  pass: boolean;
  variant: string;
}

export interface SearchResult {
  variant: Variant;
  met: boolean;
  pinnedNodes: string[];
  steps: SearchStep[];
  /** The search was cancelled: `variant` is the best found before that. */
  cancelled: boolean;
}

const MAX_EVALUATIONS = 24;
/** Layers measured one by one for INT8 (each a rewrite and a comparison, calibration reused). */
const MAX_SENSITIVITY = 128;

export async function searchMixed(
  model: { path: string; name: string },
  base: Recipe,
  opts: Omit<CompareOptions, 'layerwise'>,
  ctx: JobContext,
  /** INT8: the calibration files (images or .npy/.npz) each candidate is calibrated on. */
  extra: { calibrationPaths?: string[] } = {},
): Promise<SearchResult> {
  if (!asksToSpecialize(base)) return search(model, model, base, opts, ctx, extra);
  // A specialized recipe: the layerwise pass and the candidates come from the specialized FP32
  // model (exact, tested), since the nodes to pin live in the If branches it inlines.
  const a = await analyzeModel(model.path, model.name);
  return withSpecialized(a, base, (spec) =>
    search(model, { path: spec.outPath, name: model.name }, base, opts, ctx, extra),
  );
}

async function search(
  model: { path: string; name: string },
  /** The FP32 model compared against and ranked on (the source, or its specialized form). */
  ref: { path: string; name: string },
  base: Recipe,
  opts: Omit<CompareOptions, 'layerwise'>,
  ctx: JobContext,
  extra: { calibrationPaths?: string[] },
): Promise<SearchResult> {
  const s = new Candidates(model, ref, base, opts, ctx, extra);
  try {
    return await s.run();
  } catch (err) {
    const best = s.bestSoFar;
    if (!(err instanceof KilnError && err.code === 'CANCELLED') || !best) throw err;
    return { variant: best.v, met: best.pass, pinnedNodes: best.pinned, steps: s.steps, cancelled: true };
  }
}

/** The search's state: each candidate variant made and measured, and the best one so far. */
class Candidates {
  readonly steps: SearchStep[] = [];
  /** The passing variant with the fewest pins, else the closest one: what a cancelled search returns. */
  bestSoFar: { v: Variant; pinned: string[]; pass: boolean; cosine: number } | null = null;
  private evaluations = 0;
  private recipe: Recipe;
  private readonly inner: JobContext;

  constructor(
    private readonly model: { path: string; name: string },
    private readonly ref: { path: string; name: string },
    private readonly base: Recipe,
    private readonly opts: Omit<CompareOptions, 'layerwise'>,
    private readonly ctx: JobContext,
    private extra: { calibrationPaths?: string[]; reuse?: CalibrationReuse; agreement?: boolean },
  ) {
    this.recipe = base;
    this.inner = { signal: ctx.signal, progress: () => undefined };
    // Candidates differ only in the layers left float: INT8 calibrates once for all of them.
    // Each candidate is compared next anyway: no agreement measured while making it.
    this.extra = { ...extra, reuse: { channels: new Map(), ranges: new Map() }, agreement: false };
  }

  private get budgetLeft(): boolean {
    return this.evaluations < MAX_EVALUATIONS;
  }

  /** A real variant with `pinned` in FP32, compared with the reference on the search's inputs. */
  private async measure(pinned: string[], layerwise: boolean) {
    throwIfCancelled(this.ctx, 'The search');
    const recipe = { ...this.recipe, excludeNodes: [...this.recipe.excludeNodes, ...pinned] };
    const v = await makeVariant(this.model.path, this.model.name, recipe, this.inner, this.extra);
    const c = await compareModels(
      { ...this.ref, id: 'reference' },
      [{ path: variantPath(v.id), name: v.name, id: v.id }],
      { ...this.opts, layerwise },
      this.inner,
    );
    const r = c.variants[0]!;
    return { v, c, pass: r.pass, cosine: judgedCosine(r) };
  }

  /** One step of the search: measured, recorded, and kept when it is the best so far. */
  private async evaluate(pinned: string[], layerwise: boolean): Promise<{ v: Variant; pass: boolean; c: Comparison }> {
    this.evaluations++;
    this.ctx.progress({
      fraction: Math.min(0.99, this.evaluations / MAX_EVALUATIONS),
      stage: `Trying ${pinned.length} layer(s) in FP32`,
    });
    const { v, c, pass, cosine } = await this.measure(pinned, layerwise);
    this.steps.push({ pinned: pinned.length, cosine, pass, variant: v.id });
    const b = this.bestSoFar;
    if (!b || (pass && (!b.pass || pinned.length < b.pinned.length)) || (!pass && !b.pass && cosine > b.cosine))
      this.bestSoFar = { v, pinned, pass, cosine };
    return { v, pass, c };
  }

  /** Output cosine with each layer alone kept float; files of variants that are not the best are removed. */
  private async sensitivity(layers: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const [k, layer] of layers.entries()) {
      this.ctx.progress({ fraction: null, stage: `Sensitivity: layer ${k + 1} of ${layers.length} kept float alone` });
      const { v, pass, cosine } = await this.measure([layer], false);
      out.set(layer, cosine);
      const b = this.bestSoFar;
      if (pass && (!b?.pass || b.pinned.length > 1)) this.bestSoFar = { v, pinned: [layer], pass: true, cosine };
      else removeVariant(v.id);
    }
    return out;
  }

  async run(): Promise<SearchResult> {
    const { base } = this;
    const done = (variant: Variant, met: boolean, pinnedNodes: string[]): SearchResult => ({
      variant,
      met,
      pinnedNodes,
      steps: this.steps,
      cancelled: false,
    });
    const first = await this.evaluate([], true);
    if (first.pass) return done(first.v, true, []);
    // INT8 with the speed check: what the first variant kept float stands — layer kinds where int8
    // lost time, and layers its accuracy check made float (that check runs with the speed check, so
    // without them the next variants would quantize those layers again and start below the first) —
    // and candidates are not timed again: pinning a layer to float only removes int8 work.
    const float = new Set(first.v.kept.map((k) => k.node));
    if (base.precision === 'int8' && base.speedGuard)
      this.recipe = { ...base, speedGuard: false, excludeNodes: [...new Set([...base.excludeNodes, ...float])] };
    // Rank by the error each tensor adds over the one before it (its producer's inputs come earlier),
    // sample by sample: a layer that ruins quiet samples matters as much as one that shifts loud ones.
    const tensors = first.c.variants[0]!.layers?.tensors ?? [];
    const ranked = tensors
      .map((t, i) => ({
        node: t.name,
        added: 1 - t.meanSampleCosine - (i > 0 ? 1 - tensors[i - 1]!.meanSampleCosine : 0),
      }))
      .filter((g) => g.added > 0)
      .sort((a, b) => b.added - a.added)
      .map((g) => g.node);
    // Tensor names to node names: the variant keeps the reference's names, and excludeNodes takes nodes.
    const nodeOf = await tensorProducers(this.ref.path, base.precision === 'int8');
    const candidates = [...new Set(ranked.map((t) => nodeOf.get(t)).filter((n): n is string => !!n && !float.has(n)))];
    // INT8: quantized layers whose error the layerwise pass did not single out come last, so the
    // search can always go on to the target (every layer pinned is the float model).
    if (base.precision === 'int8')
      for (const n of new Set(nodeOf.values())) if (!float.has(n) && !candidates.includes(n)) candidates.push(n);
    if (candidates.length === 0) return done(first.v, false, []);
    // INT8 sensitivity: each candidate alone kept float, measured (calibration is reused, so each
    // costs a rewrite and a comparison). The layers whose float copy helps most come first; one that
    // meets the target alone ends the search.
    if (base.precision === 'int8') {
      const gain = await this.sensitivity(candidates.slice(0, MAX_SENSITIVITY));
      const alone = this.bestSoFar;
      if (alone?.pass && alone.pinned.length === 1) return done(alone.v, true, alone.pinned);
      const order = new Map(candidates.map((c, i) => [c, i]));
      candidates.sort((a, b) => (gain.get(b) ?? -1) - (gain.get(a) ?? -1) || order.get(a)! - order.get(b)!);
    }

    let lo = 0;
    let best: { v: Variant; pinned: string[] } | null = null;
    for (let n = 1; !best; n = Math.min(candidates.length, n * 2)) {
      const { v, pass } = await this.evaluate(candidates.slice(0, n), false);
      if (pass) best = { v, pinned: candidates.slice(0, n) };
      else if (n === candidates.length) return done(v, false, candidates.slice(0, n));
      else lo = n;
    }
    // Trim: the fewest of the last batch that still meet the target (binary search on the count).
    let hi = best.pinned.length;
    while (hi - lo > 1 && this.budgetLeft) {
      const mid = Math.floor((lo + hi) / 2);
      const { v, pass } = await this.evaluate(candidates.slice(0, mid), false);
      if (pass) {
        hi = mid;
        best = { v, pinned: candidates.slice(0, mid) };
      } else lo = mid;
    }
    // Then each pinned layer back in low precision, least suspected first, while the target holds.
    const pinnedOnce: string[] = [...best.pinned];
    for (const layer of pinnedOnce.reverse()) {
      if (best.pinned.length <= 1 || !this.budgetLeft) break;
      const fewer: string[] = best.pinned.filter((x) => x !== layer);
      const { v, pass } = await this.evaluate(fewer, false);
      if (pass) best = { v, pinned: fewer };
    }
    // INT8 with the speed check: the mix found is timed on this machine like any variant (pinned
    // layers leave int8 islands whose Q/DQ can cost more than they save; those kinds go float).
    if (base.precision === 'int8' && base.speedGuard && this.recipe.precision === 'int8' && best.pinned.length > 0) {
      this.recipe = { ...this.recipe, speedGuard: true };
      const { v, pass } = await this.evaluate(best.pinned, false);
      if (pass) best = { v, pinned: best.pinned };
    }
    return done(best.v, true, best.pinned);
  }
}

/** Ops INT8 quantizes: only these change when pinned to float. */
const QUANTIZED = new Set(['Conv', 'ConvTranspose', 'MatMul', 'Gemm']);
/** How far back a tensor's error is traced to the quantized node that made it. */
const TRACE_DEPTH = 6;

/**
 * Tensor name -> the node to pin for it. For INT8, error seen at a tensor comes from the nearest
 * quantized node upstream (BatchNorm folded into a Conv, an activation or a LayerNorm after a
 * MatMul): follow first inputs back to it, so pinning changes something.
 */
async function tensorProducers(modelPath: string, int8: boolean): Promise<Map<string, string>> {
  const a = await analyzeModel(modelPath);
  const nodes = a.opened.model.graph?.node ?? [];
  const producer = new Map<string, (typeof nodes)[number]>();
  for (const n of nodes) for (const t of n.output) producer.set(t, n);
  const out = new Map<string, string>();
  for (const n of nodes) {
    let target: (typeof nodes)[number] | undefined = n;
    if (int8) {
      for (let d = 0; target && !QUANTIZED.has(target.opType) && d < TRACE_DEPTH; d++)
        target = producer.get(target.input[0] ?? '');
      if (target && !QUANTIZED.has(target.opType)) target = undefined;
    }
    if (target?.name) for (const t of n.output) out.set(t, target.name);
  }
  return out;
}
