/** The model summary the app shows first and `kiln inspect` prints. */
import type { Dim, ModelSummary, ValueInfo } from '../../shared/api/model-summary';
import type { GraphProto, ModelProto, NodeProto, TypeProto, ValueInfoProto } from './model';
import { dtypeName, onnxDtypeBits } from './dtypes';
import { indexRows } from './index-inputs';
import { elementCount, tensorBytes } from './model';
import type { OpenedModel } from './open';
import { forEachTensor } from './open';
import type { ModelIR } from './ir';
import type { ShapeResult } from './shapes';

/** Op key as users know it: plain for the default domain, `domain:Op` otherwise. */
export function opKey(n: Pick<NodeProto, 'domain' | 'opType'>): string {
  return n.domain === '' || n.domain === 'ai.onnx' ? n.opType : `${n.domain}:${n.opType}`;
}

function typeString(t: TypeProto | undefined): { dtype: string; dims: Dim[] | null } {
  if (!t) return { dtype: 'unknown', dims: null };
  if (t.kind === 'tensor' || t.kind === 'sparse_tensor') {
    const dims =
      t.shape === null
        ? null
        : t.shape.map((d): Dim =>
            d.value !== undefined ? d.value : d.param !== undefined && d.param !== '' ? d.param : null,
          );
    return { dtype: t.kind === 'sparse_tensor' ? `sparse ${dtypeName(t.elemType)}` : dtypeName(t.elemType), dims };
  }
  if (t.kind === 'sequence' || t.kind === 'optional')
    return { dtype: `${t.kind}<${typeString(t.elem).dtype}>`, dims: null };
  if (t.kind === 'map') return { dtype: `map<${dtypeName(t.keyType)},${typeString(t.value).dtype}>`, dims: null };
  return { dtype: 'unknown', dims: null };
}

export function valueInfo(v: ValueInfoProto): ValueInfo {
  return { name: v.name, ...typeString(v.type) };
}

interface Counts {
  nodes: number;
  subgraphs: number;
  histogram: Map<string, number>;
}

function countGraph(g: GraphProto, c: Counts): void {
  for (const n of g.node) {
    c.nodes++;
    const key = opKey(n);
    c.histogram.set(key, (c.histogram.get(key) ?? 0) + 1);
    for (const a of n.attribute) {
      if (a.g) {
        c.subgraphs++;
        countGraph(a.g, c);
      }
      for (const sg of a.graphs ?? []) {
        c.subgraphs++;
        countGraph(sg, c);
      }
    }
  }
}

/** What the statistics pass adds when it ran (flops, per-op table, warnings about the graph). */
export interface SummaryExtras {
  ir?: ModelIR;
  shapes?: ShapeResult;
}

export function summarize(opened: OpenedModel, extras: SummaryExtras = {}): ModelSummary {
  const { model } = opened;
  const graph = model.graph as GraphProto;
  const counts: Counts = { nodes: 0, subgraphs: 0, histogram: new Map() };
  const ir = extras.ir;
  if (ir) {
    // The IR already has every node of every graph and function, with op ids: count those.
    const perOp = new Int32Array(ir.ops.length);
    for (let n = 0; n < ir.nodeCount; n++)
      perOp[ir.nodeOp[n] as number] = (perOp[ir.nodeOp[n] as number] as number) + 1;
    ir.ops.forEach((op, i) => counts.histogram.set(op, perOp[i] as number));
    counts.nodes = ir.nodeCount;
    counts.subgraphs = ir.graphs.filter((g) => g.kind === 'subgraph').length;
  } else {
    countGraph(graph, counts);
    for (const f of model.functions) countGraph({ ...graph, node: f.node }, counts);
  }

  let parameterCount = 0;
  let parameterBytes = 0;
  let externalDataBytes = 0;
  let initializers = 0;
  const byType = new Map<string, { dtype: string; tensors: number; elements: number; bytes: number }>();
  forEachTensor(model, (t, where) => {
    if (where === 'initializer') initializers++;
    // Scalars and shape constants are not weights; a tensor counts once it holds values.
    const n = t.dims.length === 0 ? 1 : elementCount(t.dims);
    if (!Number.isFinite(n) || n < 0) return;
    parameterCount += n;
    const bytes = tensorBytes(t);
    parameterBytes += bytes;
    const dtype = dtypeName(t.dataType);
    const entry = byType.get(dtype) ?? { dtype, tensors: 0, elements: 0, bytes: 0 };
    entry.tensors++;
    entry.elements += n;
    entry.bytes += bytes;
    byType.set(dtype, entry);
    if (t.data.kind === 'external')
      externalDataBytes += t.data.length ?? Math.ceil((n * onnxDtypeBits(t.dataType)) / 8);
  });

  // IR < 4 lists initializers among the inputs; a user's inputs are the ones without a value.
  const initNames = new Set(graph.initializer.map((t) => t.name));
  const rows = indexRows(graph);
  const inputs = graph.input
    .filter((v) => !initNames.has(v.name))
    .map((v) => {
      const info = valueInfo(v);
      const n = rows.get(v.name);
      return n === undefined ? info : { ...info, indexRows: n };
    });

  return {
    fileName: opened.displayName,
    fileBytes: opened.fileBytes,
    sha256: opened.sha256,
    graphName: graph.name,
    producer: { name: model.producerName, version: model.producerVersion },
    domain: model.domain,
    modelVersion: model.modelVersion,
    docString: model.docString,
    irVersion: model.irVersion,
    opsets: model.opsetImport.map((o) => ({ domain: o.domain === 'ai.onnx' ? '' : o.domain, version: o.version })),
    inputs,
    outputs: graph.output.map(valueInfo),
    nodes: counts.nodes,
    subgraphs: counts.subgraphs,
    functions: model.functions.length,
    opHistogram: Object.fromEntries([...counts.histogram].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))),
    initializers,
    parameterCount,
    parameterBytes,
    externalDataBytes,
    weights: [...byType.values()].sort((a, b) => b.elements - a.elements || a.dtype.localeCompare(b.dtype)),
    metadata: Object.fromEntries(model.metadataProps.map((p) => [p.key, p.value])),
    flops: extras.shapes?.stats.flops ?? 0,
    ...(extras.shapes
      ? {
          macs: extras.shapes.stats.macs,
          activationBytes: extras.shapes.stats.activationBytes,
          statsExact: extras.shapes.stats.exact,
        }
      : {}),
    perOpType: (extras.shapes?.stats.perOpType ?? []).map((s) => ({
      op: s.op.replace('::', ':'),
      count: s.count,
      params: s.params,
      flops: s.flops,
    })),
    warnings: [...opened.warnings, ...(extras.ir?.warnings ?? []), ...shapeWarnings(extras.shapes)],
  };
}

function shapeWarnings(shapes: ShapeResult | undefined): string[] {
  if (!shapes) return [];
  const out: string[] = [];
  if (shapes.unknownOps.size > 0) {
    const list = [...shapes.unknownOps].map(([op, n]) => `${op} (${n})`);
    out.push(
      `no shape rule for ${list.slice(0, 8).join(', ')}${list.length > 8 ? ', ...' : ''}: their outputs have unknown shapes`,
    );
  }
  return out;
}

export type { ModelProto };
