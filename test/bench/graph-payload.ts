/**
 * Graph payloads built directly (no ONNX file): a transformer with `layers` blocks of 49 nodes under
 * PyTorch-style name scopes (/model/layers.N/self_attn/q_proj/MatMul), and the bad inputs the view
 * must survive. Used by the graph unit tests and the browser harness of the graph benchmark.
 */
import type { GraphPayload } from '../../electron/shared/api/graph-payload';

class Builder {
  ops: string[] = [];
  opIndex = new Map<string, number>();
  nodeName: string[] = [];
  nodeOp: number[] = [];
  nodeGroup: number[] = [];
  edgeFrom: number[] = [];
  edgeTo: number[] = [];
  edgeTensor: number[] = [];
  tensorName: string[] = [];
  tensorType: GraphPayload['tensorType'] = [];
  tensorKind: number[] = [];
  groupName: string[] = [];
  groupParent: number[] = [];
  groupIndex = new Map<string, number>();
  nodeInputStart: number[] = [0];
  nodeInputs: number[] = [];
  nodeOutputStart: number[] = [0];
  nodeOutputs: number[] = [];
  producer: number[] = [];

  group(path: string): number {
    if (!path) return -1;
    const hit = this.groupIndex.get(path);
    if (hit !== undefined) return hit;
    const parentPath = path.slice(0, path.lastIndexOf('/'));
    const parent = parentPath ? this.group(parentPath) : -1;
    const id = this.groupName.push(path) - 1;
    this.groupParent.push(parent);
    this.groupIndex.set(path, id);
    return id;
  }

  tensor(name: string, dtype: string, dims: (number | string)[] | null, kind = 0): number {
    const id = this.tensorName.push(name) - 1;
    this.tensorType.push({ dtype, dims });
    this.tensorKind.push(kind);
    this.producer.push(-1);
    return id;
  }

  /** A node `scope/op` reading `inputs` (tensor ids); returns its output tensor. */
  node(
    scope: string,
    op: string,
    inputs: number[],
    outDims: (number | string)[] | null = ['batch', 'seq', 768],
    name?: string,
  ): number {
    let o = this.opIndex.get(op);
    if (o === undefined) {
      o = this.ops.push(op) - 1;
      this.opIndex.set(op, o);
    }
    const nodeName = name ?? `${scope}/${op}`;
    const id = this.nodeName.push(nodeName) - 1;
    this.nodeOp.push(o);
    this.nodeGroup.push(this.group(scope));
    for (const t of inputs) {
      this.nodeInputs.push(t);
      const p = this.producer[t] ?? -1;
      if (p >= 0) {
        this.edgeFrom.push(p);
        this.edgeTo.push(id);
        this.edgeTensor.push(t);
      }
    }
    this.nodeInputStart.push(this.nodeInputs.length);
    const out = this.tensor(`${nodeName}_output_0`, 'float32', outDims);
    this.producer[out] = id;
    this.nodeOutputs.push(out);
    this.nodeOutputStart.push(this.nodeOutputs.length);
    return out;
  }

  payload(notes: string[] = []): GraphPayload {
    const ids = (a: number[]) => Int32Array.from(a);
    return {
      ops: this.ops,
      nodeName: this.nodeName,
      nodeOp: ids(this.nodeOp),
      nodeGroup: ids(this.nodeGroup),
      edgeFrom: ids(this.edgeFrom),
      edgeTo: ids(this.edgeTo),
      edgeTensor: ids(this.edgeTensor),
      tensorName: this.tensorName,
      tensorType: this.tensorType,
      groupName: this.groupName,
      groupParent: ids(this.groupParent),
      subgraphs: [],
      nodeInputStart: ids(this.nodeInputStart),
      nodeInputs: ids(this.nodeInputs),
      nodeOutputStart: ids(this.nodeOutputStart),
      nodeOutputs: ids(this.nodeOutputs),
      tensorKind: ids(this.tensorKind),
      notes,
    };
  }
}

function layerNorm(b: Builder, scope: string, x: number, l: number, which: string): number {
  const w = b.tensor(`model.layers.${l}.${which}.weight`, 'float32', [768], 2);
  const bias = b.tensor(`model.layers.${l}.${which}.bias`, 'float32', [768], 2);
  const mean = b.node(scope, 'ReduceMean', [x], ['batch', 'seq', 1]);
  const sub = b.node(scope, 'Sub', [x, mean]);
  const pow = b.node(scope, 'Pow', [sub]);
  const var_ = b.node(scope, 'ReduceMean', [pow], ['batch', 'seq', 1], `${scope}/ReduceMean_1`);
  const eps = b.node(scope, 'Add', [var_], ['batch', 'seq', 1]);
  const sqrt = b.node(scope, 'Sqrt', [eps], ['batch', 'seq', 1]);
  const div = b.node(scope, 'Div', [sub, sqrt]);
  const mul = b.node(scope, 'Mul', [div, w]);
  return b.node(scope, 'Add', [mul, bias], undefined, `${scope}/Add_1`);
}

function linear(b: Builder, scope: string, x: number, l: number, name: string, outF: number): number {
  const w = b.tensor(`model.layers.${l}.${name}.weight`, 'float32', [768, outF], 2);
  const bias = b.tensor(`model.layers.${l}.${name}.bias`, 'float32', [outF], 2);
  const mm = b.node(scope, 'MatMul', [x, w], ['batch', 'seq', outF]);
  return b.node(scope, 'Add', [mm, bias], ['batch', 'seq', outF]);
}

/** A decoder-style transformer: `layers` x 49 nodes, plus embedding and head (7 nodes). */
export function transformerPayload(layers: number): GraphPayload {
  const b = new Builder();
  const ids = b.tensor('input_ids', 'int64', ['batch', 'seq'], 1);
  const emb = b.tensor('model.embed_tokens.weight', 'float32', [50257, 768], 2);
  let x = b.node('/model/embed_tokens', 'Gather', [emb, ids]);
  for (let l = 0; l < layers; l++) {
    const s = `/model/layers.${l}`;
    const h = layerNorm(b, `${s}/input_layernorm`, x, l, 'input_layernorm');
    const a = `${s}/self_attn`;
    const q = linear(b, `${a}/q_proj`, h, l, 'self_attn.q_proj', 768);
    const k = linear(b, `${a}/k_proj`, h, l, 'self_attn.k_proj', 768);
    const v = linear(b, `${a}/v_proj`, h, l, 'self_attn.v_proj', 768);
    const heads = ['batch', 'seq', 12, 64];
    const qr = b.node(a, 'Reshape', [q], heads);
    const kr = b.node(a, 'Reshape', [k], heads, `${a}/Reshape_1`);
    const vr = b.node(a, 'Reshape', [v], heads, `${a}/Reshape_2`);
    const qt = b.node(a, 'Transpose', [qr], ['batch', 12, 'seq', 64]);
    const kt = b.node(a, 'Transpose', [kr], ['batch', 12, 64, 'seq'], `${a}/Transpose_1`);
    const vt = b.node(a, 'Transpose', [vr], ['batch', 12, 'seq', 64], `${a}/Transpose_2`);
    const scores = b.node(a, 'MatMul', [qt, kt], ['batch', 12, 'seq', 'seq']);
    const scaled = b.node(a, 'Div', [scores], ['batch', 12, 'seq', 'seq']);
    const probs = b.node(a, 'Softmax', [scaled], ['batch', 12, 'seq', 'seq']);
    const ctx = b.node(a, 'MatMul', [probs, vt], ['batch', 12, 'seq', 64], `${a}/MatMul_1`);
    const ct = b.node(a, 'Transpose', [ctx], heads, `${a}/Transpose_3`);
    const merged = b.node(a, 'Reshape', [ct], undefined, `${a}/Reshape_3`);
    const o = linear(b, `${a}/o_proj`, merged, l, 'self_attn.o_proj', 768);
    const r1 = b.node(s, 'Add', [x, o]);
    const h2 = layerNorm(b, `${s}/post_attention_layernorm`, r1, l, 'post_attention_layernorm');
    const m = `${s}/mlp`;
    const up = linear(b, `${m}/fc1`, h2, l, 'mlp.fc1', 3072);
    const g1 = b.node(`${m}/act`, 'Div', [up], ['batch', 'seq', 3072]);
    const g2 = b.node(`${m}/act`, 'Erf', [g1], ['batch', 'seq', 3072]);
    const g3 = b.node(`${m}/act`, 'Add', [g2], ['batch', 'seq', 3072]);
    const g4 = b.node(`${m}/act`, 'Mul', [up, g3], ['batch', 'seq', 3072]);
    const g5 = b.node(`${m}/act`, 'Mul', [g4], ['batch', 'seq', 3072], `${m}/act/Mul_1`);
    const down = linear(b, `${m}/fc2`, g5, l, 'mlp.fc2', 768);
    x = b.node(s, 'Add', [r1, down], undefined, `${s}/Add_1`);
  }
  const f = layerNorm(b, '/model/norm', x, layers, 'norm');
  const head = b.tensor('lm_head.weight', 'float32', [768, 50257], 2);
  const logits = b.node('/lm_head', 'MatMul', [f, head], ['batch', 'seq', 50257]);
  b.tensorKind[logits] = 3;
  return b.payload();
}

/** The bad inputs from the issue. */
export function badPayload(kind: 'cycle' | 'wide' | 'longnames' | 'empty' | 'components' | 'flat'): GraphPayload {
  const b = new Builder();
  const x = b.tensor('x', 'float32', [1, 8], 1);
  if (kind === 'empty') return b.payload();
  if (kind === 'cycle') {
    // a -> b -> c -> a, plus a tail
    const ta = b.node('', 'Add', [x], [1, 8], 'a');
    const tb = b.node('', 'Mul', [ta], [1, 8], 'b');
    const tc = b.node('', 'Relu', [tb], [1, 8], 'c');
    b.edgeFrom.push(2); // c feeds a: close the cycle
    b.edgeTo.push(0);
    b.edgeTensor.push(tc);
    b.node('', 'Sigmoid', [tc], [1, 8], 'tail');
    return b.payload();
  }
  if (kind === 'wide') {
    const outs: number[] = [];
    for (let i = 0; i < 300; i++) outs.push(b.node('', 'Relu', [x], [1, 8], `relu_${i}`));
    b.node('', 'Concat', outs, [300, 8], 'concat_300');
    return b.payload();
  }
  if (kind === 'longnames') {
    const long = (c: string) => c.repeat(10_000);
    let t = b.node(`/${long('s')}`, 'Conv', [x], [1, 8], long('a'));
    t = b.node(`/${long('s')}/${long('t')}`, 'Relu', [t], [1, 8], long('b'));
    b.node('', long('CustomOp'), [t], [1, 8], long('c'));
    return b.payload();
  }
  if (kind === 'components') {
    for (let c = 0; c < 100; c++) {
      const input = b.tensor(`in_${c}`, 'float32', [1, 8], 1);
      let t = b.node(`/part${c}`, 'Conv', [input], [1, 8]);
      t = b.node(`/part${c}`, 'Relu', [t], [1, 8]);
      b.node(`/part${c}`, 'Add', [t], [1, 8]);
    }
    return b.payload();
  }
  // flat: a long chain with skips and no scopes
  let t = x;
  const keep: number[] = [];
  for (let i = 0; i < 2000; i++) {
    t = b.node(
      '',
      i % 3 === 0 ? 'Conv' : i % 3 === 1 ? 'BatchNormalization' : 'Relu',
      [t, ...(i % 9 === 8 ? [keep[keep.length - 3]!] : [])],
      [1, 8],
      `n${i}`,
    );
    keep.push(t);
  }
  return b.payload();
}
