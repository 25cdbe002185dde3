/**
 * A layered (Sugiyama-style) layout that stays near-linear in the size of the graph:
 *
 *  1. cycles are broken by reversing DFS back edges (O(V+E));
 *  2. layers by longest path from the sources, then sources are pulled down next to their first
 *     consumer (so 300 Constant nodes do not all sit in layer 0);
 *  3. edges spanning several layers get dummy vertices (within a budget, so a pathological graph
 *     cannot blow up), which gives long edges a lane and a route;
 *  4. crossing reduction by a few barycenter sweeps (each O(V+E) plus a sort per layer);
 *  5. x by "packing": each layer is placed at the positions its neighbours pull it to, subject to
 *     order and spacing, solved exactly per layer by isotonic regression (pool adjacent violators).
 *
 * Steps 1-4 depend only on the edges and are kept (`LayeredStructure`); step 5 depends on the sizes
 * and is redone when an expanded child group changes size (`placeLayered`).
 */

export interface LayeredStructure {
  /** Real vertices 0..n-1, dummies n..total-1. */
  n: number;
  total: number;
  layerCount: number;
  layer: Int32Array;
  /** Vertices of each layer in left-to-right order: `layerVerts[layerStart[l] .. layerStart[l+1])`. */
  layerStart: Int32Array;
  layerVerts: Int32Array;
  /** Segments between adjacent layers, as CSR adjacency: up (to layer-1) and down (to layer+1). */
  upStart: Int32Array;
  up: Int32Array;
  downStart: Int32Array;
  down: Int32Array;
  /** Per input edge: its dummies from source to target (`chain[chainStart[e] .. chainStart[e+1])`). */
  chainStart: Int32Array;
  chain: Int32Array;
  /** Per input edge: 1 if it was reversed to break a cycle. */
  reversed: Uint8Array;
}

export interface LayeredPlacement {
  /** Top-left corner of each real vertex. */
  x: Float32Array;
  y: Float32Array;
  width: number;
  height: number;
  /** Per input edge: waypoints (x0,y0,x1,y1,...) in `points[routeStart[e]*2 .. routeStart[e+1]*2)`. */
  routeStart: Int32Array;
  points: Float32Array;
}

export interface LayeredOptions {
  /** Horizontal gap between neighbouring boxes. */
  nodeGap?: number;
  /** Horizontal gap next to a dummy (edge lane). */
  laneGap?: number;
  /** Vertical gap between layers (room for edges). */
  layerGap?: number;
  /** Barycenter sweep pairs (down + up). */
  sweeps?: number;
}

const MAX_SPAN_WITH_DUMMIES = 64;

/** Steps 1-4. `src`/`dst` are vertex ids in 0..n-1; self loops are ignored. */
export function structureLayered(n: number, src: Int32Array, dst: Int32Array, sweeps?: number): LayeredStructure {
  const m = src.length;
  // ---- out adjacency (edge ids) ----
  const outStart = new Int32Array(n + 1);
  for (let e = 0; e < m; e++) outStart[src[e]! + 1]!++;
  for (let i = 0; i < n; i++) outStart[i + 1]! += outStart[i]!;
  const outEdges = new Int32Array(m);
  {
    const fill = outStart.slice(0, n);
    for (let e = 0; e < m; e++) outEdges[fill[src[e]!]!++] = e;
  }
  const indeg = new Int32Array(n);
  for (let e = 0; e < m; e++) if (src[e] !== dst[e]) indeg[dst[e]!]!++;

  // ---- 1. break cycles: iterative DFS, reverse back edges ----
  const reversed = new Uint8Array(m);
  const state = new Uint8Array(n); // 0 new, 1 on stack, 2 done
  const stackV = new Int32Array(n);
  const stackI = new Int32Array(n);
  const visit = (root: number) => {
    let sp = 0;
    stackV[0] = root;
    stackI[0] = outStart[root]!;
    state[root] = 1;
    while (sp >= 0) {
      const v = stackV[sp]!;
      const i = stackI[sp]!;
      if (i < outStart[v + 1]!) {
        stackI[sp] = i + 1;
        const e = outEdges[i]!;
        const w = dst[e]!;
        if (w === v) continue;
        if (state[w] === 1) reversed[e] = 1;
        else if (state[w] === 0) {
          state[w] = 1;
          sp++;
          stackV[sp] = w;
          stackI[sp] = outStart[w]!;
        }
      } else {
        state[v] = 2;
        sp--;
      }
    }
  };
  for (let v = 0; v < n; v++) if (indeg[v] === 0 && state[v] === 0) visit(v);
  for (let v = 0; v < n; v++) if (state[v] === 0) visit(v);

  // ---- DAG edges (a -> b) ----
  const a = new Int32Array(m);
  const b = new Int32Array(m);
  const dagIn = new Int32Array(n);
  for (let e = 0; e < m; e++) {
    if (reversed[e]) {
      a[e] = dst[e]!;
      b[e] = src[e]!;
    } else {
      a[e] = src[e]!;
      b[e] = dst[e]!;
    }
    if (a[e] !== b[e]) dagIn[b[e]!]!++;
  }
  const dOutStart = new Int32Array(n + 1);
  for (let e = 0; e < m; e++) if (a[e] !== b[e]) dOutStart[a[e]! + 1]!++;
  for (let i = 0; i < n; i++) dOutStart[i + 1]! += dOutStart[i]!;
  const dOut = new Int32Array(dOutStart[n]!);
  {
    const fill = dOutStart.slice(0, n);
    for (let e = 0; e < m; e++) if (a[e] !== b[e]) dOut[fill[a[e]!]!++] = e;
  }

  // ---- 2. longest-path layers, topological order by a LIFO (depth-first) Kahn ----
  const layer = new Int32Array(n);
  const topo = new Int32Array(n);
  const topoRank = new Int32Array(n);
  {
    const remaining = dagIn.slice();
    const stack = new Int32Array(n);
    let sp = 0;
    for (let v = n - 1; v >= 0; v--) if (remaining[v] === 0) stack[sp++] = v;
    let k = 0;
    while (sp > 0) {
      const v = stack[--sp]!;
      topoRank[v] = k;
      topo[k++] = v;
      // push in reverse so the first out edge is visited first
      for (let i = dOutStart[v + 1]! - 1; i >= dOutStart[v]!; i--) {
        const e = dOut[i]!;
        const w = b[e]!;
        if (layer[w]! < layer[v]! + 1) layer[w] = layer[v]! + 1;
        if (--remaining[w]! === 0) stack[sp++] = w;
      }
    }
  }
  // sources move down next to their nearest consumer
  for (let v = 0; v < n; v++) {
    if (dagIn[v] !== 0 || dOutStart[v + 1] === dOutStart[v]) continue;
    let min = Infinity;
    for (let i = dOutStart[v]!; i < dOutStart[v + 1]!; i++) min = Math.min(min, layer[b[dOut[i]!]!]!);
    layer[v] = min - 1;
  }
  let layerCount = 0;
  for (let v = 0; v < n; v++) if (layer[v]! + 1 > layerCount) layerCount = layer[v]! + 1;

  // ---- 3. dummies for long edges (within a budget) ----
  let dummyBudget = 4 * n + 2 * m + 1000;
  const chainStart = new Int32Array(m + 1);
  for (let e = 0; e < m; e++) {
    const span = layer[b[e]!]! - layer[a[e]!]!;
    let d = 0;
    if (span > 1 && span - 1 <= MAX_SPAN_WITH_DUMMIES && dummyBudget >= span - 1) {
      d = span - 1;
      dummyBudget -= d;
    }
    chainStart[e + 1] = chainStart[e]! + d;
  }
  const dummyCount = chainStart[m]!;
  const total = n + dummyCount;
  const fullLayer = new Int32Array(total);
  fullLayer.set(layer);
  const chain = new Int32Array(dummyCount);
  const sortKey = new Float64Array(total); // initial order key
  for (let v = 0; v < n; v++) sortKey[v] = topoRank[v]!;
  // segments: count first
  let segCount = 0;
  for (let e = 0; e < m; e++) {
    if (a[e] === b[e]) continue;
    const span = layer[b[e]!]! - layer[a[e]!]!;
    const d = chainStart[e + 1]! - chainStart[e]!;
    if (d > 0) segCount += d + 1;
    else if (span === 1) segCount++;
  }
  const segA = new Int32Array(segCount);
  const segB = new Int32Array(segCount);
  {
    let s = 0;
    for (let e = 0; e < m; e++) {
      if (a[e] === b[e]) continue;
      const la = layer[a[e]!]!;
      const span = layer[b[e]!]! - la;
      const d = chainStart[e + 1]! - chainStart[e]!;
      if (d > 0) {
        // dummies in DAG direction a -> b; chain stored in original direction src -> dst
        let prev = a[e]!;
        for (let k = 0; k < d; k++) {
          const id = n + chainStart[e]! + k;
          fullLayer[id] = la + 1 + k;
          sortKey[id] = topoRank[a[e]!]! + 0.5;
          segA[s] = prev;
          segB[s++] = id;
          prev = id;
        }
        segA[s] = prev;
        segB[s++] = b[e]!;
        for (let k = 0; k < d; k++) {
          chain[chainStart[e]! + k] = reversed[e] ? n + chainStart[e]! + (d - 1 - k) : n + chainStart[e]! + k;
        }
      } else if (span === 1) {
        segA[s] = a[e]!;
        segB[s++] = b[e]!;
      }
    }
  }
  const downStart = new Int32Array(total + 1);
  const upStart = new Int32Array(total + 1);
  for (let s = 0; s < segCount; s++) {
    downStart[segA[s]! + 1]!++;
    upStart[segB[s]! + 1]!++;
  }
  for (let i = 0; i < total; i++) {
    downStart[i + 1]! += downStart[i]!;
    upStart[i + 1]! += upStart[i]!;
  }
  const down = new Int32Array(segCount);
  const up = new Int32Array(segCount);
  {
    const fd = downStart.slice(0, total);
    const fu = upStart.slice(0, total);
    for (let s = 0; s < segCount; s++) {
      down[fd[segA[s]!]!++] = segB[s]!;
      up[fu[segB[s]!]!++] = segA[s]!;
    }
  }

  // ---- layers: initial order by topological rank (depth-first, keeps chains together) ----
  const layerStart = new Int32Array(layerCount + 1);
  for (let v = 0; v < total; v++) layerStart[fullLayer[v]! + 1]!++;
  for (let l = 0; l < layerCount; l++) layerStart[l + 1]! += layerStart[l]!;
  const layerVerts = new Int32Array(total);
  {
    const fill = layerStart.slice(0, layerCount);
    for (let v = 0; v < total; v++) layerVerts[fill[fullLayer[v]!]!++] = v;
  }
  const pos = new Float64Array(total);
  const sortLayer = (l: number, key: Float64Array) => {
    const s = layerStart[l]!;
    const e = layerStart[l + 1]!;
    if (e - s < 2) {
      if (e - s === 1) pos[layerVerts[s]!] = 0;
      return;
    }
    const slice = Array.from(layerVerts.subarray(s, e));
    slice.sort((p, q) => key[p]! - key[q]! || pos[p]! - pos[q]!);
    for (let i = 0; i < slice.length; i++) {
      layerVerts[s + i] = slice[i]!;
      pos[slice[i]!] = i;
    }
  };
  for (let l = 0; l < layerCount; l++) sortLayer(l, sortKey);

  // ---- 4. barycenter sweeps ----
  const bary = new Float64Array(total);
  const rounds = sweeps ?? (total > 50_000 ? 2 : 4);
  const sweep = (downward: boolean) => {
    const adjStart = downward ? upStart : downStart;
    const adj = downward ? up : down;
    for (let k = 1; k < layerCount; k++) {
      const l = downward ? k : layerCount - 1 - k;
      for (let i = layerStart[l]!; i < layerStart[l + 1]!; i++) {
        const v = layerVerts[i]!;
        const s = adjStart[v]!;
        const e = adjStart[v + 1]!;
        if (e === s) {
          bary[v] = pos[v]!;
          continue;
        }
        let sum = 0;
        for (let j = s; j < e; j++) sum += pos[adj[j]!]!;
        bary[v] = sum / (e - s);
      }
      sortLayer(l, bary);
    }
  };
  for (let r = 0; r < rounds; r++) {
    sweep(true);
    sweep(false);
  }
  if (rounds > 0) sweep(true);

  return {
    n,
    total,
    layerCount,
    layer: fullLayer,
    layerStart,
    layerVerts,
    upStart,
    up,
    downStart,
    down,
    chainStart,
    chain,
    reversed,
  };
}

/**
 * Step 5: coordinates for given sizes. `w`/`h` hold the n real vertices' sizes. Returns top-left
 * corners, the bounding size (origin at 0,0) and the waypoints of every input edge.
 */
export function placeLayered(
  s: LayeredStructure,
  w: ArrayLike<number>,
  h: ArrayLike<number>,
  options: LayeredOptions = {},
): LayeredPlacement {
  const nodeGap = options.nodeGap ?? 24;
  const laneGap = options.laneGap ?? 8;
  const layerGap = options.layerGap ?? 36;
  const { n, total, layerCount, layerStart, layerVerts } = s;
  const width = (v: number) => (v < n ? w[v]! : 0);

  // y: bands
  const bandTop = new Float64Array(layerCount + 1);
  const bandH = new Float64Array(layerCount);
  for (let v = 0; v < n; v++) {
    const l = s.layer[v]!;
    if (h[v]! > bandH[l]!) bandH[l] = h[v]!;
  }
  for (let l = 0; l < layerCount; l++) {
    if (bandH[l] === 0) bandH[l] = 8;
    bandTop[l + 1] = bandTop[l]! + bandH[l]! + layerGap;
  }

  // x: centres. Initial packing, centred around 0.
  const cx = new Float64Array(total);
  const minSep = (p: number, q: number) => (width(p) + width(q)) / 2 + (p < n && q < n ? nodeGap : laneGap);
  for (let l = 0; l < layerCount; l++) {
    const a = layerStart[l]!;
    const b = layerStart[l + 1]!;
    let x = 0;
    for (let i = a; i < b; i++) {
      if (i > a) x += minSep(layerVerts[i - 1]!, layerVerts[i]!);
      cx[layerVerts[i]!] = x;
    }
    const shift = x / 2;
    for (let i = a; i < b; i++) cx[layerVerts[i]!]! -= shift;
  }

  // Per layer: targets from the neighbours in the previous layer, solved by weighted PAV.
  let maxLayer = 0;
  for (let l = 0; l < layerCount; l++) maxLayer = Math.max(maxLayer, layerStart[l + 1]! - layerStart[l]!);
  const target = new Float64Array(maxLayer);
  const weight = new Float64Array(maxLayer);
  const offset = new Float64Array(maxLayer);
  const blockW = new Float64Array(maxLayer);
  const blockM = new Float64Array(maxLayer);
  const blockEnd = new Int32Array(maxLayer);
  // Leaves (a constant feeding one node, an output read by nobody) follow their neighbour but do
  // not pull it: otherwise a chain with a constant beside every node drifts sideways.
  const leaf = new Uint8Array(total);
  for (let v = 0; v < n; v++) {
    const up = s.upStart[v + 1]! - s.upStart[v]!;
    const down = s.downStart[v + 1]! - s.downStart[v]!;
    if ((up === 0 && down === 1) || (down === 0 && up === 1)) leaf[v] = 1;
  }
  const placeLayer = (l: number, adjStart: Int32Array, adj: Int32Array) => {
    const a = layerStart[l]!;
    const cnt = layerStart[l + 1]! - a;
    if (cnt === 0) return;
    let off = 0;
    for (let i = 0; i < cnt; i++) {
      const v = layerVerts[a + i]!;
      if (i > 0) off += minSep(layerVerts[a + i - 1]!, v);
      offset[i] = off;
      const s0 = adjStart[v]!;
      const s1 = adjStart[v + 1]!;
      if (s1 > s0) {
        let sum = 0;
        let wsum = 0;
        let dummyNeighbour = false;
        for (let j = s0; j < s1; j++) {
          const u = adj[j]!;
          const wu = leaf[u] && s1 - s0 > 1 ? 0.02 : 1;
          sum += cx[u]! * wu;
          wsum += wu;
          if (u >= n) dummyNeighbour = true;
        }
        target[i] = sum / wsum - off;
        weight[i] = v >= n ? (dummyNeighbour ? 8 : 2) : 1;
      } else {
        target[i] = cx[v]! - off;
        weight[i] = 0.05;
      }
    }
    // pool adjacent violators: z non-decreasing, minimise sum weight*(z - target)^2
    let top = -1;
    for (let i = 0; i < cnt; i++) {
      top++;
      blockW[top] = weight[i]!;
      blockM[top] = target[i]!;
      blockEnd[top] = i;
      while (top > 0 && blockM[top - 1]! > blockM[top]!) {
        const W = blockW[top - 1]! + blockW[top]!;
        blockM[top - 1] = (blockM[top - 1]! * blockW[top - 1]! + blockM[top]! * blockW[top]!) / W;
        blockW[top - 1] = W;
        blockEnd[top - 1] = blockEnd[top]!;
        top--;
      }
    }
    let i = 0;
    for (let k = 0; k <= top; k++) {
      for (; i <= blockEnd[k]!; i++) cx[layerVerts[a + i]!] = blockM[k]! + offset[i]!;
    }
  };
  const passes = total > 50_000 ? 3 : 5;
  for (let p = 0; p < passes; p++) {
    if (p % 2 === 0) for (let l = 1; l < layerCount; l++) placeLayer(l, s.upStart, s.up);
    else for (let l = layerCount - 2; l >= 0; l--) placeLayer(l, s.downStart, s.down);
  }

  // normalise to a 0,0 origin
  let minX = Infinity;
  let maxX = -Infinity;
  for (let v = 0; v < total; v++) {
    const half = width(v) / 2;
    if (cx[v]! - half < minX) minX = cx[v]! - half;
    if (cx[v]! + half > maxX) maxX = cx[v]! + half;
  }
  if (!Number.isFinite(minX)) {
    minX = 0;
    maxX = 0;
  }
  const x = new Float32Array(n);
  const y = new Float32Array(n);
  for (let v = 0; v < n; v++) {
    const l = s.layer[v]!;
    x[v] = cx[v]! - w[v]! / 2 - minX;
    y[v] = bandTop[l]! + (bandH[l]! - h[v]!) / 2;
  }
  const m = s.chainStart.length - 1;
  const routeStart = s.chainStart;
  const points = new Float32Array(s.chain.length * 2);
  for (let e = 0; e < m; e++) {
    for (let k = routeStart[e]!; k < routeStart[e + 1]!; k++) {
      const d = s.chain[k]!;
      const l = s.layer[d]!;
      points[2 * k] = cx[d]! - minX;
      points[2 * k + 1] = bandTop[l]! + bandH[l]! / 2;
    }
  }
  return {
    x,
    y,
    width: maxX - minX,
    height: layerCount > 0 ? bandTop[layerCount]! - layerGap : 0,
    routeStart,
    points,
  };
}
