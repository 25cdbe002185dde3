/**
 * A fresh layout worker runs the layout code two to four times slower the first time: V8 has not
 * yet compiled its hot loops (building the structure, the hierarchy, the layered placement, the
 * frame). The worker therefore lays out a small synthetic graph, shaped like the models Kiln opens
 * (blocks of name-scope groups, residual edges, big enough to open level by level), as soon as it
 * starts, while the file is uploaded and read; the real graph then finds the code compiled. The
 * result is thrown away: only the compiled code stays.
 */
import { LayoutEngine } from './engine';
import { buildStructure, initialExpansion, type StructureColumns } from './structure';

/** Blocks of the synthetic graph, and nodes per block: 4,800 nodes, 289 groups, 'auto' opening. */
const BLOCKS = 96;
const PER_BLOCK = 50;
const OPS = ['MatMul', 'Add', 'Softmax', 'LayerNormalization', 'Gelu', 'Reshape', 'Transpose'];

/** A transformer-like graph: a group per block with attention and MLP subgroups, residual edges. */
export function warmUpColumns(blocks = BLOCKS): StructureColumns {
  const groupName: string[] = [];
  const parent: number[] = [];
  const nodeGroup = new Int32Array(blocks * PER_BLOCK);
  const nodeOp = new Int32Array(blocks * PER_BLOCK);
  const from: number[] = [];
  const to: number[] = [];
  const edge = (a: number, b: number) => {
    from.push(a);
    to.push(b);
  };
  const addGroup = (name: string, p: number) => {
    groupName.push(name);
    return parent.push(p) - 1;
  };
  const model = addGroup('model', -1);
  let prev = -1;
  for (let b = 0; b < blocks; b++) {
    const block = addGroup(`model/layers.${b}`, model);
    const attn = addGroup(`model/layers.${b}/attention`, block);
    const mlp = addGroup(`model/layers.${b}/mlp`, block);
    const base = b * PER_BLOCK;
    for (let i = 0; i < PER_BLOCK; i++) {
      nodeGroup[base + i] = i < 30 ? attn : i < 45 ? mlp : block;
      nodeOp[base + i] = (i * 5 + b) % OPS.length;
      if (i > 0) edge(base + i - 1, base + i);
      if (i % 7 === 3 && i + 5 < PER_BLOCK) edge(base + i, base + i + 5);
    }
    if (prev >= 0) {
      edge(prev, base);
      edge(prev, base + 46);
    }
    prev = base + PER_BLOCK - 1;
  }
  return {
    ops: OPS,
    nodeCount: blocks * PER_BLOCK,
    groupName,
    nodeOp,
    nodeGroup,
    groupParent: Int32Array.from(parent),
    edgeFrom: Int32Array.from(from),
    edgeTo: Int32Array.from(to),
    edgeTensor: Int32Array.from(from, (_, e) => e),
  };
}

/** What one warm-up did: its time, whether `init` took the prepared layout, the items it drew. */
export interface WarmUp {
  ms: number;
  prepared: boolean;
  items: number;
}

/**
 * Runs the opening path once on a throwaway engine, as a graph view does with a prepared payload:
 * `prepare` (structure, hierarchy, level-by-level opening, placement), then the `init` that takes
 * it (the structure check and the frame).
 */
export function warmUpLayout(blocks = BLOCKS): WarmUp {
  const t0 = performance.now();
  const engine = new LayoutEngine();
  const columns = warmUpColumns(blocks);
  engine.prepare({ type: 'prepare', key: -1, columns });
  // The view's own structure for `init` is built from the same columns, as the main thread does.
  const { structure } = buildStructure(columns);
  const initial = initialExpansion(structure.nodeCount, structure.groupCount);
  const reply = engine.handle({ type: 'init', seq: 0, structure, initial, prepared: -1 });
  if (reply.type === 'error') throw new Error(`layout warm-up failed: ${reply.message}`);
  return { ms: performance.now() - t0, prepared: reply.prepared === true, items: reply.frame.items.length };
}
