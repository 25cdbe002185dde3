/**
 * The graph payload built from Kiln's IR (what `model.graph` sends) against the same graph given
 * by names to `buildGraphPayload`: on real models decoded by onnx-proto (an independent reader,
 * as the graph harness does), every field agrees, declared types included; on If/Loop bodies, the
 * structure agrees with the body read by names, reads from enclosing graphs counting as inputs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import type { GraphPayload } from '../../../electron/shared/api/graph-payload';
import { graphPayloadFromIR } from '../../../electron/core/graph/from-ir';
import { buildGraphPayload, payloadGraphFromProto, type PayloadGraph } from '../../../electron/core/graph/payload';
import { analyzeModelBytes } from '../../../electron/core/onnx/analyze';
import type { GraphProto } from '../../../electron/core/onnx/model';
import { encodeModel } from '../../../electron/core/onnx/encode';
import { transformer } from '../../builders/transformer';
import { REAL_MODELS, realAndZooModels } from '../onnx/real-models';

const ZOO = path.resolve(__dirname, '../../fixtures/zoo');
const models: { name: string; bytes: Uint8Array }[] = [
  ...realAndZooModels(),
  { name: 'transformer (20 layers)', bytes: encodeModel(transformer(20)) },
];

/** Plain arrays everywhere, and subgraph entries without ids (numbered differently by the two). */
function comparable(p: GraphPayload, withTypes = true) {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(p)) {
    if (k === 'tensorType' && !withTypes) continue;
    out[k] = ArrayBuffer.isView(v) ? Array.from(v as Int32Array) : v;
  }
  out.subgraphs = p.subgraphs.map((s) => ({ node: s.node, attribute: s.attribute }));
  return out;
}

describe('graph payload from the IR', () => {
  it.each(models)('$name: the same payload as building it from names', ({ name, bytes }) => {
    const a = analyzeModelBytes(bytes, path.join(ZOO, name), name);
    const fromIR = graphPayloadFromIR(a.ir, 0);
    const byNames = buildGraphPayload(payloadGraphFromProto(onnx.ModelProto.decode(bytes).graph ?? {}));
    expect(fromIR.nodeName.length).toBeGreaterThan(0);
    expect(comparable(fromIR)).toEqual(comparable(byNames));
  });

  it('a body: reads from enclosing graphs are its inputs, and the structure matches reading it by names', () => {
    const vad = REAL_MODELS.find((m) => m.file === 'silero_vad_v5.onnx')!;
    const a = analyzeModelBytes(fs.readFileSync(vad.path), vad.path, vad.file);
    const main = graphPayloadFromIR(a.ir, 0);
    const followed = main.subgraphs.filter((s) => s.graph > 0);
    expect(followed.length).toBeGreaterThan(0);
    for (const { graph } of followed) {
      const body = a.ir.graphs[graph]!;
      expect(body.kind).toBe('subgraph');
      const byNames = payloadGraphFromProto(body.proto as GraphProto as Parameters<typeof payloadGraphFromProto>[0]);
      // What the body reads but does not define comes from outside: an input of the body's view.
      const defined = new Set([...byNames.inputs, ...byNames.initializers, ...byNames.nodes.flatMap((n) => n.outputs)]);
      const outer = new Set(byNames.nodes.flatMap((n) => n.inputs).filter((t) => t && !defined.has(t)));
      const graphByNames: PayloadGraph = { ...byNames, inputs: [...byNames.inputs, ...outer] };
      expect(comparable(graphPayloadFromIR(a.ir, graph), false)).toEqual(
        comparable(buildGraphPayload(graphByNames), false),
      );
    }
  });

  it('with a shape result: inferred types for the graph tensors, FLOPs and parameters per node', () => {
    const bytes = fs.readFileSync(REAL_MODELS[2]!.path);
    const a = analyzeModelBytes(bytes, REAL_MODELS[2]!.path, REAL_MODELS[2]!.file);
    const declared = graphPayloadFromIR(a.ir, 0);
    const inferred = graphPayloadFromIR(a.ir, 0, a.shapes);
    expect(declared.nodeFlops).toBeUndefined();
    expect(inferred.nodeFlops).toHaveLength(declared.nodeName.length);
    expect(Array.from(inferred.nodeFlops!).reduce((s, x) => s + x, 0)).toBeGreaterThan(0);
    const known = (p: GraphPayload) => p.tensorType.filter((t) => t?.dims).length;
    expect(known(inferred)).toBeGreaterThan(known(declared));
    expect({ ...comparable(inferred, false), nodeFlops: 0, nodeParams: 0 }).toEqual({
      ...comparable(declared, false),
      nodeFlops: 0,
      nodeParams: 0,
    });
  });
});
