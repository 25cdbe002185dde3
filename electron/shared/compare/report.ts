/**
 * A self-contained HTML report of a comparison: tables and charts (inline SVG, no scripts, no
 * network), so it opens in any browser on its own and can be attached to a release.
 */
import type { Comparison } from '../api/comparison';
import type { EngineReport } from './engine-json';
import { engineSection, REPORT_STYLE } from './engine-report';
import { describeThresholds } from './thresholds';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/**
 * A metric as text, in `format` when it is a number: '–' when it is missing — NaN, or null, which is
 * what JSON makes of Infinity and NaN once a result has crossed a process (a PSNR of identical
 * outputs, a cosine of outputs holding NaN) — and '∞' or '−∞' when infinite.
 */
export function metricText(v: number | null | undefined, format: (v: number) => string): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  return format(v);
}
/** Numbers as a report shows them: 4 significant digits, exponent when tiny or huge, ∞, – when missing. */
export const fmt = (v: number | null | undefined) =>
  metricText(v, (x) => (Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(2) : x.toPrecision(4)));
const COLOURS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#b07aa1', '#76b7b2'];

function lineChart(series: { name: string; values: number[] }[], title: string): string {
  const W = 640;
  const H = 220;
  const P = 36;
  const n = Math.max(1, ...series.map((s) => s.values.length));
  const lo = -9;
  const y = (v: number) => {
    const l = Math.log10(Math.max(1e-9, Math.min(1, v)));
    return P + ((0 - l) / (0 - lo)) * (H - 2 * P);
  };
  const x = (i: number) => P + (i / Math.max(1, n - 1)) * (W - 2 * P);
  const paths = series
    .map(
      (s, k) =>
        `<polyline fill="none" stroke="${COLOURS[k % COLOURS.length]}" stroke-width="1.5" points="${s.values
          .map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`)
          .join(' ')}"/>`,
    )
    .join('');
  const ticks = [0, -3, -6, -9]
    .map(
      (e) =>
        `<text x="4" y="${y(10 ** e) + 4}" font-size="10">1e${e}</text><line x1="${P}" x2="${W - P}" y1="${y(10 ** e)}" y2="${y(10 ** e)}" stroke="#ddd"/>`,
    )
    .join('');
  const legend = series
    .map((s, k) => `<tspan fill="${COLOURS[k % COLOURS.length]}">■ ${esc(s.name)}</tspan> `)
    .join('');
  return `<figure><figcaption>${esc(title)}</figcaption><svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img">${ticks}${paths}<text x="${P}" y="${H - 8}" font-size="11">${legend}</text></svg></figure>`;
}

function histogram(values: number[], title: string, colour: string): string {
  const W = 300;
  const H = 90;
  const peak = Math.max(1, ...values);
  const bw = W / Math.max(1, values.length);
  const bars = values
    .map(
      (v, i) =>
        `<rect x="${(i * bw).toFixed(1)}" y="${(H - (H * v) / peak).toFixed(1)}" width="${(bw * 0.9).toFixed(1)}" height="${((H * v) / peak).toFixed(1)}" fill="${colour}"/>`,
    )
    .join('');
  return `<figure class="hist"><figcaption>${esc(title)}</figcaption><svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}">${bars}</svg></figure>`;
}

export function comparisonHtml(
  c: Comparison,
  opts: {
    title?: string;
    latencyMs?: Record<string, number>;
    /** The model's engine imports (the Engine tab's): one engine's view, or two to four side by side. */
    engines?: EngineReport;
  } = {},
): string {
  const title = opts.title ?? `Kiln comparison: ${c.reference}`;
  const rows: [string, (m: Comparison['variants'][number]['perOutput'][number]) => string][] = [
    [
      'Verdict',
      (m) =>
        (m.pass ? '<b class="ok">pass</b>' : `<b class="bad">fail</b><br><small>${esc(m.failed.join('; '))}</small>`) +
        (m.judged ? '' : '<br><small>not judged</small>'),
    ],
    ['Cosine', (m) => metricText(m.metrics.cosine, (x) => x.toFixed(6))],
    [
      'Worst sample cosine',
      (m) => `${metricText(m.worstSample.cosine, (x) => x.toFixed(6))} (#${m.worstSample.index + 1})`,
    ],
    ['PSNR (dB)', (m) => fmt(m.metrics.psnr)],
    ['SNR (dB)', (m) => fmt(m.metrics.snr)],
    ['Max |err|', (m) => fmt(m.metrics.maxAbs)],
    ['Mean |err|', (m) => fmt(m.metrics.meanAbs)],
    ['p99 |err|', (m) => fmt(m.metrics.p99Abs)],
    [
      'Outside atol/rtol',
      (m) => (m.metrics.mismatched === null ? 'not asked' : `${m.metrics.mismatched} / ${m.metrics.count}`),
    ],
    ['Top-1 agreement', (m) => (m.top1 === null ? '–' : `${(m.top1 * 100).toFixed(1)}%`)],
  ];
  const outputs = c.outputs
    .map((o, k) => {
      const head = c.variants.map((v) => `<th>${esc(v.name)}</th>`).join('');
      const body = rows
        .map(
          ([label, f]) =>
            `<tr><th>${label}</th>${c.variants.map((v) => `<td>${v.perOutput[k] ? f(v.perOutput[k]!) : '–'}</td>`).join('')}</tr>`,
        )
        .join('');
      const latency = opts.latencyMs
        ? `<tr><th>Median latency</th>${c.variants.map((v) => `<td>${opts.latencyMs![v.id] !== undefined ? `${opts.latencyMs![v.id]!.toFixed(3)} ms` : '–'}</td>`).join('')}</tr>`
        : '';
      const hists = c.variants
        .map((v, i) =>
          v.perOutput[k]
            ? histogram(
                v.perOutput[k]!.metrics.histogram,
                `|error| of ${v.name} (0 … ${fmt(v.perOutput[k]!.metrics.maxAbs)})`,
                COLOURS[i % COLOURS.length]!,
              )
            : '',
        )
        .join('');
      return `<h2>Output ${esc(o)}</h2><table><tr><th></th>${head}</tr>${body}${latency}</table><div class="hists">${hists}</div>`;
    })
    .join('');
  const layered = c.variants.filter((v) => v.layers && v.layers.tensors.length > 0);
  const layers = layered.length
    ? `<h2>Layerwise error</h2>${lineChart(
        layered.map((v) => ({ name: v.name, values: v.layers!.tensors.map((t) => 1 - t.cosine) })),
        `1 − cosine per tensor, in topological order (log scale), over ${layered[0]!.layers!.samples} sample(s)`,
      )}<ul>${layered
        .map(
          (v) =>
            `<li>${esc(v.name)}: first tensor past the thresholds: ${v.layers!.firstBad ? `<code>${esc(v.layers!.firstBad.name)}</code>` : 'none'}</li>`,
        )
        .join('')}</ul>`
    : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>${REPORT_STYLE}.hists{display:flex;flex-wrap:wrap;gap:16px}code{font-size:12px}</style>
</head><body><h1>${esc(title)}</h1>
<p>${c.samples} samples, shapes ${esc(JSON.stringify(c.shapes))}; judged on ${c.judged.length < c.outputs.length ? esc(c.judged.join(', ')) : 'every output'} by ${esc(describeThresholds(c.thresholds))}. Reference: ${esc(c.reference)} (FP32, ONNX Runtime).</p>
${outputs}${layers}${opts.engines ? engineSection(opts.engines) : ''}
<p><small>Made by Kiln. This file is self-contained.</small></p></body></html>
`;
}
