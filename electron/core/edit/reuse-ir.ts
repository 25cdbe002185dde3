/**
 * The graph IR of an edited model without building it again, when an earlier IR still describes
 * it. Building the IR of a 125k-node model after an edit costs more than the first build (names
 * whose decoder ids no longer hold are hashed), and `kiln fix` needs one for folding right after
 * the readiness check built one: but the edits before folding (input shapes) change only types,
 * and every edit's copy shares or copies nodes with the same names. So when the model's main graph
 * has the same nodes (op, inputs, outputs, in order), initializers, inputs, outputs and value_info
 * names as the graph the IR was built from, the IR's id arrays hold as they are, and only its
 * references to the model's objects (nodes, initializers, declarations, the graph) are pointed at
 * the edited model's. Anything else (bodies, functions, a list of another length, one name
 * different) is built afresh.
 */
import { buildIR, shareNameScopes, type ModelIR } from '../onnx/ir';
import type { GraphProto, ModelProto, NodeProto, ValueInfoProto } from '../onnx/model';

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Same op, inputs and outputs: what the IR's arrays hold of a node. */
function sameNode(a: NodeProto, b: NodeProto): boolean {
  return (
    a === b ||
    (a.opType === b.opType &&
      a.domain === b.domain &&
      a.name === b.name &&
      sameList(a.input, b.input) &&
      sameList(a.output, b.output) &&
      !a.attribute.some((x) => x.g || x.graphs))
  );
}

/** Pairs the value infos of `now` with those of `was`, position by position (null: a name differs). */
function pairInfos(
  now: readonly ValueInfoProto[],
  was: readonly ValueInfoProto[],
  into: Map<ValueInfoProto, ValueInfoProto>,
): boolean {
  if (now.length !== was.length) return false;
  for (let i = 0; i < now.length; i++) {
    const n = now[i] as ValueInfoProto;
    const w = was[i] as ValueInfoProto;
    if (n.name !== w.name || !n.type !== !w.type) return false;
    into.set(w, n);
  }
  return true;
}

/** `ir` pointed at `model`'s objects when it still describes `model` (see the header), else null. */
export function rebaseIR(model: ModelProto, ir: ModelIR): ModelIR | null {
  const g = model.graph;
  const main = ir.graphs[0];
  if (!g || !main || ir.graphs.length !== 1 || model.functions.length > 0) return null;
  const was = main.proto as GraphProto;
  if (g.node.length !== ir.nodeCount || g.initializer.length !== ir.initializers.length) return null;
  if (g.sparseInitializer.length > 0 || was.sparseInitializer.length > 0) return null;
  for (let i = 0; i < g.node.length; i++) if (!sameNode(g.node[i] as NodeProto, ir.nodes[i] as NodeProto)) return null;
  for (let i = 0; i < g.initializer.length; i++) if (g.initializer[i]?.name !== ir.initializers[i]?.name) return null;
  const infos = new Map<ValueInfoProto, ValueInfoProto>();
  if (!pairInfos(g.input, was.input, infos) || !pairInfos(g.output, was.output, infos)) return null;
  if (!pairInfos(g.valueInfo, was.valueInfo, infos)) return null;
  // A copy that keeps the IR's lazily worked-out name scopes lazy (spreading would work them out).
  const copy = Object.defineProperties({}, Object.getOwnPropertyDescriptors(ir)) as ModelIR;
  copy.graphs = [{ ...main, proto: g }];
  copy.nodes = g.node.slice();
  copy.initializers = g.initializer.slice();
  copy.declared = ir.declared.map((v) => infos.get(v) ?? v);
  shareNameScopes(ir, copy);
  return copy;
}

/** `earlier` rebased onto `model` when it still describes it (see the header), else `model`'s own IR. */
export function irOf(model: ModelProto, earlier: ModelIR | undefined): ModelIR {
  return (earlier && rebaseIR(model, earlier)) || buildIR(model);
}
