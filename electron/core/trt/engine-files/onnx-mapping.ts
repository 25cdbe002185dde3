/**
 * Maps engine layers back to the ONNX nodes they came from (by Metadata names, ForeignNode ranges
 * or plain names), and says why each name that matches no node does not: a TensorRT-internal name,
 * a tensor name, or one the model does not have. Nothing is dropped silently.
 */
import type { EngineLayerInfo } from './types';
import { Warnings } from './warnings';

export type UnmappedReason = 'not-in-model' | 'trt-internal' | 'tensor-name';

export interface UnmappedName {
  layerIndex: number;
  layerName: string;
  /** The name the layer mentions that matches no ONNX node. */
  name: string;
  reason: UnmappedReason;
}

export interface LayerOnnxMapping {
  layerIndex: number;
  layerName: string;
  /** ONNX node indices the layer covers, ascending. */
  nodes: number[];
  /** How: Metadata names, a ForeignNode range (plus any plain names), plain names, or nothing matched. */
  via: 'metadata' | 'range' | 'name' | 'none';
  unmappedNames: string[];
}

export interface OnnxMapping {
  layers: LayerOnnxMapping[];
  /** Every name some layer mentions that matches no ONNX node; nothing is dropped silently. */
  unmapped: UnmappedName[];
  /** For each ONNX node, the layers covering it. */
  nodeLayers: number[][];
  /** ONNX nodes no layer covers (folded constants, eliminated no-ops, or unparseable names). */
  uncoveredNodes: number[];
  warnings: string[];
}

export interface MapToOnnxOptions {
  /**
   * Each node's output tensor names: an unnamed node is known to TensorRT as
   * "node_of_<first output>" (onnx-tensorrt's getNodeName).
   */
  nodeOutputs?: ReadonlyArray<ReadonlyArray<string> | undefined>;
  /** Tensor names (initializers, values): fused QAT names mention weights such as "conv1.weight". */
  tensorNames?: Iterable<string>;
}

const TRT_INTERNAL_PATTERNS = [
  /^\(Unnamed Layer\* ?\d+\)/,
  /^__myl_/,
  /_myl\d+_\d+$/,
  /^ONNXTRT_/,
  /_after_/,
  /^Reformatted (?:Input|Output) Tensor /,
  / copy$/,
];

/**
 * Maps engine layers to ONNX node indices. Metadata names and plain names match node names exactly;
 * a ForeignNode range covers every node from its first to its last name in `topoOrder` (node ids
 * in order; default: node list order, which ONNX requires to be topological). A range over list
 * order may take in nodes of parallel branches that other layers also cover; `nodeLayers` shows
 * such sharing.
 */
export function mapToOnnx(
  info: Pick<EngineLayerInfo, 'layers'>,
  onnxNodeNames: readonly string[],
  topoOrder?: ArrayLike<number>,
  options: MapToOnnxOptions = {},
): OnnxMapping {
  const n = onnxNodeNames.length;
  const warnings = new Warnings();
  const byName = new Map<string, number[]>();
  const add = (name: string, id: number) => {
    const list = byName.get(name);
    if (list) list.push(id);
    else byName.set(name, [id]);
  };
  for (let i = 0; i < n; i++) {
    const name = onnxNodeNames[i] ?? '';
    if (name) add(name, i);
    else {
      const first = options.nodeOutputs?.[i]?.[0];
      if (first) add(`node_of_${first}`, i);
    }
  }
  const duplicates = [...byName].filter(([, ids]) => ids.length > 1);
  if (duplicates.length > 0) {
    warnings.add(
      `${duplicates.length} ONNX node names are used more than once (e.g. "${duplicates[0]?.[0]}"); a layer naming one covers all`,
    );
  }

  // Position of each node in the order ranges follow.
  let order: number[] = [];
  if (topoOrder !== undefined) {
    const seen = new Uint8Array(n);
    let valid = true;
    for (let k = 0; k < topoOrder.length; k++) {
      const id = topoOrder[k] as number;
      if (!Number.isInteger(id) || id < 0 || id >= n || seen[id]) {
        valid = false;
        break;
      }
      seen[id] = 1;
      order.push(id);
    }
    if (!valid) {
      warnings.add('topoOrder is not a list of distinct node indices; ranges follow node list order');
      order = [];
    }
  }
  if (order.length === 0) order = Array.from({ length: n }, (_, i) => i);
  const position = new Int32Array(n).fill(-1);
  order.forEach((id, k) => (position[id] = k));

  const tensorNames = new Set(options.tensorNames ?? []);
  const reasonFor = (name: string): UnmappedReason =>
    tensorNames.has(name)
      ? 'tensor-name'
      : TRT_INTERNAL_PATTERNS.some((re) => re.test(name))
        ? 'trt-internal'
        : 'not-in-model';

  const nodeLayers: number[][] = Array.from({ length: n }, () => []);
  const unmapped: UnmappedName[] = [];
  const layers: LayerOnnxMapping[] = [];

  for (const layer of info.layers) {
    const nodes = new Set<number>();
    const missing: string[] = [];
    const resolve = (name: string): boolean => {
      const ids = byName.get(name);
      if (!ids) {
        if (!missing.includes(name)) missing.push(name);
        return false;
      }
      for (const id of ids) nodes.add(id);
      return true;
    };
    let via: LayerOnnxMapping['via'] = 'none';
    if (layer.onnxNamesFrom === 'metadata') {
      for (const name of layer.onnxNames) resolve(name);
      via = 'metadata';
    } else {
      const endpoints = new Set<string>();
      let expanded = false;
      for (const range of layer.ranges) {
        endpoints.add(range.first);
        endpoints.add(range.last);
        const firstIds = (byName.get(range.first) ?? []).filter((id) => position[id] !== -1);
        const lastIds = (byName.get(range.last) ?? []).filter((id) => position[id] !== -1);
        if (firstIds.length === 0 || lastIds.length === 0) {
          resolve(range.first);
          resolve(range.last);
          warnings.add(
            `layer ${layer.index} (${layer.name}): range end "${firstIds.length === 0 ? range.first : range.last}" is not an ONNX node; only the other end is mapped`,
          );
          continue;
        }
        let from = Math.min(...firstIds.map((id) => position[id] as number));
        let to = Math.max(...lastIds.map((id) => position[id] as number));
        if (from > to) {
          warnings.add(
            `layer ${layer.index} (${layer.name}): range "${range.first}" … "${range.last}" runs backwards; covering the span between them`,
          );
          [from, to] = [to, from];
        }
        for (let k = from; k <= to; k++) nodes.add(order[k] as number);
        expanded = true;
      }
      for (const name of layer.onnxNames) if (!endpoints.has(name)) resolve(name);
      if (expanded) via = 'range';
      else if (layer.onnxNames.length > 0) via = 'name';
    }
    if (nodes.size === 0) via = 'none';
    const sorted = [...nodes].sort((a, b) => a - b);
    for (const id of sorted) nodeLayers[id]?.push(layer.index);
    for (const name of missing)
      unmapped.push({ layerIndex: layer.index, layerName: layer.name, name, reason: reasonFor(name) });
    layers.push({ layerIndex: layer.index, layerName: layer.name, nodes: sorted, via, unmappedNames: missing });
  }

  const uncoveredNodes: number[] = [];
  nodeLayers.forEach((l, id) => {
    if (l.length === 0) uncoveredNodes.push(id);
  });
  return { layers, unmapped, nodeLayers, uncoveredNodes, warnings: warnings.done() };
}
