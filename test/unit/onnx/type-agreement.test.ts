/**
 * The strict type-agreement check every file Kiln writes must pass: planted mismatches of each kind
 * it judges are caught and named (a Cast made FP16 under a float declaration, an op fed two
 * precisions, Resize's float-only scales in FP16, an initializer unlike its declaration), and the
 * real models and zoo exports, as exported, pass it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeModel, analyzeModelBytes } from '../../../electron/core/onnx/analyze';
import { encodeModel } from '../../../electron/core/onnx/encode';
import type { ModelProto, NodeProto } from '../../../electron/core/onnx/model';
import { describeDisagreement, typeDisagreements } from '../../../electron/core/onnx/type-agreement';
import { sdpaAttention } from '../../builders/attention';
import { DT, GraphBuilder, model, tensor } from '../../builders/graph';
import { REAL_MODELS } from './real-models';

const check = (m: ModelProto) => typeDisagreements(analyzeModelBytes(encodeModel(m), '/nowhere/m.onnx', 'm.onnx'));
const nodeNamed = (m: ModelProto, name: string) => m.graph!.node.find((n) => n.name === name) as NodeProto;

describe('type agreement', () => {
  it('a Cast rewritten to FP16 under a float declaration is named, with the tensor and both types', () => {
    const m = sdpaAttention({ valueInfo: true });
    expect(check(m)).toEqual([]);
    // What a rewrite that changes the Cast but not the declaration writes.
    const cast = nodeNamed(m, '/attn/Cast');
    cast.attribute.find((a) => a.name === 'to')!.i = DT.float16;
    const found = check(m);
    expect(found[0]).toEqual({
      node: '/attn/Cast',
      op: 'Cast',
      tensor: '/attn/Cast_output_0',
      problem: 'is declared float but produces float16',
    });
    expect(describeDisagreement(found[0]!)).toBe(
      "/attn/Cast's output /attn/Cast_output_0 is declared float but produces float16",
    );
    // What follows from it is found too: the Sqrt's output, and the Div fed FP32 and FP16.
    expect(found.map(describeDisagreement)).toContain(
      "/attn/Sqrt's output /attn/Sqrt_output_0 is declared float but produces float16",
    );
    expect(
      found.some((d) => d.node === '/attn/Div' && /where input 0 .* is float: Div takes one/.test(d.problem)),
    ).toBe(true);
  });

  it('an LSTM fed FP16 and an FP32 initial state is named by input', () => {
    const b = new GraphBuilder();
    const x = b.input('x', DT.float16, [5, 1, 3]);
    const h = b.input('h0', DT.float32, [1, 1, 2]);
    const w = b.input('w', DT.float16, [1, 8, 3]);
    const r = b.input('r', DT.float16, [1, 8, 2]);
    b.node('LSTM', [x, w, r, '', '', h], { name: 'lstm', outputs: ['y'], attrs: { hidden_size: 2 } });
    b.output('y', DT.float16, [5, 1, 1, 2]);
    expect(check(model(b.graph())).map(describeDisagreement)).toEqual([
      'lstm (LSTM) reads initial_h (h0) as float where X (x) is float16: LSTM takes one type for both',
    ]);
  });

  it("Resize's scales in FP16 are named: the spec takes only float there", () => {
    const b = new GraphBuilder();
    const x = b.input('x', DT.float16, [1, 1, 2, 2]);
    const scales = b.input('scales', DT.float16, [4]);
    b.node('Resize', [x, '', scales], { name: 'resize', outputs: ['y'] });
    b.output('y', DT.float16, null);
    expect(check(model(b.graph())).map(describeDisagreement)).toEqual([
      'resize (Resize) reads input 2 (scales) as float16; Resize takes only float there',
    ]);
  });

  it('an initializer listed among the inputs with another type, and a graph output declared unlike its producer', () => {
    const b = new GraphBuilder();
    const x = b.input('x', DT.float32, [2]);
    b.input('w', DT.float32, [2]);
    b.initializers.push(tensor('w', DT.int64, [2], [1, 2]));
    const c = b.node('Cast', [x], { name: 'cast', attrs: { to: DT.int32 } });
    b.node('Identity', [c], { name: 'id', outputs: ['y'] });
    b.output('y', DT.int64, [2]);
    expect(check(model(b.graph(), { irVersion: 3, opset: 13 })).map(describeDisagreement)).toEqual([
      'input w is declared float but holds int64',
      "id's output y is declared int64 but produces int32",
    ]);
  });

  const zoo = path.resolve(__dirname, '../../fixtures/zoo');
  const files = [
    ...REAL_MODELS.map((m) => m.path),
    ...fs
      .readdirSync(zoo)
      .filter((f) => f.endsWith('.onnx'))
      .map((f) => path.join(zoo, f)),
  ];
  it.each(files.map((f) => [path.basename(f), f]))('%s as exported agrees with itself', async (_, file) => {
    expect(typeDisagreements(await analyzeModel(file))).toEqual([]);
  });
});
