/**
 * What differs between two models outside their nodes: IR version, opsets, producer, model
 * version, metadata (a variant's recipe lives there), and the graph's inputs and outputs by name.
 * Only fields that differ are returned.
 */
import type { FieldChange, IoChange } from '../../shared/api/diff';
import type { ValueInfoProto } from '../onnx/model';
import type { DiffHeader } from './diff-model';
import { valueInfo } from '../onnx/summary';

const MAX_VALUE = 300;
const cut = (s: string) => (s.length > MAX_VALUE ? `${s.slice(0, MAX_VALUE - 1)}…` : s);

function field(out: FieldChange[], name: string, a: string | null, b: string | null): void {
  if (a !== b) out.push({ field: name, a: a === null ? null : cut(a), b: b === null ? null : cut(b) });
}

/** Model-level fields whose values differ (opsets per domain, metadata per key). */
export function headerChanges(a: DiffHeader, b: DiffHeader): FieldChange[] {
  const out: FieldChange[] = [];
  field(out, 'IR version', String(a.irVersion), String(b.irVersion));
  const opsets = (m: DiffHeader) => new Map(m.opsetImport.map((o) => [o.domain || 'ai.onnx', String(o.version)]));
  const oa = opsets(a);
  const ob = opsets(b);
  for (const d of new Set([...oa.keys(), ...ob.keys()])) field(out, `opset ${d}`, oa.get(d) ?? null, ob.get(d) ?? null);
  field(
    out,
    'producer',
    `${a.producerName} ${a.producerVersion}`.trim(),
    `${b.producerName} ${b.producerVersion}`.trim(),
  );
  field(out, 'domain', a.domain, b.domain);
  field(out, 'model version', String(a.modelVersion), String(b.modelVersion));
  field(out, 'doc string', a.docString, b.docString);
  field(out, 'graph name', a.graph?.name ?? '', b.graph?.name ?? '');
  const meta = (m: DiffHeader) => new Map(m.metadataProps.map((p) => [p.key, p.value]));
  const ma = meta(a);
  const mb = meta(b);
  for (const k of new Set([...ma.keys(), ...mb.keys()]))
    field(out, `metadata ${k}`, ma.get(k) ?? null, mb.get(k) ?? null);
  return out;
}

/** Graph inputs (initializers listed as inputs left out, as old exporters wrote them) or outputs. */
function io(g: DiffHeader['graph'], which: 'input' | 'output'): ValueInfoProto[] {
  if (!g) return [];
  if (which === 'output') return g.output;
  // The few input names looked up among the many initializers, not a set made of all of them.
  const names = new Set(g.input.map((v) => v.name));
  const inits = new Set<string>();
  for (const t of g.initializer) if (names.has(t.name)) inits.add(t.name);
  return g.input.filter((v) => !inits.has(v.name));
}

const typeText = (v: ReturnType<typeof valueInfo>) => `${v.dtype}[${(v.dims ?? ['?']).map((d) => d ?? '?').join(',')}]`;

/** Inputs or outputs added, removed, or whose type or shape changed, by name. */
export function ioChanges(a: DiffHeader, b: DiffHeader, which: 'input' | 'output'): IoChange[] {
  const out: IoChange[] = [];
  const va = io(a.graph, which).map(valueInfo);
  const vb = io(b.graph, which).map(valueInfo);
  const byName = new Map(vb.map((v) => [v.name, v]));
  const seen = new Set<string>();
  for (const x of va) {
    seen.add(x.name);
    const y = byName.get(x.name);
    if (!y) out.push({ change: 'removed', name: x.name, a: x, b: null });
    else if (typeText(x) !== typeText(y)) out.push({ change: 'changed', name: x.name, a: x, b: y });
  }
  for (const y of vb) if (!seen.has(y.name)) out.push({ change: 'added', name: y.name, a: null, b: y });
  return out;
}

export { typeText as ioTypeText };
