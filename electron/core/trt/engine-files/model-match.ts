/**
 * Were these engine files built from the open model? trtexec files from another model import
 * without a single error (every name simply fails to map), so the share of the names the layers
 * mention that are the model's nodes (or its tensors: fused QAT names mention weights) is measured,
 * and a low share is said in words, loudly: the mapping and any comparison with the model's
 * predicted kernels would be about a different network.
 */
import type { OnnxMapping } from './onnx-mapping';
import type { EngineLayer } from './types';

export interface ModelMatch {
  /** Share of the model-like names the layers mention that the model has; null when they mention none. */
  share: number | null;
  ok: boolean;
  warning: string | null;
}

/** At or above this share the files are taken as built from the model. */
export const MATCH_OK = 0.8;

export function matchModel(layers: readonly EngineLayer[], mapping: OnnxMapping, modelName: string): ModelMatch {
  const missing = new Map<number, UnmappedCount>();
  for (const u of mapping.unmapped) {
    const c = missing.get(u.layerIndex) ?? { notInModel: 0, internal: 0 };
    if (u.reason === 'not-in-model') c.notInModel++;
    else if (u.reason === 'trt-internal') c.internal++;
    missing.set(u.layerIndex, c);
  }
  let mentioned = 0;
  let found = 0;
  for (const l of layers) {
    // A reformat names the layer it serves: counted there, not twice.
    if (l.isReformat) continue;
    const names = new Set(l.onnxNames); // what the mapping resolved: Metadata names, or the name's parts
    const c = missing.get(l.index) ?? { notInModel: 0, internal: 0 };
    const counted = names.size - c.internal; // TensorRT's own names say nothing about the model
    mentioned += counted;
    found += counted - c.notInModel;
  }
  if (mentioned === 0) return { share: null, ok: true, warning: null };
  const share = found / mentioned;
  if (share >= MATCH_OK) return { share, ok: true, warning: null };
  const pct = Math.round(share * 100);
  const warning =
    share < 0.5
      ? `These files do not look built from ${modelName}: only ${found} of ${mentioned} names their layers mention (${pct}%) are in it. Files from another model, or another export of it? The mapping is unreliable, and the engine is not compared with the model's predicted kernels.`
      : `These files only partly match ${modelName}: ${found} of ${mentioned} names their layers mention (${pct}%) are in it. Another export or version of the model? The unmapped names are listed, and the engine is not compared with the model's predicted kernels.`;
  return { share, ok: false, warning };
}

interface UnmappedCount {
  notInModel: number;
  internal: number;
}
