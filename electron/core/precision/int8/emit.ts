/**
 * Step 4 of INT8: the Q/DQ written into the prepared model, with the numbers step 3 computed.
 * Weights become INT8 initializers read through one DequantizeLinear each (per weight and axis),
 * INT32 biases likewise; every planned activation gets QuantizeLinear → DequantizeLinear right
 * after the node that makes it (graph inputs: at the top), and the planned readers read the
 * DequantizeLinear instead. Initializers only quantized nodes read are dropped.
 */
import type { ModelAnalysis } from '../../onnx/analyze';
import { bytesOf, dropUnusedInitializers, f32Tensor, intAttr, Names, node, tensor } from '../../onnx/graph-edit';
import { consumersOf, inputsOf, producerOf } from '../../onnx/graph-index';
import type { IRGraph } from '../../onnx/ir';
import type { GraphProto, NodeProto, TensorProto } from '../../onnx/model';
import { weightKey, type Int32Bias, type QuantizedWeight } from './scales';
import type { ActivationScale, Plan } from './types';
import { DataType } from '../../onnx/dtypes';

/** What step 3 computed: quantized weights (by weightKey), DataType.INT32 biases, activation scales and their order. */
export interface Quantities {
  weights: ReadonlyMap<string, QuantizedWeight>;
  biases: Int32Bias[];
  activations: Readonly<Record<string, ActivationScale>>;
  qList: number[];
}

/** Rewrites `p`'s model in place (the caller writes it with `source: p.opened.bytes`). */
export function emitQdq(p: ModelAnalysis, pl: Plan, q: Quantities, ort: boolean): void {
  const { ir } = p;
  const { activations, qList } = q;
  const pm = p.opened.model;
  const g = pm.graph as GraphProto;
  const fresh = new Names(pm);
  const head: NodeProto[] = [];
  const newInits: TensorProto[] = [];
  const qType = ort ? DataType.UINT8 : DataType.INT8;
  const scalar = (name: string, dataType: number, v: number): TensorProto => {
    if (dataType === DataType.FLOAT) return f32Tensor(name, [], [v]);
    return tensor(name, dataType, [], dataType === DataType.INT8 ? bytesOf(Int8Array.of(v)) : Uint8Array.of(v));
  };

  // Weights (shared weights with the same axis are written once).
  const replace = new Map<number, Map<number, string>>(); // node id → input position → new name
  const setInput = (id: number, index: number, name: string) => {
    let m = replace.get(id);
    if (!m) replace.set(id, (m = new Map()));
    m.set(index, name);
  };
  const weightOut = new Map<string, string>(); // weightKey → DequantizeLinear output
  for (const w of pl.weights) {
    const key = weightKey(ir, w);
    let dqOut = weightOut.get(key);
    if (dqOut === undefined) {
      const wq = q.weights.get(key) as QuantizedWeight;
      const base = wq.init;
      const qName = fresh.fresh(`${base}_quantized`);
      const sName = fresh.fresh(`${base}_scale`);
      const zName = fresh.fresh(`${base}_zero_point`);
      dqOut = fresh.fresh(`${base}_dequantized`);
      newInits.push(tensor(qName, DataType.INT8, wq.dims.slice(), bytesOf(wq.q)));
      const perAxis = w.axis !== null;
      newInits.push(tensor(sName, DataType.FLOAT, perAxis ? [wq.scales.length] : [], bytesOf(wq.scales)));
      newInits.push(
        perAxis
          ? tensor(zName, DataType.INT8, [wq.scales.length], new Uint8Array(wq.scales.length))
          : scalar(zName, DataType.INT8, 0),
      );
      head.push(
        node(
          'DequantizeLinear',
          [qName, sName, zName],
          [dqOut],
          fresh.fresh(`${base}_DequantizeLinear`),
          perAxis ? [intAttr('axis', w.axis as number)] : [],
        ),
      );
      weightOut.set(key, dqOut);
    }
    setInput(w.node, w.index, dqOut);
  }

  // INT32 biases (onnxruntime), at the scales step 3 gave them.
  for (const { id, index, name: base, q: codes, scales: bScales } of q.biases) {
    const channels = bScales.length;
    const qName = fresh.fresh(`${base}_quantized`);
    const sName = fresh.fresh(`${base}_scale`);
    const zName = fresh.fresh(`${base}_zero_point`);
    const dqOut = fresh.fresh(`${base}_dequantized`);
    newInits.push(tensor(qName, DataType.INT32, [channels], bytesOf(codes)));
    newInits.push(f32Tensor(sName, [channels], bScales));
    newInits.push(tensor(zName, DataType.INT32, [channels], new Uint8Array(4 * channels)));
    head.push(
      node('DequantizeLinear', [qName, sName, zName], [dqOut], fresh.fresh(`${base}_DequantizeLinear`), [
        intAttr('axis', 0),
      ]),
    );
    setInput(id, index, dqOut);
  }

  // Activation Q/DQ pairs.
  const pairAfter = new Map<number, NodeProto[]>(); // producer node id (-1: graph input) → Q, DQ
  for (const t of qList) {
    const name = ir.tensorName[t] as string;
    const s = activations[name] as ActivationScale;
    const sName = fresh.fresh(`${name}_scale`);
    const zName = fresh.fresh(`${name}_zero_point`);
    const qOut = fresh.fresh(`${name}_quantized`);
    const dqOut = fresh.fresh(`${name}_dequantized`);
    newInits.push(scalar(sName, DataType.FLOAT, s.scale), scalar(zName, qType, s.zeroPoint));
    const pair = [
      node('QuantizeLinear', [name, sName, zName], [qOut], fresh.fresh(`${name}_QuantizeLinear`)),
      node('DequantizeLinear', [qOut, sName, zName], [dqOut], fresh.fresh(`${name}_DequantizeLinear`)),
    ];
    const producer = producerOf(ir, t);
    const list = pairAfter.get(producer) ?? [];
    list.push(...pair);
    pairAfter.set(producer, list);
    const readers = pl.qTensors.get(t) as Set<number> | 'all';
    for (const c of consumersOf(ir, t)) {
      if (readers !== 'all' && !readers.has(c)) continue;
      if ((ir.nodeGraph[c] as number) !== 0) continue; // bodies read the float tensor by name
      inputsOf(ir, c).forEach((x, index) => {
        if (x === t && !replace.get(c)?.has(index)) setInput(c, index, dqOut);
      });
    }
  }

  const main = ir.graphs[0] as IRGraph;
  const out: NodeProto[] = [...head, ...(pairAfter.get(-1) ?? [])];
  for (let i = 0; i < g.node.length; i++) {
    const id = main.nodeStart + i;
    const n = g.node[i] as NodeProto;
    const r = replace.get(id);
    if (r) for (const [index, name] of r) n.input[index] = name;
    out.push(n);
    out.push(...(pairAfter.get(id) ?? []));
  }
  g.node = out;
  g.initializer.push(...newInits);
  // Weights only the quantized nodes read are replaced by their INT8 copies.
  dropUnusedInitializers(g);
}
