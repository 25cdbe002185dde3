/**
 * The precision audit: what was asked against what TensorRT did. For every node, the precision its
 * recipe asked (intent.ts) against the compute precision of the engine layer that covers it — FP16
 * asked and FP32 built (TensorRT 11's strong typing can do that silently), INT8 asked but the Q/DQ
 * left unfused so the layer ran in float, an FP32 pin lowered — and the Reformat layers that convert
 * between data types, with what they cost. Without a recipe, FP32 layers in an engine that runs
 * lower precisions elsewhere are listed the same way, and so are TF32 layers in an FP32 build.
 */
import type { AuditKind, EngineAudit } from '../../../shared/api/engine-diff';
import type { AskedPrecision, ModelIntent } from './intent';

export interface AuditLayer {
  name: string;
  /** Compute precision (FP32, FP16, INT8, ...); null when nothing says. */
  precision: string | null;
  isReformat: boolean;
  /** Main-graph node indices (local) the layer covers. */
  nodes: readonly number[];
  ms: number | null;
  /** Reformats: the data types converted from and to, when the file says. */
  from?: string;
  to?: string;
}

export interface AuditNodes {
  name(node: number): string;
  op(node: number): string;
}

const FLOAT = new Set(['FP32', 'TF32', 'FP16', 'BF16']);
/** FP32's range: FP32 itself, and TF32 (FP32 in, 10-bit mantissa products on tensor cores). */
const FP32_RANGE = new Set(['FP32', 'TF32']);
/**
 * Lower than FP32: what an engine "built for lower precision" runs somewhere. TF32 is not counted: an
 * FP32 build runs it by default, so it says nothing of what the build asked.
 */
const LOWER = new Set(['FP16', 'BF16', 'INT8', 'FP8', 'FP4', 'INT4']);

function mismatch(asked: AskedPrecision, built: string): AuditKind | null {
  if (asked === 'FP16' && FP32_RANGE.has(built)) return 'fp16-built-fp32';
  if (asked === 'INT8' && FLOAT.has(built)) return 'int8-not-fused';
  if (asked === 'FP32' && (LOWER.has(built) || built === 'TF32')) return 'fp32-built-lower';
  return null;
}

const NO_TF32 = 'TensorRT allows TF32 unless the engine is built with --noTF32 (BuilderFlag.TF32 cleared)';
const REASON: Record<AuditKind, (built: string, layer: string) => string> = {
  'fp16-built-fp32': (b, l) =>
    `asked FP16, but ${l} computes in ${b} (built without FP16 allowed, from an FP32 export, or no FP16 kernel was chosen)`,
  'int8-not-fused': (b, l) =>
    `asked INT8 (the node reads DequantizeLinear), but ${l} ran in ${b}: TensorRT did not fuse the Q/DQ into it`,
  'fp32-built-lower': (b, l) =>
    b === 'TF32'
      ? `kept in FP32 by the recipe (pinned, or left FP32 by its rewrite), but ${l} computes in TF32 (FP16's 10-bit mantissa): ${NO_TF32}`
      : `kept in FP32 by the recipe (pinned, or left FP32 by its rewrite), but ${l} computes in ${b}`,
  'fp32-in-lower-engine': (b, l) => `${l} computes in ${b} in an engine that runs lower precisions elsewhere`,
  'tf32-in-fp32-engine': (_, l) =>
    `${l} computes in TF32 (FP32's range, FP16's 10-bit mantissa) in an FP32 build: ${NO_TF32}`,
};

export function auditEngine(intent: ModelIntent, layers: readonly AuditLayer[], nodes: AuditNodes): EngineAudit {
  // For each node, the most specific compute layer with a known precision (fewest nodes) covering it.
  const best = new Map<number, AuditLayer>();
  for (const l of layers) {
    if (l.isReformat || !l.precision) continue;
    for (const n of l.nodes) {
      const prior = best.get(n);
      if (!prior || l.nodes.length < prior.nodes.length) best.set(n, l);
    }
  }
  const lowest = layers.find((l) => !l.isReformat && l.precision && LOWER.has(l.precision))?.precision ?? null;
  const items: EngineAudit['items'] = [];
  let checked = 0;
  for (const [node, layer] of [...best].sort((x, y) => x[0] - y[0])) {
    const built = layer.precision as string;
    let kind: AuditKind | null = null;
    if (intent.basis === 'recipe') {
      const asked = intent.perNode[node];
      if (!asked) continue;
      checked++;
      kind = mismatch(asked, built);
    } else {
      if (!FLOAT.has(built) && !LOWER.has(built)) continue;
      checked++;
      if (lowest && FP32_RANGE.has(built)) kind = 'fp32-in-lower-engine';
      else if (!lowest && built === 'TF32') kind = 'tf32-in-fp32-engine';
    }
    if (!kind) continue;
    items.push({
      node,
      name: nodes.name(node),
      op: nodes.op(node),
      kind,
      asked: intent.basis === 'recipe' ? (intent.perNode[node] ?? null) : (lowest ?? 'FP32'),
      built,
      layers: [layer.name],
      ms: layer.ms,
      reason: REASON[kind](built, `layer "${layer.name}"`),
    });
  }
  const reformats = layers
    .filter((l) => l.isReformat && l.from && l.to && l.from !== l.to)
    .map((l) => ({ layer: l.name, from: l.from ?? null, to: l.to ?? null, ms: l.ms, nodes: [...l.nodes] }));
  const timed = reformats.filter((r) => r.ms !== null);
  return {
    basis: intent.basis,
    asked: intent.basis === 'recipe' ? intent.asked : lowest,
    checked,
    items,
    reformats,
    reformatMs: timed.length ? timed.reduce((s, r) => s + (r.ms ?? 0), 0) : null,
  };
}
