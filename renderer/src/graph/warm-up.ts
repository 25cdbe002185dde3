/**
 * A graph for the layout worker to lay out before any model arrives, so that the first real one
 * runs compiled code. A worker is a fresh JavaScript heap: its first 125k-node opening layout ran
 * every loop cold, and on a 2-core machine, with the page building its view model beside it, the
 * engine could not compile them while they ran (180–210 ms in Chromium, 100–140 ms with the page
 * idle). Laid out first on these shapes, at startup, the same layout took 108–154 ms.
 *
 * The graphs are transformer-like blocks in name-scope groups (a block holding an attention and an
 * MLP group), so the warm-up runs the same paths as a real model's opening view: groups opened level
 * by level, chains, skip edges, collapsed boxes.
 */
import type { StructureColumns } from './structure';

/** Blocks per warm-up step (40 nodes each): small first, so a real request waits for little. */
export const WARM_UP_BLOCKS = [50, 200, 600] as const;

const OPS = ['MatMul', 'Add', 'Softmax', 'LayerNormalization', 'Reshape', 'Transpose', 'Gelu', 'Mul'];

/** `blocks` transformer-like blocks of 40 nodes: a chain through each, a skip edge every 5 nodes. */
export function warmUpColumns(blocks: number): StructureColumns {
  const groupName: string[] = ['/encoder'];
  const groupParent: number[] = [-1];
  const nodeOp: number[] = [];
  const nodeGroup: number[] = [];
  const edgeFrom: number[] = [];
  const edgeTo: number[] = [];
  let prev = -1;
  for (let b = 0; b < blocks; b++) {
    const layer = groupName.push(`/encoder/layer.${b}`) - 1;
    groupParent.push(0);
    const attention = groupName.push(`/encoder/layer.${b}/attention`) - 1;
    groupParent.push(layer);
    const mlp = groupName.push(`/encoder/layer.${b}/mlp`) - 1;
    groupParent.push(layer);
    const first = nodeOp.length;
    for (let k = 0; k < 40; k++) {
      const id = nodeOp.length;
      nodeOp.push(k % OPS.length);
      nodeGroup.push(k < 24 ? attention : k < 36 ? mlp : layer);
      if (prev >= 0) {
        edgeFrom.push(prev);
        edgeTo.push(id);
      }
      if (k % 5 === 3 && id - 3 >= first) {
        edgeFrom.push(id - 3);
        edgeTo.push(id);
      }
      prev = id;
    }
  }
  return {
    ops: OPS,
    nodeCount: nodeOp.length,
    groupName,
    nodeOp: Int32Array.from(nodeOp),
    nodeGroup: Int32Array.from(nodeGroup),
    groupParent: Int32Array.from(groupParent),
    edgeFrom: Int32Array.from(edgeFrom),
    edgeTo: Int32Array.from(edgeTo),
    edgeTensor: Int32Array.from(edgeFrom, (_, e) => e),
  };
}
