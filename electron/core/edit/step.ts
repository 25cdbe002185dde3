/**
 * What one model edit returns. An edit is a pure function from model to model: it never changes
 * the model it is given (what it rewrites, it clones), and it either returns the whole new model
 * or throws a KilnError naming the node or tensor that stopped it, so nothing half-edited is ever
 * written. `summary` is one plain sentence for the report, `exact` says whether the edit is meant
 * to leave every output unchanged (the exactness measure holds it to that), and `notes` carry what
 * a user should know about the result.
 *
 * An edit that ran shape inference may also hand on what it learned about its result (`known`), so
 * the next edit need not infer the whole graph again: on a 125k-node model each inference pass is
 * a large share of a fix.
 */
import type { ModelIR } from '../onnx/ir';
import type { ModelProto } from '../onnx/model';
import type { DType, TensorType } from '../shapes/types';

/** What is already known about a model an edit is given, each fact optional. */
export interface KnownTypes {
  /** The element type of a main-graph tensor of the model by name (undefined: not known). */
  elemTypeOf?: (name: string) => DType | undefined;
  /**
   * The whole type (element type and dims) of a main-graph tensor of the model by name, as shape
   * inference would give it: what the readiness check after the edits reads instead of inferring
   * the result again (undefined: not known). `nameId`, the decoder's string id of the name when the
   * caller has it (ModelIR.nameIds), finds the tensor without hashing the name.
   */
  typeOf?: (name: string, nameId?: number) => TensorType | undefined;
  /**
   * The names of the main graph's tensors of one element type (a Set, worked out when first asked
   * for): an edit that asks about few types (INT64 → INT32) tests names against it instead of
   * looking up every tensor's type by name.
   */
  namesOfType?: (dtype: DType) => ReadonlySet<string>;
  /**
   * A graph IR built earlier of a model with the same nodes and names as this one (the readiness
   * check's, handed through edits of types only): rebased rather than built again (reuse-ir.ts).
   */
  ir?: ModelIR;
}

export interface EditStep {
  model: ModelProto;
  summary: string;
  exact: boolean;
  notes: string[];
  /** Facts about `model` the edit worked out anyway (absent: none). */
  known?: KnownTypes;
}
