/**
 * Opset conversion as an edit: core/onnx/opset.ts's rules (the ones INT8 uses to reach opset 13, then
 * opset-later.ts's changes after 13), run on a copy, up to the newest opset a TensorRT parser reads.
 * Lowering an opset is refused; a target past what those rules know is refused with the highest one
 * they reach, and a node they cannot convert is refused naming it, so nothing is converted by guess
 * and nothing half-converted is written.
 */
import type { Edit } from '../../shared/api/edits';
import { KilnError } from '../../shared/api/errors';
import { maxOpset, releaseName, type TrtMajor } from '../trt/support';
import { buildIR } from '../onnx/ir';
import type { ModelProto } from '../onnx/model';
import { convertToOpset } from '../onnx/opset';
import { inferShapes } from '../onnx/shapes';
import { summarize } from '../onnx/summary';
import { copyModel } from './model-copy';
import type { EditStep } from './step';

export function toOpset(model: ModelProto, edit: Extract<Edit, { kind: 'opset' }>): EditStep {
  const m = copyModel(model);
  const entry = m.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  const from = entry?.version ?? 0;
  if (from === edit.version) return { model: m, summary: `already opset ${from}`, exact: true, notes: [] };
  if (from > edit.version)
    throw new KilnError(
      'UNSUPPORTED',
      `the model is opset ${from}; Kiln raises opsets, it does not lower them to ${edit.version}`,
    );
  const ir = buildIR(m);
  const shapes = inferShapes(m, ir, { path: '' });
  const opened = {
    model: m,
    path: '',
    displayName: 'the model',
    fileBytes: 0,
    sha256: '',
    warnings: [],
    bytes: new Uint8Array(0),
  };
  const summary = summarize(opened, { ir, shapes });
  const conv = convertToOpset(
    { opened, ir, shapes, summary, timings: { read: 0, ir: 0, shapes: 0, summary: 0 } },
    edit.version,
    `opset ${edit.version}`,
  );
  const notes = conv.converted.slice(0, 10).map((c) => `${c.node} (${c.op}): ${c.change}`);
  if (conv.converted.length > 10) notes.push(`… and ${conv.converted.length - 10} more nodes rewritten`);
  return {
    model: m,
    summary: `opset ${conv.from} → ${conv.to}${conv.converted.length ? ` (${conv.converted.length} node${conv.converted.length === 1 ? '' : 's'} rewritten)` : ''}`,
    exact: true,
    notes,
  };
}

/**
 * Refuses, before anything is edited, an opset conversion past what the TensorRT the result is checked
 * for parses: the new version would be one its parser rejects outright.
 */
export function refuseOpsetPastTrt(edits: readonly Edit[], trt: TrtMajor, file: string): void {
  const max = maxOpset({ major: trt });
  const past = edits.find((e): e is Extract<Edit, { kind: 'opset' }> => e.kind === 'opset' && e.version > max);
  if (past)
    throw new KilnError(
      'UNSUPPORTED',
      `${file}: TensorRT ${releaseName({ major: trt })} parses ai.onnx opsets up to ${max}, so converting to opset ${past.version} would make a model it cannot read: choose an opset up to ${max}`,
      { file },
    );
}
