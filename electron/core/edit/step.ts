/**
 * What one model edit returns. An edit is a pure function from model to model: it never changes
 * the model it is given (what it rewrites, it clones), and it either returns the whole new model
 * or throws a KilnError naming the node or tensor that stopped it, so nothing half-edited is ever
 * written. `summary` is one plain sentence for the report, `exact` says whether the edit is meant
 * to leave every output unchanged (the exactness measure holds it to that), and `notes` carry what
 * a user should know about the result.
 */
import type { ModelProto } from '../onnx/model';

export interface EditStep {
  model: ModelProto;
  summary: string;
  exact: boolean;
  notes: string[];
}
