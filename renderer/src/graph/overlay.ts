/**
 * Node overlays: colour nodes by any per-node value (a number or a category), with a legend,
 * thresholds or a gradient. Reads and writes Model Explorer's node-data JSON
 * (`{results: {key: {value, bgColor?}}, thresholds?, gradient?}`, optionally keyed by graph id),
 * where a key is a node id, a node name or an output tensor name.
 */
import { CATEGORIES, CATEGORY_LABEL, type GraphTheme } from './categories';
import { nodeTensors, type GraphModel } from './model';

export interface ThresholdItem {
  value: number;
  bgColor: string;
}
export interface GradientItem {
  stop: number;
  bgColor: string;
}

export interface NodeOverlay {
  name: string;
  kind: 'number' | 'category';
  /** kind 'number': per node value (NaN = no data). */
  values?: Float64Array;
  /** kind 'category': per node index into `labels` (-1 = no data). */
  codes?: Int32Array;
  labels?: string[];
  /** Explicit colours per node (Model Explorer bgColor), overriding the scale. */
  explicit?: (string | undefined)[];
  thresholds?: ThresholdItem[];
  gradient?: GradientItem[];
  /** kind 'number': the values' unit, said after each ("ms"). */
  unit?: string;
  /** kind 'number': values that add up (time): a node's value is also said as its share of the total. */
  additive?: boolean;
}

export interface LegendEntry {
  color: string;
  label: string;
  count: number;
}

export interface Colouring {
  palette: string[];
  nodeColor: Uint16Array;
  legend: LegendEntry[];
  /** Node count that got no colour from the overlay. */
  missing: number;
}

const QUALITATIVE = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
  '#8cd17d',
  '#d4a6c8',
];
export const DEFAULT_GRADIENT: GradientItem[] = [
  { stop: 0, bgColor: '#2c7bb6' },
  { stop: 0.5, bgColor: '#ffffbf' },
  { stop: 1, bgColor: '#d7191c' },
];
const GRADIENT_STEPS = 24;

/** Colours by op category (the default look). */
export function categoryColouring(model: GraphModel, theme: GraphTheme): Colouring {
  const palette = CATEGORIES.map((c) => theme.category[c]);
  const counts = new Array<number>(CATEGORIES.length).fill(0);
  for (let i = 0; i < model.N; i++) counts[model.nodeCategory[i]!]!++;
  const legend = CATEGORIES.map((c, i) => ({ color: palette[i]!, label: CATEGORY_LABEL[c], count: counts[i]! })).filter(
    (l) => l.count > 0,
  );
  return { palette, nodeColor: Uint16Array.from(model.nodeCategory), legend, missing: 0 };
}

function parseHex(c: string): [number, number, number] | null {
  const m = /^#?([0-9a-f]{6}|[0-9a-f]{3})$/i.exec(c.trim());
  if (!m) return null;
  const h = m[1]!.length === 3 ? m[1]!.replace(/./g, (x) => x + x) : m[1]!;
  return [parseInt(h.slice(0, 2), 16), parseInt(h.slice(2, 4), 16), parseInt(h.slice(4, 6), 16)];
}

/** Colour at `t` in 0..1 along a gradient of hex stops (named colours snap to the nearest stop). */
export function gradientAt(stops: GradientItem[], t: number): string {
  const sorted = [...stops].sort((a, b) => a.stop - b.stop);
  if (!sorted.length) return '#888888';
  if (t <= sorted[0]!.stop) return sorted[0]!.bgColor;
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1]!;
    const b = sorted[i]!;
    if (t <= b.stop) {
      const ca = parseHex(a.bgColor);
      const cb = parseHex(b.bgColor);
      const u = b.stop > a.stop ? (t - a.stop) / (b.stop - a.stop) : 0;
      if (!ca || !cb) return u < 0.5 ? a.bgColor : b.bgColor;
      const mix = ca.map((v, k) => Math.round(v + (cb[k]! - v) * u));
      return `#${mix.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
    }
  }
  return sorted[sorted.length - 1]!.bgColor;
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
  return String(Math.round(v * 1000) / 1000);
}

export function overlayColouring(model: GraphModel, overlay: NodeOverlay, noData: string): Colouring {
  const palette: string[] = [noData];
  const index = new Map<string, number>([[noData, 0]]);
  const colourIndex = (c: string) => {
    let i = index.get(c);
    if (i === undefined) {
      i = palette.length;
      palette.push(c);
      index.set(c, i);
    }
    return i;
  };
  const nodeColor = new Uint16Array(model.N);
  const legend: LegendEntry[] = [];
  let missing = 0;
  if (overlay.kind === 'category') {
    const labels = overlay.labels ?? [];
    const counts = new Array<number>(labels.length).fill(0);
    const colours = labels.map((_, i) => QUALITATIVE[i % QUALITATIVE.length]!);
    for (let i = 0; i < model.N; i++) {
      const c = overlay.codes?.[i] ?? -1;
      const explicit = overlay.explicit?.[i];
      if (explicit) nodeColor[i] = colourIndex(explicit);
      else if (c >= 0 && c < labels.length) nodeColor[i] = colourIndex(colours[c]!);
      else {
        missing++;
        continue;
      }
      if (c >= 0 && c < labels.length) counts[c]!++;
    }
    labels.forEach((l, i) => counts[i]! > 0 && legend.push({ color: colours[i]!, label: l, count: counts[i]! }));
  } else {
    const values = overlay.values ?? new Float64Array(model.N).fill(NaN);
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < model.N; i++) {
      const v = values[i]!;
      if (Number.isNaN(v)) continue;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const thresholds = overlay.thresholds ? [...overlay.thresholds].sort((a, b) => a.value - b.value) : null;
    const gradient = overlay.gradient ?? (thresholds ? null : DEFAULT_GRADIENT);
    const tCounts = thresholds ? new Array<number>(thresholds.length + 1).fill(0) : [];
    for (let i = 0; i < model.N; i++) {
      const v = values[i]!;
      const explicit = overlay.explicit?.[i];
      if (explicit) {
        nodeColor[i] = colourIndex(explicit);
        continue;
      }
      if (Number.isNaN(v)) {
        missing++;
        continue;
      }
      if (gradient) {
        const t = max > min ? (v - min) / (max - min) : 0;
        const q = Math.round(t * GRADIENT_STEPS) / GRADIENT_STEPS;
        nodeColor[i] = colourIndex(gradientAt(gradient, q));
      } else if (thresholds) {
        const k = thresholds.findIndex((th) => v <= th.value);
        if (k >= 0) {
          nodeColor[i] = colourIndex(thresholds[k]!.bgColor);
          tCounts[k]!++;
        } else {
          tCounts[thresholds.length]!++; // above every threshold: no colour, as Model Explorer does
          missing++;
        }
      }
    }
    if (gradient && Number.isFinite(min)) {
      for (const stop of [...gradient].sort((a, b) => a.stop - b.stop)) {
        legend.push({ color: stop.bgColor, label: fmt(min + (max - min) * stop.stop), count: -1 });
      }
    } else if (thresholds) {
      let lo = -Infinity;
      thresholds.forEach((th, k) => {
        legend.push({
          color: th.bgColor,
          label: `${lo === -Infinity ? '' : `> ${fmt(lo)} `}≤ ${fmt(th.value)}`,
          count: tCounts[k]!,
        });
        lo = th.value;
      });
    }
  }
  if (missing) legend.push({ color: noData, label: 'no data', count: missing });
  return { palette, nodeColor, legend, missing };
}

// ---- Model Explorer node data JSON ----

interface MeResult {
  value: unknown;
  bgColor?: string;
}
interface MeGraphData {
  name?: string;
  results: Record<string, MeResult>;
  thresholds?: ThresholdItem[];
  gradient?: GradientItem[];
}

function isGraphData(v: unknown): v is MeGraphData {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as { results?: unknown }).results === 'object' &&
    (v as { results?: unknown }).results !== null
  );
}

export interface ImportResult {
  overlay: NodeOverlay;
  matched: number;
  unmatched: string[];
}

/** Parses Model Explorer node-data JSON (one graph's data, or data keyed by graph id). */
export function importNodeData(
  model: GraphModel,
  text: string,
  fallbackName = 'node data',
  graphId?: string,
): ImportResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`not JSON: ${(err as Error).message}`);
  }
  let data: MeGraphData | null = null;
  if (isGraphData(json)) data = json;
  else if (typeof json === 'object' && json !== null) {
    const entries = Object.entries(json as Record<string, unknown>).filter(([, v]) => isGraphData(v));
    const pick = entries.find(([k]) => k === graphId) ?? entries[0];
    if (pick) data = pick[1] as MeGraphData;
  }
  if (!data) throw new Error('no "results" object found (expected Model Explorer node data JSON)');

  // key -> node: node names, output tensor names, numeric ids
  const byName = new Map<string, number>();
  for (let i = 0; i < model.N; i++) {
    byName.set(model.payload.nodeName[i]!, i);
  }
  const resolve = (key: string): number => {
    const n = byName.get(key);
    if (n !== undefined) return n;
    return -1;
  };
  const byTensor = new Map<string, number>();
  const needTensors = () => {
    if (byTensor.size) return;
    for (let i = 0; i < model.N; i++) {
      for (const t of nodeTensors(model, i).outputs) {
        const name = model.payload.tensorName[t];
        if (name !== undefined && !byTensor.has(name)) byTensor.set(name, i);
      }
    }
  };

  const entries = Object.entries(data.results);
  const numeric = entries.every(([, r]) => typeof r?.value === 'number' || r?.value === null);
  const values = new Float64Array(model.N).fill(NaN);
  const codes = new Int32Array(model.N).fill(-1);
  const labels: string[] = [];
  const labelIndex = new Map<string, number>();
  const explicit: (string | undefined)[] = new Array<string | undefined>(model.N);
  const unmatched: string[] = [];
  let matched = 0;
  for (const [key, r] of entries) {
    let node = resolve(key);
    if (node < 0) {
      needTensors();
      node = byTensor.get(key) ?? -1;
    }
    if (node < 0 && /^\d+$/.test(key) && Number(key) < model.N) node = Number(key);
    if (node < 0) {
      if (unmatched.length < 50) unmatched.push(key);
      continue;
    }
    matched++;
    if (typeof r?.bgColor === 'string') explicit[node] = r.bgColor;
    if (numeric) values[node] = typeof r?.value === 'number' ? r.value : NaN;
    else {
      const label = String(r?.value);
      let c = labelIndex.get(label);
      if (c === undefined) {
        c = labels.length;
        labels.push(label);
        labelIndex.set(label, c);
      }
      codes[node] = c;
    }
  }
  const overlay: NodeOverlay = numeric
    ? { name: data.name ?? fallbackName, kind: 'number', values, explicit }
    : { name: data.name ?? fallbackName, kind: 'category', codes, labels, explicit };
  if (Array.isArray(data.thresholds))
    overlay.thresholds = data.thresholds.filter((t) => typeof t?.value === 'number' && typeof t.bgColor === 'string');
  if (Array.isArray(data.gradient))
    overlay.gradient = data.gradient.filter((g) => typeof g?.stop === 'number' && typeof g.bgColor === 'string');
  return { overlay, matched, unmatched };
}

/** Model Explorer node-data JSON for an overlay, keyed by node name, under `graphId`. */
export function exportNodeData(model: GraphModel, overlay: NodeOverlay, graphId: string): string {
  const results: Record<string, MeResult> = {};
  for (let i = 0; i < model.N; i++) {
    const key = model.payload.nodeName[i] || String(i);
    let value: unknown;
    if (overlay.kind === 'number') {
      const v = overlay.values?.[i];
      if (v === undefined || Number.isNaN(v)) continue;
      value = v;
    } else {
      const c = overlay.codes?.[i] ?? -1;
      if (c < 0) continue;
      value = overlay.labels?.[c];
    }
    const r: MeResult = { value };
    const bg = overlay.explicit?.[i];
    if (bg) r.bgColor = bg;
    results[key] = r;
  }
  const data: MeGraphData = { name: overlay.name, results };
  if (overlay.thresholds) data.thresholds = overlay.thresholds;
  if (overlay.gradient) data.gradient = overlay.gradient;
  return JSON.stringify({ [graphId]: data });
}

/** Built-in overlays computed from the graph itself. */
export function builtinOverlay(model: GraphModel, which: 'op' | 'fanin' | 'fanout' | 'depth'): NodeOverlay {
  if (which === 'op') {
    return {
      name: 'Op type',
      kind: 'category',
      codes: Int32Array.from(model.nodeOp),
      labels: model.payload.ops.slice(),
    };
  }
  const values = new Float64Array(model.N);
  if (which === 'fanin') for (let i = 0; i < model.N; i++) values[i] = model.inStart[i + 1]! - model.inStart[i]!;
  else if (which === 'fanout')
    for (let i = 0; i < model.N; i++) values[i] = model.outStart[i + 1]! - model.outStart[i]!;
  else {
    // longest path from the inputs (topological depth), cycles cut by visiting order
    const indeg = new Int32Array(model.N);
    for (let e = 0; e < model.E; e++) indeg[model.edgeTo[e]!]!++;
    const queue: number[] = [];
    for (let i = 0; i < model.N; i++) if (indeg[i] === 0) queue.push(i);
    for (let q = 0; q < queue.length; q++) {
      const v = queue[q]!;
      for (let k = model.outStart[v]!; k < model.outStart[v + 1]!; k++) {
        const w = model.edgeTo[model.outEdges[k]!]!;
        values[w] = Math.max(values[w]!, values[v]! + 1);
        if (--indeg[w]! === 0) queue.push(w);
      }
    }
  }
  const name =
    which === 'fanin' ? 'Fan-in (edges in)' : which === 'fanout' ? 'Fan-out (edges out)' : 'Depth from inputs';
  return { name, kind: 'number', values };
}

const totals = new WeakMap<Float64Array, number>();
/** Sum of an overlay's values (NaN = no data left out), computed once per overlay. */
function totalOf(values: Float64Array): number {
  let t = totals.get(values);
  if (t === undefined) {
    t = 0;
    for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i]!)) t += values[i]!;
    totals.set(values, t);
  }
  return t;
}

/**
 * What an overlay says about one node, in words, for the inspector and the hover tooltip
 * ("0.0123 ms · 4.1% of the total", "INT8 (Q/DQ on its inputs)"), or null where it has nothing.
 */
export function overlayValueText(overlay: NodeOverlay, node: number): string | null {
  if (overlay.kind === 'category') {
    const c = overlay.codes?.[node] ?? -1;
    return c < 0 ? null : (overlay.labels?.[c] ?? null);
  }
  const v = overlay.values?.[node];
  if (v === undefined || Number.isNaN(v)) return null;
  const text = `${Math.abs(v) >= 1e4 ? v.toLocaleString('en-US', { maximumFractionDigits: 0 }) : Number(v.toPrecision(3))}${overlay.unit ? ` ${overlay.unit}` : ''}`;
  if (!overlay.additive) return text;
  const total = totalOf(overlay.values!);
  return total > 0 ? `${text} · ${((100 * v) / total).toFixed(1)}% of the total` : text;
}
