import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeModel } from '../../../electron/core/onnx/analyze';
import { nodeDetails } from '../../../electron/core/graph/node-details';
import { graphPayloadForFile } from '../../../electron/core/graph/load';
import { tensorValues } from '../../../electron/core/onnx/values';

const CLS = path.resolve(__dirname, '../../../assets/sample/ch_ppocr_mobile_v2.0_cls_infer.onnx');

describe('node details for the inspector', () => {
  it('a Conv: attributes as text, FLOPs, and weight statistics that match the decoded values', async () => {
    const a = await analyzeModel(CLS);
    const main = a.ir.graphs[0]!;
    const index = a.ir.nodes.slice(main.nodeStart, main.nodeEnd).findIndex((n) => n.opType === 'Conv');
    const d = nodeDetails(a, index);
    expect(d.op).toBe('Conv');
    expect(d.attributes.find((x) => x.name === 'kernel_shape')?.value).toMatch(/^\[\d+, \d+\]$/);
    expect(d.flops).toBeGreaterThan(0);
    expect(d.weights.length).toBeGreaterThanOrEqual(1);
    const w = d.weights[0]!;
    // PaddlePaddle exports weights as Constant nodes: the inspector follows the producer.
    const producer = a.ir.nodes.find((n) => n.opType === 'Constant' && n.output[0] === w.name)!;
    const init = producer.attribute.find((x) => x.name === 'value')!.t!;
    const values = Array.from(tensorValues(init, { path: a.opened.path, bytes: a.opened.bytes }));
    expect(w.stats!.count).toBe(values.length);
    expect(w.stats!.min).toBe(Math.min(...values));
    expect(w.stats!.max).toBe(Math.max(...values));
    expect(w.stats!.mean).toBeCloseTo(values.reduce((s, v) => s + v, 0) / values.length, 9);
    expect(w.stats!.histogram.reduce((s, c) => s + c, 0)).toBe(values.length);
    expect(d.params).toBe(values.length + (d.weights[1] ? d.weights[1].stats!.count : 0));
  });

  it('refuses a node that does not exist, naming the file', async () => {
    const a = await analyzeModel(CLS);
    expect(() => nodeDetails(a, 10_000)).toThrow(/ch_ppocr_mobile_v2\.0_cls_infer\.onnx has no node 10000/);
  });

  it('the graph payload carries inferred shapes and per-node FLOPs when asked with shapes', async () => {
    const p = await graphPayloadForFile(CLS, 'cls.onnx', 0, { shapes: true });
    expect(p.nodeFlops).toHaveLength(p.nodeName.length);
    const typed = p.tensorType.filter((t) => t && t.dims).length;
    // The file declares only I/O types; inference fills in the rest.
    expect(typed).toBeGreaterThan(p.tensorName.length * 0.9);
  });

  it('without shapes the payload is ready before inference: declared types, no FLOPs', async () => {
    const p = await graphPayloadForFile(CLS, 'cls.onnx');
    expect(p.nodeFlops).toBeUndefined();
    const typed = p.tensorType.filter((t) => t && t.dims).length;
    // I/O and the weights (Constant nodes here) carry their types; the rest waits for inference.
    expect(typed).toBeLessThan(p.tensorName.length * 0.9);
    const declared = (await analyzeModel(CLS)).summary.inputs[0]!;
    expect(p.tensorType[p.tensorName.indexOf(declared.name)]).toEqual({ dtype: declared.dtype, dims: declared.dims });
  });

  it("node details carry the inferred types of the node's inputs and outputs, in the payload's order", async () => {
    const a = await analyzeModel(CLS);
    const p = await graphPayloadForFile(CLS, 'cls.onnx');
    const index = p.nodeName.findIndex((_, i) => p.ops[p.nodeOp[i]!] === 'Conv');
    const d = nodeDetails(a, index);
    const inputs = p.nodeInputStart![index + 1]! - p.nodeInputStart![index]!;
    const outputs = p.nodeOutputStart![index + 1]! - p.nodeOutputStart![index]!;
    expect(d.inputTypes).toHaveLength(inputs);
    expect(d.outputTypes).toHaveLength(outputs);
    expect(d.outputTypes[0]).toMatchObject({ dtype: 'float32' });
    // NCHW with the channel count known from the weights, though the file declares no inner types.
    expect(d.outputTypes[0]!.dims).toHaveLength(4);
    expect(typeof d.outputTypes[0]!.dims![1]).toBe('number');
    expect(p.tensorType[p.nodeOutputs![p.nodeOutputStart![index]!]!]).toBeNull();
  });
});
