/**
 * Marking tensors as graph outputs, to read an intermediate result (what Polygraphy's
 * `--onnx-outputs` and ONNX-GraphSurgeon users do by hand). Each new output is declared with the
 * type and shape Kiln's shape inference gives it; a tensor whose element type cannot be inferred is
 * refused by name, since ONNX Runtime and TensorRT both need it. The existing outputs are untouched.
 */
import { KilnError } from '../../../shared/api/errors';
import type { Edit } from '../../../shared/api/edits';
import type { ModelProto } from '../../onnx/model';
import type { TensorSource } from '../../onnx/values';
import type { EditStep } from '../step';
import { declared } from './extract';
import { copyModel } from '../model-copy';
import { mainGraphTypes, NO_SOURCE, plural } from './graph-tools';

export function addOutputs(
  model: ModelProto,
  edit: Extract<Edit, { kind: 'addOutputs' }>,
  src: TensorSource = NO_SOURCE,
): EditStep {
  const out = copyModel(model);
  const g = out.graph;
  if (!g) throw new KilnError('INVALID_ARGUMENT', 'the model has no graph to add outputs to');
  const types = mainGraphTypes(model, src);
  const made = new Set(g.node.flatMap((n) => n.output));
  const sources = new Set([...g.input.map((v) => v.name), ...g.initializer.map((t) => t.name)]);
  const notes: string[] = [];
  const added: string[] = [];
  for (const name of new Set(edit.tensors)) {
    if (g.output.some((o) => o.name === name)) {
      notes.push(`${name} is an output already`);
      continue;
    }
    if (!made.has(name) && !sources.has(name))
      throw new KilnError('INVALID_ARGUMENT', `there is no tensor named "${name}" in the main graph`);
    const v = declared(name, types.get(name), 'a graph output');
    g.output.push(v);
    g.valueInfo = g.valueInfo.filter((x) => x.name !== name);
    added.push(name);
  }
  return {
    model: out,
    summary:
      added.length > 0 ? `marked ${plural(added.length, 'tensor')} as outputs: ${added.join(', ')}` : 'no output added',
    exact: true,
    notes,
  };
}
