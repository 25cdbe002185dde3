/**
 * What one model edit returns: the new model (the input is never mutated), a one-line summary,
 * whether the edit is meant to leave every output unchanged, and notes for the user. Every edit in
 * this folder (fold, shapes, int64, opset, dequantize, upcast, surgery) has the same signature,
 * `(model: ModelProto, edit: <its Edit variant>) => EditStep`, so apply.ts can run a list of them.
 */
import type { ModelProto } from '../onnx/model';

export interface EditStep {
  model: ModelProto;
  summary: string;
  exact: boolean;
  notes: string[];
}
