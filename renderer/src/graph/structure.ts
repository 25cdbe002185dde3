/**
 * What the layout needs of a graph payload (the group tree, the edges, every box's size), built from
 * the few payload columns it reads. It is its own job so that two threads can build it: the main
 * thread inside the view model, and the layout worker as soon as the payload arrives (see
 * layout-client.ts `prepareLayout`), so the first layout runs while the main thread builds the view
 * model and mounts the view instead of after. Both builds must agree exactly, so the worker checks
 * (`sameStructure`) before it uses its own.
 */
import type { GraphStructure } from './hierarchy';
import { boxLabel } from './op-label';

export const NODE_H = 30;
export const GROUP_H = 44;
/** Approximate advance of the 12px UI font, for sizing boxes off the main thread's canvas. */
export const CHAR_W = 7;
const MAX_NODE_W = 220;
const MAX_GROUP_W = 280;
const BOX_FONT = '600 12px system-ui, -apple-system, "Segoe UI", sans-serif';

/** The payload columns the layout reads (typed arrays the caller may hand over: they are not kept). */
export interface StructureColumns {
  ops: string[];
  nodeCount: number;
  groupName: string[];
  nodeOp: Int32Array;
  nodeGroup: Int32Array;
  groupParent: Int32Array;
  edgeFrom: Int32Array;
  edgeTo: Int32Array;
  edgeTensor: Int32Array;
}

export interface BuiltStructure {
  structure: GraphStructure;
  /** The payload's op ids, out-of-range ones set to -1. */
  nodeOp: Int32Array;
  /** The tensor of each kept edge (edges that name missing nodes are dropped). */
  edgeTensor: Int32Array;
  /** Edges dropped for naming nodes that do not exist. */
  droppedEdges: number;
  /** Nodes whose op id is out of range. */
  badOps: number;
  /** Last segment of each group's name, for its box. */
  groupLabel: string[];
}

/** The opening view: small or flat graphs open whole, big ones level by level. */
export function initialExpansion(nodeCount: number, groupCount: number): 'expanded' | 'auto' {
  return groupCount === 0 || nodeCount <= 1500 ? 'expanded' : 'auto';
}

/** A copy of `values` of exactly `length` (short payloads padded with `fallback`): the view cleans it in place. */
function int32(values: Int32Array | undefined, length: number, fallback = -1): Int32Array {
  const out = new Int32Array(length);
  const n = values ? Math.min(values.length, length) : 0;
  if (values) out.set(values.subarray(0, n));
  if (n < length) out.fill(fallback, n);
  return out;
}

/**
 * Text width at a font: the sum of its characters' advances, each measured once on a canvas where
 * there is one (the page, and the worker's OffscreenCanvas), an estimate elsewhere (tests). A big
 * model's group labels are thousands of distinct texts ("layer.0" … "layer.2499"): a canvas
 * measurement of each whole text costs microseconds, 20–50 ms per thread at 125k nodes, while its
 * characters are a few dozen. The sum leaves out kerning, which narrows a text (in Chromium here it
 * was never below the whole text's measurement, on op and group names), so a box still holds its label.
 */
function textMeasurer(font: string): (text: string) => number {
  if (typeof OffscreenCanvas !== 'undefined') {
    const ctx = new OffscreenCanvas(1, 1).getContext('2d');
    if (ctx) {
      ctx.font = font;
      const ascii = new Float64Array(128).fill(-1);
      const other = new Map<number, number>();
      return (text) => {
        let width = 0;
        for (let i = 0; i < text.length; i++) {
          const code = text.codePointAt(i)!;
          if (code > 0xffff) i++;
          let advance = code < 128 ? ascii[code]! : (other.get(code) ?? -1);
          if (advance < 0) {
            advance = ctx.measureText(String.fromCodePoint(code)).width;
            if (code < 128) ascii[code] = advance;
            else other.set(code, advance);
          }
          width += advance;
        }
        return width;
      };
    }
  }
  return (text) => text.length * CHAR_W;
}

export function shortGroupName(name: string): string {
  const trimmed = name.endsWith('/') ? name.replace(/\/+$/, '') : name;
  const at = trimmed.lastIndexOf('/');
  return at >= 0 ? trimmed.slice(at + 1) || trimmed : trimmed;
}

export function buildStructure(c: StructureColumns): BuiltStructure {
  const N = c.nodeCount;
  const G = c.groupName.length;
  const nodeOp = int32(c.nodeOp, N, 0);
  const nodeGroup = int32(c.nodeGroup, N, -1);
  const groupParent = int32(c.groupParent, G, -1);
  for (let i = 0; i < N; i++) if (nodeGroup[i]! >= G || nodeGroup[i]! < -1) nodeGroup[i] = -1;
  for (let i = 0; i < G; i++) if (groupParent[i]! >= G || groupParent[i]! < -1) groupParent[i] = -1;

  // edges: drop the ones that name nodes that do not exist
  const rawE = Math.min(c.edgeFrom.length, c.edgeTo.length);
  const from = new Int32Array(rawE);
  const to = new Int32Array(rawE);
  const tensor = new Int32Array(rawE);
  let E = 0;
  for (let e = 0; e < rawE; e++) {
    const a = c.edgeFrom[e]!;
    const b = c.edgeTo[e]!;
    if (!(a >= 0 && a < N && b >= 0 && b < N)) continue;
    from[E] = a;
    to[E] = b;
    tensor[E] = c.edgeTensor[e] ?? -1;
    E++;
  }

  const measure = textMeasurer(BOX_FONT);
  const nodeW = new Float32Array(N);
  const nodeH = new Float32Array(N).fill(NODE_H);
  const opW = c.ops.map((op) => Math.min(MAX_NODE_W, Math.max(64, Math.ceil(measure(boxLabel(op).slice(0, 64))) + 24)));
  let badOps = 0;
  for (let i = 0; i < N; i++) {
    const op = nodeOp[i]!;
    if (op < 0 || op >= c.ops.length) {
      badOps++;
      nodeOp[i] = -1;
      nodeW[i] = 64;
    } else nodeW[i] = opW[op]!;
  }

  const groupLabel = c.groupName.map(shortGroupName);
  const groupW = new Float32Array(G);
  const groupH = new Float32Array(G).fill(GROUP_H);
  for (let g = 0; g < G; g++)
    groupW[g] = Math.min(MAX_GROUP_W, Math.max(120, Math.ceil(measure(groupLabel[g]!.slice(0, 64))) + 40));

  return {
    structure: {
      nodeCount: N,
      groupCount: G,
      nodeGroup,
      groupParent,
      edgeFrom: from.subarray(0, E),
      edgeTo: to.subarray(0, E),
      nodeW,
      nodeH,
      groupW,
      groupH,
    },
    nodeOp,
    edgeTensor: tensor.subarray(0, E),
    droppedEdges: rawE - E,
    badOps,
    groupLabel,
  };
}

type Column = Int32Array | Float32Array;

function sameColumn(a: Column, b: Column): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether two structures describe the same layout input (every count, id and box size). */
export function sameStructure(a: GraphStructure, b: GraphStructure): boolean {
  return (
    a.nodeCount === b.nodeCount &&
    a.groupCount === b.groupCount &&
    sameColumn(a.nodeGroup, b.nodeGroup) &&
    sameColumn(a.groupParent, b.groupParent) &&
    sameColumn(a.edgeFrom, b.edgeFrom) &&
    sameColumn(a.edgeTo, b.edgeTo) &&
    sameColumn(a.nodeW, b.nodeW) &&
    sameColumn(a.nodeH, b.nodeH) &&
    sameColumn(a.groupW, b.groupW) &&
    sameColumn(a.groupH, b.groupH)
  );
}
