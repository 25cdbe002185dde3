/**
 * Which integer inputs of a model are indices into a table, and how many rows the table has: a
 * transformer's token ids, position ids and token-type ids are read by Gather from an embedding
 * (BERT's token types have 2 rows). Seeded samples (calibration, comparison) must stay below that,
 * or ONNX Runtime refuses the run ("indices element out of data bounds") before anything is measured.
 */
import { attrOf } from './graph-edit';
import type { GraphProto, NodeProto } from './model';
import { isIntegerDtype, dtypeFromOnnx } from './dtypes';

/** Ops that pass their first input's values through unchanged (a cast, a reshape): followed to the Gather. */
const SAME_VALUES = new Set(['Cast', 'Identity', 'Reshape', 'Unsqueeze', 'Squeeze', 'Flatten', 'Expand', 'Transpose']);

/**
 * For each integer graph input read (directly or through value-preserving ops) as Gather's indices
 * into a table whose rows are known (an initializer or a Constant), the fewest rows of those tables.
 */
export function indexRows(graph: GraphProto): Map<string, number> {
  const inits = new Set(graph.initializer.map((t) => t.name));
  const integer = graph.input.filter((v) => {
    const t = v.type;
    return !inits.has(v.name) && t?.kind === 'tensor' && isIntegerDtype(dtypeFromOnnx(t.elemType));
  });
  // Most models take floats only: nothing to follow, so the whole graph need not be indexed.
  if (integer.length === 0) return new Map();
  const dims = new Map<string, number[]>();
  for (const t of graph.initializer) dims.set(t.name, t.dims);
  for (const n of graph.node) {
    const t = n.opType === 'Constant' ? attrOf(n, 'value')?.t : undefined;
    if (t && n.output[0]) dims.set(n.output[0], t.dims);
  }
  const readers = new Map<string, NodeProto[]>();
  for (const n of graph.node) for (const x of n.input) if (x) (readers.get(x) ?? readers.set(x, []).get(x)!).push(n);
  const out = new Map<string, number>();
  for (const v of integer) {
    let rows = Infinity;
    const seen = new Set<string>();
    const follow = (name: string): void => {
      if (seen.has(name)) return;
      seen.add(name);
      for (const n of readers.get(name) ?? []) {
        if (n.domain !== '' && n.domain !== 'ai.onnx') continue;
        if (SAME_VALUES.has(n.opType) && n.input[0] === name && n.output[0]) follow(n.output[0]);
        else if (n.opType === 'Gather' && n.input[1] === name) {
          const d = dims.get(n.input[0] ?? '');
          const rank = d?.length ?? 0;
          const raw = attrOf(n, 'axis')?.i ?? 0;
          const size = d?.[raw < 0 ? raw + rank : raw];
          if (size !== undefined && size > 0) rows = Math.min(rows, size);
        }
      }
    };
    follow(v.name);
    if (Number.isFinite(rows)) out.set(v.name, rows);
  }
  return out;
}
