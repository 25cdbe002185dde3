/**
 * `kiln fix` hands the readiness check's IR through the input-shapes edit to folding instead of
 * building it again (reuse-ir.ts). Held here to what building it gives: the rebased IR's arrays,
 * names and declared types equal a fresh build's on the zoo and the generated transformer; edits
 * given the IR produce the same model, byte for byte, and the same check as edits without it; and
 * an IR is refused for a model whose nodes or names moved on.
 */
import { describe, expect, it } from 'vitest';
import type { Edit } from '../../../electron/shared/api/edits';
import { applyEdits } from '../../../electron/core/edit/apply';
import { irOf, rebaseIR } from '../../../electron/core/edit/reuse-ir';
import { setShapes } from '../../../electron/core/edit/shapes';
import { checkResult } from '../../../electron/core/edit/version';
import { encodeModel } from '../../../electron/core/onnx/encode';
import { buildIR, type ModelIR } from '../../../electron/core/onnx/ir';
import type { ModelProto } from '../../../electron/core/onnx/model';
import { openModelBytes } from '../../../electron/core/onnx/open';
import { transformer } from '../../builders/transformer';
import { built, inputDims, zoo } from './load';

/** Every input's symbolic dims fixed to 1 (what `--shapes` gives), or none when all are fixed. */
function fixedShapes(m: ModelProto): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [name, dims] of Object.entries(inputDims(m)))
    if (dims.some((d) => typeof d !== 'number')) out[name] = dims.map((d) => (typeof d === 'number' ? d : 1));
  return out;
}

const CASES: { name: string; model: () => ModelProto }[] = [
  { name: 'generated transformer (dynamic axes)', model: () => built(transformer(3)) },
  { name: 'bert-tiny (transformer)', model: () => zoo('bert-tiny') },
  { name: 'vit-tiny', model: () => zoo('vit-tiny') },
  { name: 'ssdlite-tiny (detector)', model: () => zoo('ssdlite-tiny') },
  { name: 'unet-tiny (segmenter)', model: () => zoo('unet-tiny') },
  { name: 'kws-lstm-gru (recurrent)', model: () => zoo('kws-lstm-gru') },
  { name: 'mobilenetv3-fp16 (FP16-stored)', model: () => zoo('mobilenetv3-fp16') },
];

/** What the IR says of a model, in plain values (the declared types by their names and types). */
function facts(ir: ModelIR): unknown {
  return {
    nodeCount: ir.nodeCount,
    ops: ir.ops,
    nodeOp: [...ir.nodeOp],
    nodeInputs: [...ir.nodeInputs],
    nodeOutputs: [...ir.nodeOutputs],
    tensorName: ir.tensorName,
    tensorFlags: [...ir.tensorFlags],
    tensorProducer: [...ir.tensorProducer],
    tensorInitializer: [...ir.tensorInitializer],
    consumers: [...ir.consumers],
    topo: [...ir.topo],
    nodes: ir.nodes.map((n) => `${n.opType}:${n.input.join(',')}>${n.output.join(',')}`),
    initializers: ir.initializers.map((t) => `${t.name}:${t.dataType}:${t.dims.join('x')}`),
    declared: [...ir.tensorDeclared].map((d) => (d >= 0 ? JSON.stringify(ir.declared[d]?.type) : null)),
  };
}

describe('the IR handed from the check to folding (reuse-ir.ts)', () => {
  for (const c of CASES) {
    it(`${c.name}: rebased onto the model with input shapes set, it is the IR a build gives`, () => {
      const model = c.model();
      const earlier = buildIR(model);
      const shapes = fixedShapes(model);
      const step = setShapes(model, { kind: 'shapes', shapes }, { path: '' }, { ir: earlier });
      expect(step.known?.ir).toBe(earlier);
      const rebased = rebaseIR(step.model, earlier);
      if (earlier.graphs.length > 1 || model.functions.length > 0) {
        // Bodies (If, Loop, Scan) and local functions are not rebased: the IR is built afresh.
        expect(rebased).toBeNull();
        expect(facts(irOf(step.model, earlier))).toEqual(facts(buildIR(step.model)));
        return;
      }
      expect(rebased, 'an edit of types only keeps the IR valid').not.toBeNull();
      expect(facts(rebased as ModelIR)).toEqual(facts(buildIR(step.model)));
      // It points at the edited model's objects, not the earlier model's.
      expect(rebased?.graphs[0]?.proto).toBe(step.model.graph);
      expect(rebased?.initializers[0]).toBe(step.model.graph?.initializer[0]);
      // Its name-scope groups are the earlier IR's, worked out once for both, and a build's.
      expect(rebased?.nodeGroup).toBe(earlier.nodeGroup);
      expect(rebased?.groupName).toEqual(buildIR(step.model).groupName);
    });

    it(`${c.name}: shapes, fold and INT64 → INT32 given the check's IR write the same bytes and check`, () => {
      const model = c.model();
      const edits: Edit[] = [
        { kind: 'shapes', shapes: fixedShapes(model) },
        { kind: 'fold' },
        { kind: 'int64ToInt32' },
      ];
      const given = applyEdits(model, edits, 'm.onnx', { path: '' }, { ir: buildIR(model) });
      const fresh = applyEdits(model, edits, 'm.onnx');
      const bytes = encodeModel(given.model);
      expect(Buffer.from(bytes).equals(Buffer.from(encodeModel(fresh.model)))).toBe(true);
      const parent = openModelBytes(bytes, '/nonexistent/m.onnx', 'm.onnx');
      expect(checkResult(given.model, parent, 'm.onnx', bytes.length, 10, given.known)).toEqual(
        checkResult(fresh.model, parent, 'm.onnx', bytes.length, 10, {}),
      );
    });
  }

  it('is refused for a model whose nodes or names moved on, and irOf builds afresh then', () => {
    const model = built(transformer(2));
    const earlier = buildIR(model);
    const g = model.graph!;
    const rewired: ModelProto = {
      ...model,
      graph: {
        ...g,
        node: g.node.map((n, i) => (i === 3 ? { ...n, input: [g.input[0]!.name, ...n.input.slice(1)] } : n)),
      },
    };
    expect(rebaseIR(rewired, earlier)).toBeNull();
    expect(facts(irOf(rewired, earlier))).toEqual(facts(buildIR(rewired)));
    const fewer: ModelProto = { ...model, graph: { ...g, node: g.node.slice(1) } };
    expect(rebaseIR(fewer, earlier)).toBeNull();
    const renamed: ModelProto = {
      ...model,
      graph: { ...g, initializer: g.initializer.map((t, i) => (i === 0 ? { ...t, name: `${t.name}_x` } : t)) },
    };
    expect(rebaseIR(renamed, earlier)).toBeNull();
  });
});
