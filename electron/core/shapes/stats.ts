/**
 * Model statistics accumulated node by node: totals, a per-op-type table, and an activation
 * memory estimate. The traverser feeds it after inferring each node (params are the element
 * counts of the initializers the node reads, counted once per initializer by the traverser).
 *
 * Activation memory: `activationBytes` sums every node output once (what a runtime that keeps
 * everything alive would need); `largestActivationBytes` is the biggest single tensor. Dynamic
 * dims count as 1 and clear `exact`, as in cost.ts.
 */
import { tensorBytes } from './cost';
import { dtypeBits } from '../onnx/dtypes';
import type { NodeCost, TensorType } from './types';

export interface OpTypeStats {
  /** 'Conv', or 'com.microsoft::Attention' for other domains. */
  op: string;
  count: number;
  macs: number;
  flops: number;
  params: number;
  exact: boolean;
}

export interface ModelStats {
  nodes: number;
  params: number;
  macs: number;
  flops: number;
  activationBytes: number;
  largestActivationBytes: number;
  /** False when some dim was dynamic or unknown (figures are then per unit of each dynamic dim). */
  exact: boolean;
  /** Sorted by FLOPs, then count. */
  perOpType: OpTypeStats[];
}

export class StatsAccumulator {
  private readonly byOp = new Map<string, OpTypeStats>();
  private nodes = 0;
  private params = 0;
  private macs = 0;
  private flops = 0;
  private activationBytes = 0;
  private largest = 0;
  private exact = true;

  /** Records one node: its cost, the parameters it owns, and its output types. */
  addNode(
    op: string,
    domain: string,
    cost: NodeCost,
    params: number,
    outputs: readonly (TensorType | undefined)[],
  ): void {
    const key = domain === '' || domain === 'ai.onnx' ? op : domain + '::' + op;
    let s = this.byOp.get(key);
    if (!s) {
      s = { op: key, count: 0, macs: 0, flops: 0, params: 0, exact: true };
      this.byOp.set(key, s);
    }
    s.count++;
    s.macs += cost.macs;
    s.flops += cost.flops;
    s.params += params;
    if (!cost.exact) s.exact = false;
    this.nodes++;
    this.params += params;
    this.macs += cost.macs;
    this.flops += cost.flops;
    if (!cost.exact) this.exact = false;
    for (const t of outputs) {
      if (!t) {
        this.exact = false;
        continue;
      }
      const b = tensorBytes(t, dtypeBits(t.dtype));
      if (!b.exact) this.exact = false;
      this.activationBytes += b.bytes;
      if (b.bytes > this.largest) this.largest = b.bytes;
    }
  }

  result(): ModelStats {
    const perOpType = [...this.byOp.values()].sort((a, b) => b.flops - a.flops || b.count - a.count);
    return {
      nodes: this.nodes,
      params: this.params,
      macs: this.macs,
      flops: this.flops,
      activationBytes: this.activationBytes,
      largestActivationBytes: this.largest,
      exact: this.exact,
      perOpType: perOpType.map((s) => ({ ...s })),
    };
  }
}
