/**
 * The engine section of Kiln's self-contained HTML report: two to four engines of one model side by
 * side (where the time went, by layer type and by group of ONNX nodes, inline SVG; the groups that
 * changed most; fusion and precision differences) and each engine's precision audit. No scripts, no
 * network: the file opens anywhere on its own, as the comparison report does.
 */
import type { EngineAudit, EngineDiff } from '../api/engine-diff';
import type { EngineReport } from './engine-json';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const ms = (v: number | null | undefined) => (v == null ? '–' : v.toFixed(4));
const COLOURS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#b07aa1', '#76b7b2', '#edc948', '#9c755f'];
const nameOf = (names: readonly string[], n: number) => names[n] || `#${n}`;

/**
 * One horizontal bar per import, split by layer type: where each engine's time went. Without a profile
 * of any import the bars count layers instead (unknown times are never drawn as zero).
 */
function byTypeChart(d: EngineDiff): string {
  const W = 640;
  const rowH = 26;
  const L = 40;
  const timed = d.imports.some((i) => i.totalMs !== null);
  // An import without a profile has no times: its bar is left out (said at its end), never drawn as 0.
  const value = (t: EngineDiff['byType'][number], e: number) => (timed ? (t.ms[e] ?? 0) : (t.layers[e] ?? 0));
  const unit = (v: number | null) => (timed ? `${ms(v)} ms` : `${v ?? 0} layers`);
  const types = d.byType.slice(0, 7).map((t) => ({ type: t.type, v: d.imports.map((_, e) => value(t, e)) }));
  const other = d.byType.slice(7);
  const rows = other.length
    ? [...types, { type: 'other', v: d.imports.map((_, e) => other.reduce((s, t) => s + value(t, e), 0)) }]
    : types;
  const peak = Math.max(1e-9, ...d.imports.map((_, e) => rows.reduce((s, t) => s + t.v[e]!, 0)));
  const bars = d.imports
    .map((imp, e) => {
      let x = L;
      const y = 8 + e * rowH;
      const untimed = timed && imp.totalMs === null;
      const parts = (untimed ? [] : rows)
        .map((t, k) => {
          const w = ((W - L - 90) * t.v[e]!) / peak;
          const r = `<rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${rowH - 8}" fill="${COLOURS[k % COLOURS.length]}"><title>${esc(`${imp.label} ${t.type}: ${unit(t.v[e]!)}`)}</title></rect>`;
          x += w;
          return r;
        })
        .join('');
      const total = timed
        ? imp.totalMs === null
          ? 'no profile'
          : `${ms(imp.totalMs)} ms`
        : unit(rows.reduce((s, t) => s + t.v[e]!, 0));
      return `<text x="4" y="${y + 13}" font-size="12">${imp.label}</text>${parts}<text x="${(x + 6).toFixed(1)}" y="${y + 13}" font-size="11">${esc(total)}</text>`;
    })
    .join('');
  const H = 8 + d.imports.length * rowH + 22;
  const legend = rows
    .map((t, k) => `<tspan fill="${COLOURS[k % COLOURS.length]}">■</tspan><tspan> ${esc(t.type)}  </tspan>`)
    .join('');
  const caption = timed ? 'Where the time went, by layer type' : 'Layers by type (no profile imported, so no times)';
  return `<figure><figcaption>${caption}</figcaption><svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img">${bars}<text x="${L}" y="${H - 6}" font-size="11">${legend}</text></svg></figure>`;
}

/** The groups that changed most: one bar per import, side by side. */
function byGroupChart(d: EngineDiff, names: readonly string[]): string {
  if (d.imports.every((i) => i.totalMs === null))
    return '<p>No times to chart by group: no engine was imported with a profile (trtexec --exportProfile).</p>';
  const top = d.groups.slice(0, 12);
  const W = 640;
  const rowH = 10 * d.imports.length + 8;
  const L = 220;
  const peak = Math.max(1e-9, ...top.flatMap((g) => g.engines.map((e) => e.ms ?? 0)));
  const rows = top
    .map((g, k) => {
      const y = 6 + k * rowH;
      const label = `${nameOf(names, g.nodes[0]!)}${g.nodes.length > 1 ? ` +${g.nodes.length - 1}` : ''}`;
      const bars = g.engines
        .map((e, i) =>
          e.ms === null
            ? ''
            : `<rect x="${L}" y="${y + i * 10}" width="${(((W - L - 70) * e.ms) / peak).toFixed(1)}" height="8" fill="${COLOURS[i]}"><title>${esc(`${d.imports[i]!.label}: ${ms(e.ms)} ms, ${e.precision ?? '?'}`)}</title></rect>`,
        )
        .join('');
      return `<text x="4" y="${y + 10}" font-size="11">${esc(label.length > 34 ? `${label.slice(0, 33)}…` : label)}</text>${bars}`;
    })
    .join('');
  const H = 6 + top.length * rowH + 20;
  const legend = d.imports
    .map(
      (imp, i) =>
        `<tspan fill="${COLOURS[i]}">■</tspan><tspan> ${esc(imp.label)}${imp.totalMs === null ? ' (no profile)' : ''}  </tspan>`,
    )
    .join('');
  return `<figure><figcaption>The groups that changed most (ms per inference)</figcaption><svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img">${rows}<text x="${L}" y="${H - 6}" font-size="11">${legend}</text></svg></figure>`;
}

/**
 * An audit item that is TensorRT's default rather than a miss: FP32 asked (pinned, or left FP32 by the
 * rewrite) and run in TF32. Listed, counted apart, and no failure of `kiln engine`.
 */
export const isTf32Default = (i: EngineAudit['items'][number]): boolean => i.asked === 'FP32' && i.built === 'TF32';

/** The audit in one sentence: what was asked (or what the engine runs) and how many nodes differ. */
export function auditSummary(a: EngineAudit): string {
  if (a.basis === 'recipe') {
    // FP32 asked and TF32 run is TensorRT's default, not a failure (kiln engine exits 0 on it): apart.
    const tf32 = a.items.filter(isTf32Default).length;
    return `Kiln's recipe asked ${a.asked ?? '?'}: ${a.items.length - tf32} of ${a.checked} node(s) not built as asked${
      tf32 ? `; ${tf32} kept FP32 ran in TF32 (TensorRT's default; --noTF32 keeps them FP32)` : ''
    }`;
  }
  if (a.asked === null)
    return a.items.length
      ? `No recipe in the model; an FP32 build: ${a.items.length} of ${a.checked} node(s) in TF32 layers`
      : `No recipe in the model, and the engine runs FP32 throughout: nothing to list`;
  return `No recipe in the model; the engine runs ${a.asked}: ${a.items.length} of ${a.checked} node(s) in FP32 layers`;
}

export function auditSection(label: string, a: EngineAudit, names: readonly string[]): string {
  const items = a.items
    .slice(0, 500)
    .map(
      (i) =>
        `<tr><td>${esc(i.name)}</td><td>${esc(i.op)}</td><td>${esc(i.asked ?? '–')}</td><td class="bad">${esc(i.built)}</td><td>${ms(i.ms)}</td><td class="l">${esc(i.reason)}</td></tr>`,
    )
    .join('');
  const reformats = a.reformats
    .slice(0, 200)
    .map(
      (r) =>
        `<tr><td>${esc(r.from ?? '?')} → ${esc(r.to ?? '?')}</td><td>${ms(r.ms)}</td><td class="l">${esc(r.nodes.map((n) => nameOf(names, n)).join(', ') || r.layer)}</td></tr>`,
    )
    .join('');
  return `<h3>Precision audit ${esc(label)}</h3><p>${esc(auditSummary(a))}.</p>${
    items
      ? `<table class="audit"><tr><th>Node</th><th>Op</th><th>Asked</th><th>Built</th><th>ms</th><th>Why</th></tr>${items}</table>`
      : ''
  }${
    reformats
      ? `<p>${a.reformats.length} reformat(s) at precision boundaries, ${ms(a.reformatMs)} ms.</p><table><tr><th>Conversion</th><th>ms</th><th>For</th></tr>${reformats}</table>`
      : ''
  }`;
}

/** The engine-diff section: totals, charts, the groups that changed most, warnings. */
export function engineDiffSection(d: EngineDiff, names: readonly string[], limit = 60): string {
  const head = d.imports.map((i) => `<th>${esc(i.label)}</th>`).join('');
  const totals = `<table><tr><th></th>${head}</tr>
<tr><th>Files</th>${d.imports.map((i) => `<td class="l">${esc(i.files.join(', '))}</td>`).join('')}</tr>
<tr><th>GPU time (ms)</th>${d.imports.map((i) => `<td>${ms(i.totalMs)}</td>`).join('')}</tr>
<tr><th>Reformats (ms)</th>${d.imports.map((i) => `<td>${ms(i.reformatMs)}</td>`).join('')}</tr>
<tr><th>Kernels</th>${d.imports.map((i) => `<td>${i.kernels}</td>`).join('')}</tr>
<tr><th>Names found in the model</th>${d.imports.map((i) => `<td class="${i.match.ok ? '' : 'bad'}">${i.match.share === null ? '–' : `${Math.round(i.match.share * 100)}%`}</td>`).join('')}</tr>
<tr><th>Layers paired</th>${d.imports.map((i) => `<td>${Math.round(i.paired * 100)}%</td>`).join('')}</tr>
<tr><th>Unmapped layers</th>${d.imports.map((i) => `<td class="l">${esc(i.unmapped.map((u) => u.layer).join(', ') || '–')}</td>`).join('')}</tr></table>`;
  const groups = d.groups
    .slice(0, limit)
    .map(
      (g) =>
        `<tr><td class="l">${esc(
          g.nodes
            .slice(0, 4)
            .map((n) => nameOf(names, n))
            .join(', ') + (g.nodes.length > 4 ? ` +${g.nodes.length - 4}` : ''),
        )}</td>${g.engines.map((e) => `<td>${ms(e.ms)}<br><small>${esc(e.precision ?? '–')} · ${e.layers.length} layer(s)</small></td>`).join('')}${g.deltaMs
          .slice(1)
          .map(
            (x) =>
              `<td class="${x !== null && x < 0 ? 'ok' : x ? 'bad' : ''}">${x === null ? '–' : (x > 0 ? '+' : '') + x.toFixed(4)}</td>`,
          )
          .join('')}<td>${g.fusionDiffers ? 'differs' : 'same'}</td></tr>`,
    )
    .join('');
  const warnings = d.warnings.length
    ? `<ul class="warn">${d.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>`
    : '';
  return `<section class="engine-diff"><h2>Engine diff</h2>${warnings}${totals}${byTypeChart(d)}${byGroupChart(d, names)}
<h3>Groups of ONNX nodes, by what changed most</h3><table><tr><th>Nodes</th>${head}${d.imports
    .slice(1)
    .map((i) => `<th>Δ${esc(i.label)}</th>`)
    .join(
      '',
    )}<th>Fusion</th></tr>${groups}</table>${d.groups.length > limit ? `<p><small>${d.groups.length - limit} more groups: kiln engine --json lists them all.</small></p>` : ''}</section>`;
}

export const REPORT_STYLE =
  'body{font:14px system-ui,sans-serif;margin:24px;color:#1c2026}table{border-collapse:collapse;margin:8px 0}th,td{border-bottom:1px solid #ddd;padding:4px 10px;text-align:right;vertical-align:top}th{text-align:left;font-weight:500}td.l{text-align:left}.ok{color:#2b8a3e}.bad{color:#c92a2a}.warn{color:#a35a00}figure{margin:12px 0}figcaption{color:#66707d;font-size:12px}small{color:#66707d}';

/**
 * The engine section of a report, for one import (its totals and audit) or for two to four (the diff
 * and each engine's audit): what `kiln engine --report` writes and the comparison report carries.
 */
export function engineSection(r: EngineReport): string {
  const labels = r.diff ? r.diff.imports.map((i) => i.label) : [''];
  const audits = r.views.map((v, k) => auditSection(labels[k] ?? '', v.audit, r.names)).join('');
  if (r.diff) return `${engineDiffSection(r.diff, r.names)}${audits}`;
  const v = r.views[0];
  const match =
    v && !v.match.ok
      ? `<p class="bad">${esc(v.match.warning ?? 'These files do not look built from this model.')}</p>`
      : '';
  return `<section class="engine-view"><h2>Engine</h2><p>${esc(v?.files.map((f) => f.name).join(', ') ?? '')}: ${v?.kernels ?? 0} kernel layers, GPU time ${ms(v?.totalMs)} ms per inference.</p>${match}</section>${audits}`;
}

/** A report of one engine (its audit) or of an engine diff with each engine's audit. */
export function engineReportHtml(r: EngineReport & { model: string }): string {
  const title = `Kiln engine ${r.diff ? 'diff' : 'view'}: ${r.model}`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><style>${REPORT_STYLE}</style></head><body><h1>${esc(title)}</h1>
${engineSection(r)}
<p><small>Made by Kiln. This file is self-contained.</small></p></body></html>
`;
}
