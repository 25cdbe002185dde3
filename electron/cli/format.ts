/** Plain-text rendering of CLI results, for people at a terminal. */
import type { Dim, ModelSummary, ValueInfo } from '../shared/api/model-summary';
import type { GraphPayload } from '../shared/api/graph-payload';
import type { ProfileReport } from '../shared/api/backends';
import type { TrtCheck } from '../shared/api/tensorrt';

export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

export function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return String(n);
}

const dim = (d: Dim) => (d === null ? '?' : String(d));
const tensor = (v: ValueInfo) =>
  `  ${v.name}  ${v.dtype}${v.dims === null ? ' (rank unknown)' : ` [${v.dims.map(dim).join(', ')}]`}`;

export function formatSummary(s: ModelSummary): string {
  const lines = [
    `${s.fileName}  (${formatBytes(s.fileBytes)}, sha256 ${s.sha256.slice(0, 16)}…)`,
    `graph      ${s.graphName || '(unnamed)'}`,
    `producer   ${[s.producer.name, s.producer.version].filter(Boolean).join(' ') || '(unknown)'}`,
    `IR         ${s.irVersion}    opsets ${s.opsets.map((o) => `${o.domain || 'ai.onnx'} ${o.version}`).join(', ')}`,
    `nodes      ${s.nodes}${s.subgraphs ? ` (${s.subgraphs} subgraphs)` : ''}${s.functions ? `, ${s.functions} local functions` : ''}`,
    `parameters ${formatCount(s.parameterCount)} (${formatBytes(s.parameterBytes)}${s.externalDataBytes ? `, ${formatBytes(s.externalDataBytes)} external` : ''})`,
    `weights    ${s.weights.map((w) => `${w.dtype} ${formatCount(w.elements)} in ${w.tensors} tensor(s)`).join(', ') || 'none'}`,
  ];
  if (s.flops > 0)
    lines.push(
      `FLOPs      ${formatCount(s.flops)}${s.macs !== undefined ? ` (${formatCount(s.macs)} MACs)` : ''}${s.statsExact === false ? '  per unit of each dynamic dim (counted as 1)' : ''}`,
    );
  if (s.activationBytes) lines.push(`activations ${formatBytes(s.activationBytes)} (sum of intermediate tensors)`);
  lines.push('inputs', ...s.inputs.map(tensor), 'outputs', ...s.outputs.map(tensor));
  if (s.perOpType.length > 0) {
    lines.push(`ops     count       FLOPs  params`);
    for (const o of s.perOpType)
      lines.push(
        `  ${String(o.count).padStart(6)}  ${formatCount(o.flops).padStart(10)}  ${formatCount(o.params).padStart(6)}  ${o.op}`,
      );
  } else {
    lines.push('ops');
    const ops = Object.entries(s.opHistogram).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    for (const [op, n] of ops) lines.push(`  ${String(n).padStart(6)}  ${op}`);
  }
  for (const w of s.warnings) lines.push(`warning: ${w}`);
  return `${lines.join('\n')}\n`;
}

const ms = (v: number) => `${v.toFixed(3)} ms`;

export function formatProfile(r: ProfileReport): string {
  const l = r.latencyMs;
  const lines = [
    `${r.model} on ${r.backend} ${r.backendVersion}, ${r.device}`,
    `build      ${r.build.optimizationLevel}, ${r.build.nodes} nodes (${r.build.fusedNodes.length} fused), ${r.build.cached ? 'from cache' : `${r.build.buildMs.toFixed(0)} ms`}`,
    `shapes     ${Object.entries(r.shapes)
      .map(([k, v]) => `${k}:${v.join('x')}`)
      .join(' ')}`,
    `cold start ${ms(r.coldStartMs)}`,
    `throughput ${r.throughput.toFixed(2)} qps over ${r.iterations} runs`,
    `latency    min ${ms(l.min)}  mean ${ms(l.mean)}  median ${ms(l.median)}  max ${ms(l.max)}`,
    `           p90 ${ms(l.p90)}  p95 ${ms(l.p95)}  p99 ${ms(l.p99)}  CoV ${(r.cov * 100).toFixed(2)}%`,
    `memory     ${formatBytes(r.memory.rssPeakBytes)} RSS during the run (+${formatBytes(r.memory.rssPeakBytes - r.memory.rssBeforeBytes)}); host peak ${formatBytes(r.peakRssBytes)}`,
  ];
  for (const w of r.build.warnings) lines.push(`build warning: ${w}`);
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  if (r.layers.length) {
    const kernels = r.layers.reduce((s, x) => s + x.ms, 0);
    lines.push(
      `top layers (kernel time per inference, each node's median over ${r.layerRuns} profiled runs: ${ms(kernels)} in all${r.profiledRunMs !== null ? ` of a ${ms(r.profiledRunMs)} profiled run` : ''})`,
    );
    for (const x of r.layers.slice(0, 10))
      lines.push(`  ${ms(x.ms).padStart(11)} ${(x.share * 100).toFixed(1).padStart(5)}%  ${x.op.padEnd(18)} ${x.node}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Per-node rows for `kiln inspect --nodes`: main-graph nodes in file order. */
export interface NodeRow {
  name: string;
  op: string;
  flops: number;
  params: number;
  outputs: { name: string; dtype: string | null; dims: Dim[] | null }[];
}

export function nodeRows(g: GraphPayload): NodeRow[] {
  return g.nodeName.map((name, i) => {
    const outs =
      g.nodeOutputStart && g.nodeOutputs
        ? Array.from(g.nodeOutputs.subarray(g.nodeOutputStart[i], g.nodeOutputStart[i + 1]))
        : [];
    return {
      name,
      op: g.ops[g.nodeOp[i] as number] ?? '?',
      flops: g.nodeFlops?.[i] ?? 0,
      params: g.nodeParams?.[i] ?? 0,
      outputs: outs.map((t) => ({
        name: g.tensorName[t] ?? '',
        dtype: g.tensorType[t]?.dtype ?? null,
        dims: g.tensorType[t]?.dims ?? null,
      })),
    };
  });
}

export function formatNodes(rows: NodeRow[]): string {
  const lines = ['nodes (FLOPs, params, first output)'];
  for (const r of rows) {
    const o = r.outputs[0];
    const shape = o ? `${o.dtype ?? '?'}${o.dims ? ` [${o.dims.map(dim).join(', ')}]` : ''}` : '';
    lines.push(
      `  ${formatCount(r.flops).padStart(10)}  ${formatCount(r.params).padStart(8)}  ${r.op}  ${r.name}  ${shape}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** At most `n` names, then how many more. */
function collapsed(names: readonly string[], n = 3): string {
  return names.length <= n ? names.join(', ') : `${names.slice(0, n).join(', ')} … and ${names.length - n} more`;
}

export function formatCheck(r: TrtCheck): string {
  const lines = [
    `TensorRT ${r.tensorrt} readiness, against the TensorRT ${r.table} ONNX operator table (${r.source.repo} ${r.source.branch} ${r.source.path}${r.source.commit ? ` @ ${r.source.commit.slice(0, 10)}` : ''})`,
  ];
  if (r.tableNote) lines.push(`note: ${r.tableNote}`);
  lines.push(`${r.supported} of ${r.nodes} nodes supported${r.unsupported ? `, ${r.unsupported} not` : ''}`);
  lines.push(
    `predicted fusion: ${r.fusion.nodes} nodes -> ${r.fusion.kernels} kernels (${r.fusion.folded} folded at build time)`,
  );
  const computes = Object.entries(r.computes ?? {});
  if (computes.length > 0)
    lines.push(
      `weighted layers compute in, strongly typed${r.trt === 11 ? ' (TensorRT 11 always is)' : ' (with --stronglyTyped)'}: ${computes.map(([t, n]) => `${t} ${n}`).join(', ')}`,
    );
  // Partitions matter where unsupported nodes split the graph (a fully supported one may still be disconnected).
  if (r.unsupported > 0 && r.partitions.length > 1)
    lines.push(
      `${r.partitions.length} supported partitions; largest ${r.partitions[0]!.size} nodes (${r.partitions[0]!.first} … ${r.partitions[0]!.last})`,
    );
  // One entry per op and message: a count and the nodes collapsed (a detector repeats one 90 times).
  for (const g of r.groups) {
    const where = g.nodes.map(
      (n) => `${n.node}${n.graph !== 'main' ? ` (in ${n.graph})` : ''}${n.detail ? ` (${n.detail})` : ''}`,
    );
    lines.push(`${g.status.padEnd(16)} ${g.op || 'model'}${g.count > 1 ? ` × ${g.count}` : ''}: ${collapsed(where)}`);
    lines.push(`                 ${g.reason}`);
    lines.push(`                 → ${g.suggestion}`);
  }
  if (r.findings.length === 0) lines.push('every node is supported');
  return `${lines.join('\n')}\n`;
}
