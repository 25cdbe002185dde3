/**
 * Mixed-precision search: the fewest layers to keep in FP32 so an FP16 or INT8 variant meets the
 * user's accuracy target. Layers are ranked by the error each one adds (layerwise comparison: the jump in
 * 1 − cosine from the tensor before it, in topological order), then pinned to FP32 in growing
 * batches (1, 2, 4, …) until the target is met, and the last batch is trimmed one layer at a time
 * while the target still holds. Each candidate is a real variant, measured on the same inputs.
 */
import type { Comparison, Recipe, Variant } from '../../api/contract';
import { KilnError } from '../../api/errors';
import type { JobContext } from '../backends/backend';
import { analyzeModel } from '../onnx/analyze';
import { asksToSpecialize, withSpecialized } from '../precision/specialize';
import { makeVariant, variantPath } from '../precision/variants';
import { compareModels, type CompareOptions } from './compare';

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
}

const MAX_EVALUATIONS = 24;

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
  const inner: JobContext = { signal: ctx.signal, progress: () => undefined };
  const steps: SearchStep[] = [];
  let evaluations = 0;
  let recipe0 = base;
  const evaluate = async (pinned: string[], layerwise: boolean): Promise<{ v: Variant; c: Comparison }> => {
    if (ctx.signal.aborted) throw new KilnError('CANCELLED', 'The search was cancelled');
    if (++evaluations > MAX_EVALUATIONS)
      throw new KilnError('UNSUPPORTED', 'the search ran out of its evaluation budget');
    ctx.progress({
      fraction: Math.min(0.99, evaluations / MAX_EVALUATIONS),
      stage: `Trying ${pinned.length} layer(s) in FP32`,
    });
    const recipe = { ...recipe0, excludeNodes: [...recipe0.excludeNodes, ...pinned] };
    const v = await makeVariant(model.path, model.name, recipe, inner, extra);
    const c = await compareModels(
      { ...ref, id: 'reference' },
      [{ path: variantPath(v.id), name: v.name, id: v.id }],
      { ...opts, layerwise },
      inner,
    );
    const r = c.variants[0]!;
    steps.push({
      pinned: pinned.length,
      cosine: Math.min(...r.perOutput.map((o) => Math.min(o.metrics.cosine, o.worstSample.cosine))),
      pass: r.pass,
      variant: v.id,
    });
    return { v, c };
  };

  const first = await evaluate([], true);
  if (first.c.variants[0]!.pass) return { variant: first.v, met: true, pinnedNodes: [], steps };
  // INT8 with the speed check: what it measured stands (layer kinds where int8 lost stay float), and
  // candidates are not timed again — pinning a layer to float only removes int8 work.
  const float = new Set(first.v.kept.map((k) => k.node));
  if (base.precision === 'int8' && base.speedGuard) {
    const slower = first.v.kept.filter((k) => k.reason.includes('measured slower')).map((k) => k.node);
    recipe0 = { ...base, speedGuard: false, excludeNodes: [...base.excludeNodes, ...slower] };
  }
  // Rank by the error each tensor adds over the one before it (its producer's inputs come earlier).
  const tensors = first.c.variants[0]!.layers?.tensors ?? [];
  const gains = tensors.map((t, i) => ({
    node: t.name,
    added: 1 - t.cosine - (i > 0 ? 1 - tensors[i - 1]!.cosine : 0),
  }));
  const ranked = gains
    .filter((g) => g.added > 0)
    .sort((a, b) => b.added - a.added)
    .map((g) => g.node);
  // Tensor names to node names: the variant keeps the reference's names, and excludeNodes takes nodes.
  const nodeOf = await tensorProducers(ref.path, base.precision === 'int8');
  const candidates = [...new Set(ranked.map((t) => nodeOf.get(t)).filter((n): n is string => !!n && !float.has(n)))];
  // INT8: quantized layers whose error the layerwise pass did not single out come last, so the
  // search can always go on to the target (every layer pinned is the float model).
  if (base.precision === 'int8')
    for (const n of new Set(nodeOf.values())) if (!float.has(n) && !candidates.includes(n)) candidates.push(n);
  if (candidates.length === 0) return { variant: first.v, met: false, pinnedNodes: [], steps };

  let lo = 0;
  let best: { v: Variant; n: number } | null = null;
  for (let n = 1; ; n = Math.min(candidates.length, n * 2)) {
    const { v, c } = await evaluate(candidates.slice(0, n), false);
    if (c.variants[0]!.pass) {
      best = { v, n };
      break;
    }
    lo = n;
    if (n === candidates.length) return { variant: v, met: false, pinnedNodes: candidates.slice(0, n), steps };
  }
  // Trim: the fewest of the last batch that still meet the target (binary search on the count).
  let hi = best.n;
  while (hi - lo > 1 && evaluations < MAX_EVALUATIONS) {
    const mid = Math.floor((lo + hi) / 2);
    const { v, c } = await evaluate(candidates.slice(0, mid), false);
    if (c.variants[0]!.pass) {
      hi = mid;
      best = { v, n: mid };
    } else lo = mid;
  }
  return { variant: best.v, met: true, pinnedNodes: candidates.slice(0, best.n), steps };
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
