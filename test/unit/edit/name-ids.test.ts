/**
 * After folding, nodes whose inputs were rewired get string ids again (name-ids.ts), so the IR of
 * the result is built by ids. Held here: every rewired input's id names it, the IR built with the
 * renewed ids is the IR built by names alone, and the model folding was given keeps its ids.
 */
import { describe, expect, it } from 'vitest';
import { fold } from '../../../electron/core/edit/fold';
import { setShapes } from '../../../electron/core/edit/shapes';
import { buildIR, type ModelIR } from '../../../electron/core/onnx/ir';
import type { ModelProto, NameIds } from '../../../electron/core/onnx/model';
import { transformer } from '../../builders/transformer';
import { built, zoo } from './load';

function facts(ir: ModelIR): unknown {
  return {
    nodeInputs: [...ir.nodeInputs],
    nodeOutputs: [...ir.nodeOutputs],
    tensorName: ir.tensorName,
    tensorFlags: [...ir.tensorFlags],
    tensorProducer: [...ir.tensorProducer],
    consumers: [...ir.consumers],
    warnings: ir.warnings,
  };
}

/** How many main-graph node inputs have an id that names them. */
function inputsWithIds(m: ModelProto): { held: number; all: number } {
  const names = m.names as NameIds;
  let held = 0;
  let all = 0;
  for (const n of m.graph!.node)
    n.input.forEach((x, k) => {
      if (!x) return;
      all++;
      const id = n.inAt === undefined ? undefined : names.inIds[n.inAt + k];
      if (id !== undefined && id >= 0 && names.values[id] === x) held++;
    });
  return { held, all };
}

const CASES: { name: string; model: () => ModelProto }[] = [
  {
    name: 'generated transformer, shapes fixed (duplicate shape constants merged)',
    model: () => setShapes(built(transformer(4)), { kind: 'shapes', shapes: { input: [1, 8, 16] } }).model,
  },
  { name: 'bert-tiny', model: () => zoo('bert-tiny') },
  { name: 'ssdlite-tiny (detector)', model: () => zoo('ssdlite-tiny') },
  { name: 'mobilenetv3-fp16', model: () => zoo('mobilenetv3-fp16') },
];

describe('string ids renewed after folding', () => {
  for (const c of CASES) {
    it(`${c.name}: rewired inputs have ids again, and the IR is the one built by names`, () => {
      const model = c.model();
      const before = model.names!.inIds.slice();
      const { model: out } = fold(model, { kind: 'fold' });
      const { held, all } = inputsWithIds(out);
      expect(held).toBe(all);
      expect(facts(buildIR(out))).toEqual(facts(buildIR({ ...out, names: undefined })));
      expect(model.names!.inIds).toEqual(before);
    });
  }
});
