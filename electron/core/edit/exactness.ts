/**
 * How far an edit moved the outputs: the edited file runs beside its parent on the same inputs
 * (seeded ones, or the user's files) through ONNX Runtime, with its basic optimizations only (the
 * semantics-preserving ones: constant folding, redundant nodes; no fusions that change the arithmetic),
 * which open large graphs several times faster than none (5,000 nodes: 9 s against 27 s here); per output, the largest absolute difference and the cosine
 * similarity. Edits meant to be exact must stay within float rounding (a few ulps of the output's
 * type, relative to its largest value); lossy ones just report. A model ONNX Runtime cannot run
 * (a plugin op, an op it lacks) is reported as not measured, with the reason.
 *
 * So is a model too large for ONNX Runtime to open in reasonable time: its session creation grows
 * with the square of the node count here (the generated transformer: 0.4 s at 1,250 nodes, 4.3 s at
 * 5,000, 49 s at 12,500 on this loaded 2-core machine — over an hour extrapolated to 125,000), so the
 * measure runs up to EXACTNESS_MAX_NODES nodes (parent or result) and above that says it did not,
 * why, and how to ask for it anyway (KILN_EXACTNESS_MAX_NODES). The edits Kiln calls exact stay
 * exact by construction; what is skipped is the independent proof on ONNX Runtime.
 */
import * as path from 'node:path';
import type * as ort from 'onnxruntime-node';
import { ImagePreprocessSchema } from '../../shared/api/variants';
import { cosineOf } from '../../shared/compare/metrics';
import type { z } from 'zod';
import type { EditExactnessSchema } from '../../shared/api/edits';
import { openSession } from '../backends/onnxruntime/session';
import { inputFeeds, type InputData } from '../inputs/feeds';
import { filesAsData } from '../inputs/files';
import { modelInputs, type InputSpec } from '../inputs/specs';
import { halfArrayToFloat32 } from '../onnx/half';
import type { GraphProto, ModelProto } from '../onnx/model';

export type EditExactness = z.infer<typeof EditExactnessSchema>;

/** The measure, and the first output that moved beyond float rounding (null: none, or not measured). */
export interface Measured {
  exactness: EditExactness;
  moved: string | null;
}

export interface ExactnessOptions {
  /** Real input files (.npy/.npz or images); none: seeded samples. */
  inputPaths?: string[];
  samples?: number;
  seed?: number;
  /** Larger models (parent or result, main-graph nodes) are not run; default: exactnessMaxNodes(). */
  maxNodes?: number;
  /**
   * ONNX Runtime's graph optimizations for both runs (default 'basic'). 'disabled' runs every node
   * as written: what proves an opset conversion bit for bit, since ONNX Runtime's constant folding
   * and fusions match ops by opset version and so round differently across opsets.
   */
  optimization?: 'basic' | 'disabled';
}

/** Up to this many nodes both models are opened on ONNX Runtime (about a minute for the two here). */
export const EXACTNESS_MAX_NODES = 20_000;

/** The node limit in force: KILN_EXACTNESS_MAX_NODES when set to a positive number, else the default. */
export function exactnessMaxNodes(): number {
  const set = Number(process.env.KILN_EXACTNESS_MAX_NODES);
  return Number.isFinite(set) && set > 0 ? set : EXACTNESS_MAX_NODES;
}

/** Seeded samples per measure: enough to see a moved output, few enough for a 125k-node model. */
const SEEDED_SAMPLES = 2;
const MAX_REAL_SAMPLES = 8;

/** Concrete shapes for the parent's inputs: its fixed dims, else the edited model's, else 1. */
function feedShapes(parent: InputSpec[], child: InputSpec[]): Record<string, number[]> {
  const childDims = new Map(child.map((c) => [c.name, c.dims]));
  const out: Record<string, number[]> = {};
  for (const p of parent) {
    const cd = childDims.get(p.name);
    const dims = p.dims ?? cd ?? [];
    out[p.name] = dims.map((d, axis) => {
      if (typeof d === 'number' && d > 0) return d;
      const c = cd?.[axis];
      return typeof c === 'number' && c > 0 ? c : 1;
    });
  }
  return out;
}

function asNumbers(t: ort.Tensor): ArrayLike<number> {
  const d = t.data;
  if (t.type === 'float16' && d instanceof Uint16Array) return halfArrayToFloat32(d);
  if (d instanceof BigInt64Array || d instanceof BigUint64Array) return Float64Array.from(d, Number);
  if (Array.isArray(d)) return [];
  return d as ArrayLike<number>;
}

interface Acc {
  maxAbs: number;
  maxRef: number;
  dot: number;
  rr: number;
  gg: number;
  halfPrecision: boolean;
  integer: boolean;
  mismatch: boolean;
}

function accumulate(acc: Acc, ref: ort.Tensor, got: ort.Tensor): void {
  acc.halfPrecision ||= ref.type === 'float16' || got.type === 'float16';
  acc.integer &&= !/float/.test(ref.type);
  const r = asNumbers(ref);
  const g = asNumbers(got);
  if (r.length !== g.length || ref.dims.join() !== got.dims.join()) {
    acc.mismatch = true;
    return;
  }
  for (let i = 0; i < r.length; i++) {
    const a = r[i] as number;
    const b = g[i] as number;
    if (Number.isNaN(a) && Number.isNaN(b)) continue;
    const d = Math.abs(a - b);
    if (!(d <= acc.maxAbs)) acc.maxAbs = Number.isNaN(d) ? Number.MAX_VALUE : d;
    if (Math.abs(a) > acc.maxRef && Number.isFinite(a)) acc.maxRef = Math.abs(a);
    if (Number.isFinite(a) && Number.isFinite(b)) {
      acc.dot += a * b;
      acc.rr += a * a;
      acc.gg += b * b;
    }
  }
}

/** Within float rounding: a few ulps of the output's type relative to its largest value; integers equal. */
function withinRounding(acc: Acc): boolean {
  if (acc.mismatch) return false;
  if (acc.integer) return acc.maxAbs === 0;
  const ulp = acc.halfPrecision ? 2 ** -10 : 2 ** -23;
  // Relative to the output's own scale (an output of tiny values is judged on them), with a floor for all-zero ones.
  return acc.maxAbs <= 16 * ulp * acc.maxRef + 1e-30;
}

/** Runs `childFile` beside `parentFile` and measures each output both have. */
export async function measureExactness(
  parentFile: string,
  parent: ModelProto,
  childFile: string,
  child: ModelProto,
  opts: ExactnessOptions = {},
): Promise<Measured> {
  // Before anything else: reading the inputs' specs alone walks the whole graph.
  const nodes = Math.max(parent.graph?.node.length ?? 0, child.graph?.node.length ?? 0);
  const maxNodes = opts.maxNodes ?? exactnessMaxNodes();
  if (nodes > maxNodes)
    return {
      exactness: {
        inputs: (opts.inputPaths ?? []).length > 0 ? 'real' : 'seeded',
        samples: 0,
        outputs: [],
        exact: false,
        skipped: `${nodes.toLocaleString('en-US')} nodes is over the ${maxNodes.toLocaleString('en-US')} up to which Kiln runs the two models on ONNX Runtime (its session creation grows with the square of the node count: minutes to hours at this size); set KILN_EXACTNESS_MAX_NODES=${nodes} to measure anyway`,
      },
      moved: null,
    };
  const parentInputs = modelInputs(parent.graph as GraphProto);
  const childInputs = modelInputs(child.graph as GraphProto);
  const shapes = feedShapes(parentInputs, childInputs);
  const real = (opts.inputPaths ?? []).length > 0;
  const data: InputData = real
    ? filesAsData(opts.inputPaths as string[], ImagePreprocessSchema.parse({}), shapes)
    : { kind: 'random', samples: opts.samples ?? SEEDED_SAMPLES, seed: opts.seed ?? 1, shapes };
  const base = { inputs: real ? ('real' as const) : ('seeded' as const), samples: 0, outputs: [], exact: false };
  const childOutputs = new Set(child.graph?.output.map((o) => o.name));
  const names = (parent.graph?.output ?? []).map((o) => o.name).filter((n) => childOutputs.has(n));
  let a: ort.InferenceSession | undefined;
  let b: ort.InferenceSession | undefined;
  try {
    try {
      a = await openSession(parentFile, { optimization: opts.optimization ?? 'basic', quiet: true, cpu: true });
    } catch (err) {
      return {
        exactness: { ...base, skipped: `ONNX Runtime cannot run ${path.basename(parentFile)}: ${firstLine(err)}` },
        moved: null,
      };
    }
    try {
      b = await openSession(childFile, { optimization: opts.optimization ?? 'basic', quiet: true, cpu: true });
    } catch (err) {
      return {
        exactness: { ...base, skipped: `ONNX Runtime cannot run the edited model: ${firstLine(err)}` },
        moved: null,
      };
    }
    const acc = new Map<string, Acc>(
      names.map((n) => [
        n,
        { maxAbs: 0, maxRef: 0, dot: 0, rr: 0, gg: 0, halfPrecision: false, integer: true, mismatch: false },
      ]),
    );
    const childFeedNames = new Set(b.inputNames);
    let samples = 0;
    for await (const feeds of inputFeeds(parentInputs, data, path.basename(parentFile))) {
      if (samples >= MAX_REAL_SAMPLES) break;
      const childFeeds: Record<string, ort.Tensor> = {};
      for (const [k, v] of Object.entries(feeds)) if (childFeedNames.has(k)) childFeeds[k] = v;
      let ra: ort.InferenceSession.ReturnType;
      try {
        ra = await a.run(feeds, names);
      } catch (err) {
        return {
          exactness: { ...base, skipped: `ONNX Runtime failed to run ${path.basename(parentFile)}: ${firstLine(err)}` },
          moved: null,
        };
      }
      let rb: ort.InferenceSession.ReturnType;
      try {
        rb = await b.run(childFeeds, names);
      } catch (err) {
        return {
          exactness: { ...base, skipped: `ONNX Runtime failed to run the edited model: ${firstLine(err)}` },
          moved: null,
        };
      }
      for (const n of names) accumulate(acc.get(n) as Acc, ra[n] as ort.Tensor, rb[n] as ort.Tensor);
      samples++;
    }
    const outputs = names.map((n) => {
      const x = acc.get(n) as Acc;
      return {
        name: n,
        maxAbs: x.mismatch ? Infinity : x.maxAbs,
        cosine: x.mismatch ? 0 : cosineOf(x.dot, x.rr, x.gg),
      };
    });
    const moved = names.find((n) => !withinRounding(acc.get(n) as Acc));
    return { exactness: { ...base, samples, outputs, exact: moved === undefined }, moved: moved ?? null };
  } finally {
    await a?.release();
    await b?.release();
  }
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]?.slice(0, 300) ?? '';
}
