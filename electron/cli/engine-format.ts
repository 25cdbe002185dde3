/**
 * What `kiln engine` prints as text for a terminal: an engine view or an engine diff, node indices
 * turned into the ONNX node names people know (the JSON is shared/compare/engine-json.ts).
 */
import type { EngineAudit, EngineDiff } from '../shared/api/engine-diff';
import type { EngineView } from '../shared/api/tensorrt';
import type { NodeNames } from '../shared/compare/engine-json';
import { auditSummary } from '../shared/compare/engine-report';

const nameOf = (names: NodeNames, n: number) => names[n] || `#${n}`;
const ms = (v: number | null | undefined) => (v == null ? '–' : v.toFixed(4));
const pct = (v: number | null) => (v === null ? '–' : `${Math.round(v * 100)}%`);
function auditText(a: EngineAudit, names: NodeNames, limit: number): string[] {
  const lines: string[] = [];
  lines.push(`audit: ${auditSummary(a)}`);
  // One line of why per kind of finding (the reason with its layer's name taken out), then its nodes:
  // an FP32 build's 70 TF32 convolutions read as one finding, not 70 copies of one sentence.
  const why = (i: EngineAudit['items'][number]) => i.reason.replaceAll(`layer "${i.layers[0] ?? ''}"`, 'its layer');
  let last = '';
  for (const i of a.items.slice(0, limit)) {
    const head = `${i.kind}: ${why(i)}`;
    if (head !== last) lines.push(`  ${head}`);
    last = head;
    lines.push(`    ${i.name} (${i.op}) → ${i.layers.join(', ')}${i.ms === null ? '' : ` [${ms(i.ms)} ms]`}`);
  }
  if (a.items.length > limit) lines.push(`  … ${a.items.length - limit} more (--json lists them all)`);
  if (a.reformats.length) {
    lines.push(`precision boundaries: ${a.reformats.length} reformat(s), ${ms(a.reformatMs)} ms`);
    for (const r of a.reformats.slice(0, limit))
      lines.push(
        `  ${r.from} → ${r.to}  ${ms(r.ms)} ms  for ${r.nodes.map((n) => nameOf(names, n)).join(', ') || r.layer}`,
      );
  }
  return lines;
}

export function formatEngineView(v: EngineView, names: NodeNames): string {
  const lines = [
    `files: ${v.files.map((f) => `${f.name} (${f.kind})`).join(', ')}${v.tensorrt ? `; TensorRT ${v.tensorrt}` : ''}`,
    `match: ${pct(v.match.share)} of the names the layers mention are in the model${v.match.ok ? '' : ' — NOT THIS MODEL?'}`,
    ...(v.match.warning ? [`  ${v.match.warning}`] : []),
    `${v.kernels} kernel layer(s) of ${v.layers.length}; GPU time ${ms(v.totalMs)} ms per inference`,
    '',
    `   #  time ms   share  prec  type                  layer → ONNX nodes`,
  ];
  for (const l of v.layers) {
    const nodes = l.nodes.length
      ? `${l.nodes
          .slice(0, 4)
          .map((n) => nameOf(names, n))
          .join(', ')}${l.nodes.length > 4 ? ` +${l.nodes.length - 4}` : ''}`
      : l.isReformat
        ? 'format conversion'
        : 'UNMAPPED';
    lines.push(
      `${String(l.index).padStart(4)}  ${ms(l.ms).padStart(7)}  ${(l.share === null ? '–' : `${(l.share * 100).toFixed(1)}%`).padStart(6)}  ${(l.precision ?? '–').padEnd(4)}  ${l.type.padEnd(20)}  ${l.name}${l.tactic ? `  [${l.tactic}]` : ''} → ${nodes}`,
    );
  }
  if (v.unmapped.length) {
    lines.push('', `${v.unmapped.length} name(s) map to no ONNX node:`);
    for (const u of v.unmapped) lines.push(`  ${u.name} (${u.reason}) in ${u.layer}`);
  }
  if (v.uncovered.length)
    lines.push(
      '',
      `${v.uncovered.length} ONNX node(s) no layer covers (folded or eliminated): ${v.uncovered
        .slice(0, 20)
        .map((n) => nameOf(names, n))
        .join(', ')}${v.uncovered.length > 20 ? ', …' : ''}`,
    );
  lines.push('', ...auditText(v.audit, names, 30));
  for (const w of v.warnings) lines.push(`warning: ${w}`);
  return `${lines.join('\n')}\n`;
}

export function formatEngineDiff(d: EngineDiff, views: readonly EngineView[], names: NodeNames, limit = 40): string {
  const lines: string[] = [];
  for (const w of d.warnings) lines.push(`warning: ${w}`);
  for (const i of d.imports)
    lines.push(
      `${i.label}: ${i.files.join(', ')}${i.tensorrt ? ` (TensorRT ${i.tensorrt})` : ''}  total ${ms(i.totalMs)} ms, reformats ${ms(i.reformatMs)} ms, ${i.kernels} kernels, match ${pct(i.match.share)}, ${pct(i.paired)} of layers paired${i.unmapped.length ? `, ${i.unmapped.length} unmapped` : ''}`,
    );
  const labels = d.imports.map((i) => i.label);
  lines.push(
    '',
    `${d.groups.length} group(s) of ONNX nodes, sorted by what changed most:`,
    `  ${labels.map((l) => `${l} ms`.padStart(9)).join(' ')}  ${labels
      .slice(1)
      .map((l) => `Δ${l}`.padStart(9))
      .join(' ')}  precision       fused  nodes → layers`,
  );
  for (const g of d.groups.slice(0, limit)) {
    const nodes = `${g.nodes
      .slice(0, 3)
      .map((n) => nameOf(names, n))
      .join(', ')}${g.nodes.length > 3 ? ` +${g.nodes.length - 3}` : ''}`;
    lines.push(
      `  ${g.engines.map((e) => ms(e.ms).padStart(9)).join(' ')}  ${g.deltaMs
        .slice(1)
        .map((x) => (x === null ? '–' : `${x > 0 ? '+' : ''}${x.toFixed(4)}`).padStart(9))
        .join(' ')}  ${g.engines
        .map((e) => e.precision ?? '–')
        .join('/')
        .padEnd(
          14,
        )}  ${g.fusionDiffers ? 'differs' : 'same   '}  ${nodes} → ${g.engines.map((e) => e.layers.length).join('/')} layer(s)`,
    );
  }
  if (d.groups.length > limit) lines.push(`  … ${d.groups.length - limit} more (--json lists them all)`);
  lines.push(
    '',
    'layers and time by layer type:',
    `  ${''.padEnd(24)} ${labels.map((l) => `${l} layers`.padStart(9) + `${l} ms`.padStart(10)).join('  ')}`,
  );
  for (const t of d.byType)
    lines.push(
      `  ${t.type.padEnd(24)} ${t.layers.map((n, e) => String(n).padStart(9) + ms(t.ms[e]).padStart(10)).join('  ')}`,
    );
  for (const i of d.imports) {
    const unmapped = i.unmapped.filter((u) => u.type !== 'Reformat');
    if (unmapped.length)
      lines.push(
        '',
        `${i.label}: ${unmapped.length} layer(s) map to no node: ${unmapped.map((u) => u.layer).join(', ')}`,
      );
  }
  views.forEach((v, k) => {
    lines.push('', `${labels[k]}: ${auditText(v.audit, names, 10).join('\n')}`);
  });
  return `${lines.join('\n')}\n`;
}
