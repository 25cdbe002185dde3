/**
 * INT8 must not be slower than FP32 on the backend it targets. On ONNX Runtime's CPU, int8 kernels
 * lose for some layers (depthwise convolutions, small matmuls) and the Q/DQ around them costs more
 * than it saves. This measures instead of guessing, in two passes: quantized layers are grouped by
 * kind and each group is tried in float (it stays float when the whole model gets faster); then
 * single layers, since one kind can hold both a 3-channel stem and a heavy 3×3 neck convolution:
 * each layer still INT8 is tried in float (lightest first), and the heaviest float ones are tried
 * in INT8 alone (those of kinds that held their own first). If INT8 still loses to float, every layer stays float and the variant says so.
 */
import type * as ort from 'onnxruntime-node';
import { openSession } from '../backends/onnxruntime/session';
import type { NodeProto } from '../onnx/model';
import { ATTR } from '../onnx/model';

export interface GuardStep {
  /** A layer kind ('grouped Conv'), or one layer by name. */
  group: string;
  /** True: the step tried this INT8 (from float); false: tried it float (from INT8). */
  toInt8?: boolean;
  nodes: number;
  ms: number;
  kept: boolean;
  /**
   * Set on the step that made every layer float because INT8, as the kinds left it, lost to the
   * float graph (`ms`): what INT8 took then. The single-layer tries start from there.
   */
  fallback?: { int8Ms: number };
}

export interface GuardResult {
  /** Nodes to keep in float (names). */
  excluded: string[];
  /** The source model, as given. */
  fp32Ms: number;
  /** The quantizer's graph with nothing quantized (exact folds only). */
  floatMs: number;
  int8Ms: number;
  finalMs: number;
  steps: GuardStep[];
  /** INT8 lost at every grouping: the model stays float. */
  allFloat: boolean;
  /** Files `quantize` wrote (they live as long as its folder): nothing quantized, and the result. */
  floatPath: string;
  finalPath: string;
}

/** Single-layer tries after the kinds (each is a quantization and a timing), of which heaviest float layers in INT8. */
const LAYER_TRIES = 16;
const HEAVIEST_TRIES = 6;

/** The kind of a quantized node, as int8 kernels see it. */
export function layerKind(n: NodeProto): string {
  if (n.opType === 'Conv') {
    const group = n.attribute.find((a) => a.name === 'group' && a.type === ATTR.INT)?.i ?? 1;
    if (Number(group) > 1) return 'grouped Conv';
    const k = n.attribute.find((a) => a.name === 'kernel_shape')?.ints ?? [];
    return k.length > 0 && k.every((d) => Number(d) === 1) ? '1×1 Conv' : 'Conv';
  }
  return n.opType;
}

/**
 * Sessions for timing side by side. Spinning is off: ONNX Runtime's idle intra-op threads spin
 * after each run, and with sessions alternating on few cores they steal the next session's CPU
 * (on 2 cores that inflated a 14 ms model to 25–38 ms, at random).
 */
async function session(file: string, threads: number | undefined): Promise<ort.InferenceSession> {
  return openSession(file, { optimization: 'all', quiet: true, threads, noSpinning: true });
}

/** Median ms of each model, runs alternating so machine noise hits all alike. */
export async function medianLatencies(
  files: string[],
  feeds: Record<string, ort.Tensor>,
  opts: { budgetMs?: number; maxRuns?: number; threads?: number; signal?: AbortSignal } = {},
): Promise<number[]> {
  const sessions = await Promise.all(files.map((f) => session(f, opts.threads)));
  try {
    for (const s of sessions) await s.run(feeds); // warm-up
    const times = sessions.map(() => [] as number[]);
    const t0 = performance.now();
    const budget = opts.budgetMs ?? 1500;
    for (let r = 0; r < (opts.maxRuns ?? 200) && (r < 5 || performance.now() - t0 < budget); r++) {
      if (opts.signal?.aborted) break;
      for (const [k, s] of sessions.entries()) {
        const t = performance.now();
        await s.run(feeds);
        times[k]!.push(performance.now() - t);
      }
    }
    return times.map((v) => [...v].sort((a, b) => a - b)[v.length >> 1]!);
  } finally {
    for (const s of sessions) await s.release();
  }
}

/**
 * `quantize(excluded)` writes an INT8 model keeping `excluded` in float and returns its path.
 * Groups are tried largest first; a group stays float when that is ≥ 3% faster than the best so far.
 * The float to beat is the quantizer's own graph with nothing quantized (the same exact folds,
 * no Q/DQ), so INT8 is kept only where int8 kernels themselves pay.
 */
export async function guardInt8Speed(
  fp32Path: string,
  int8Path: string,
  quantized: NodeProto[],
  feeds: Record<string, ort.Tensor>,
  quantize: (excluded: string[]) => Promise<string>,
  opts: {
    signal?: AbortSignal;
    onStep?: (stage: string) => void;
    /** Multiply-accumulates per layer name (relative sizes are enough): orders the single-layer pass. */
    macs?: ReadonlyMap<string, number>;
    /** How files are timed (median ms of each): medianLatencies on `feeds` unless a test says otherwise. */
    time?: (files: string[]) => Promise<number[]>;
  } = {},
): Promise<GuardResult> {
  opts.onStep?.('Timing INT8 against float');
  const time = opts.time ?? ((files: string[]) => medianLatencies(files, feeds, opts));
  const all = quantized.map((n) => n.name);
  const floatPath = await quantize(all);
  const [fp32Ms, floatMs, int8Ms] = (await time([fp32Path, floatPath, int8Path])) as [number, number, number];
  let excluded: string[] = [];
  let bestPath = int8Path;
  let bestMs = int8Ms;
  const steps: GuardStep[] = [];
  /** Times `next` float against the best so far; it becomes the best when ≥ 3 % faster. */
  const tryFloat = async (next: string[], step: Omit<GuardStep, 'ms' | 'kept'>, stage: string) => {
    // Everything in float is the float graph itself: measured above.
    if (opts.signal?.aborted || next.length >= quantized.length) return;
    opts.onStep?.(stage);
    const candidate = await quantize(next);
    const [best, ms] = (await time([bestPath, candidate])) as [number, number];
    const kept = ms < best * 0.97;
    steps.push({ ...step, ms: ms * (bestMs / best), kept });
    if (kept) {
      excluded = next;
      bestPath = candidate;
      bestMs = ms * (bestMs / best); // on the scale of the first measurement
    }
  };

  const groups = new Map<string, string[]>();
  for (const n of quantized) {
    const k = layerKind(n);
    groups.set(k, [...(groups.get(k) ?? []), n.name]);
  }
  // Layers of kinds whose float try was not faster: INT8 held its own there.
  const heldUp = new Set<string>();
  for (const [group, names] of [...groups].sort((a, b) => b[1].length - a[1].length)) {
    const before = steps.length;
    await tryFloat([...excluded, ...names], { group, nodes: names.length }, `Timing INT8 with ${group} in float`);
    if (steps.length > before && !steps[steps.length - 1]!.kept) for (const n of names) heldUp.add(n);
  }
  // From all float when no group paid, else from the groups' result; the step says which.
  if (bestMs > floatMs) {
    steps.push({
      group: 'every layer',
      nodes: quantized.length,
      ms: floatMs,
      kept: true,
      fallback: { int8Ms: bestMs },
    });
    excluded = all;
    bestPath = floatPath;
    bestMs = floatMs;
  }

  const macs = (n: NodeProto) => opts.macs?.get(n.name) ?? 0;
  const int8Now = quantized.filter((n) => !excluded.includes(n.name)).sort((x, y) => macs(x) - macs(y));
  // When the groups' result lost to float as a whole, the layers of kinds that held their own come
  // first: by timing noise or one light layer among heavy ones, the whole kind may have lost.
  const held = (n: NodeProto) => (heldUp.has(n.name) ? 1 : 0);
  const heaviestFloat = quantized
    .filter((n) => excluded.includes(n.name) && (macs(n) > 0 || heldUp.has(n.name)))
    .sort((x, y) => held(y) - held(x) || macs(y) - macs(x))
    .slice(0, HEAVIEST_TRIES);
  const tries = [
    ...(int8Now.length > 1
      ? int8Now.slice(0, LAYER_TRIES - heaviestFloat.length).map((n) => ({ n, toInt8: false }))
      : []),
    ...heaviestFloat.map((n) => ({ n, toInt8: true })),
  ];
  for (const { n, toInt8 } of tries)
    await tryFloat(
      toInt8 ? excluded.filter((x) => x !== n.name) : [...excluded, n.name],
      { group: n.name, toInt8, nodes: 1 },
      `Timing ${n.name} in ${toInt8 ? 'INT8' : 'float'}`,
    );
  const allFloat = excluded.length >= quantized.length;
  return {
    excluded: allFloat ? all : excluded,
    fp32Ms,
    floatMs,
    int8Ms,
    finalMs: allFloat ? floatMs : bestMs,
    steps,
    allFloat,
    floatPath,
    finalPath: allFloat ? floatPath : bestPath,
  };
}
