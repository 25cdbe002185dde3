/**
 * Step 1 of INT8: the model made ready to quantize, every change exact in float. The ai.onnx opset
 * is raised to 13 when it is lower (DequantizeLinear's per-channel `axis` needs 13); Constant nodes
 * become initializers; BatchNormalization and constant affines fold into the Conv before (weights
 * are quantized after folding, as TensorRT and onnxruntime's pre-processing do) and hard-sigmoids
 * fuse (folds.ts); for TensorRT, Conv inputs are equalized per channel (equalize.ts), on ranges
 * measured for it.
 */
import type { ModelAnalysis } from '../../onnx/analyze';
import { f32Tensor, i64Tensor, isDefaultDomain } from '../../onnx/graph-edit';
import type { AttributeProto, ModelProto, NodeProto, TensorProto } from '../../onnx/model';
import { upgradeToOpset13 } from '../../onnx/opset';
import { writeModelFile } from '../../onnx/write';
import { collectActivationStats } from '../calibrate';
import { equalizationCandidates, equalizeChannels } from '../equalize';
import { foldAffineIntoConvs, foldAffineIntoNextConvs, foldBatchNorms, fuseHardSigmoids } from '../folds';
import { measured } from './measure';
import type { Int8Options, Int8Result } from './types';

/** Main-graph Constant nodes holding a tensor (or a float/int list) become initializers. */
export function constantsToInitializers(model: ModelProto): number {
  const g = model.graph;
  if (!g) return 0;
  let n = 0;
  const kept: NodeProto[] = [];
  const outputs = new Set(g.output.map((v) => v.name));
  for (const node of g.node) {
    const out = node.output[0];
    if (
      node.opType !== 'Constant' ||
      !isDefaultDomain(node) ||
      !out ||
      outputs.has(out) ||
      node.attribute.length !== 1
    ) {
      kept.push(node);
      continue;
    }
    const a = node.attribute[0] as AttributeProto;
    let t: TensorProto | undefined;
    if (a.name === 'value' && a.t) t = { ...a.t, name: out };
    else if (a.name === 'value_float' && a.f !== undefined) t = f32Tensor(out, [], [a.f]);
    else if (a.name === 'value_floats' && a.floats) t = f32Tensor(out, [a.floats.length], a.floats);
    else if (a.name === 'value_int' && a.i !== undefined) t = { ...i64Tensor(out, [a.i]), dims: [] };
    else if (a.name === 'value_ints' && a.ints) t = i64Tensor(out, a.ints);
    if (!t) {
      kept.push(node);
      continue;
    }
    delete t.nameId;
    g.initializer.push(t);
    n++;
  }
  g.node = kept;
  return n;
}

/** What prepareGraph changed: the opset conversion and the counts Int8Result['prepared'] reports. */
export interface PreparedGraph {
  opset: Int8Result['opset'];
  prepared: Omit<Int8Result['prepared'], 'channelsEqualized'>;
}

/**
 * Raises the opset, turns constants into initializers and makes the exact rewrites, in `a`'s model
 * (in place); what changed goes to `notes`. Throws UNSUPPORTED where the opset cannot be raised.
 */
export function prepareGraph(a: ModelAnalysis, opts: Int8Options, notes: string[]): PreparedGraph {
  const opset = upgradeToOpset13(a);
  if (opset.from < 13)
    notes.push(
      `opset raised from ${opset.from} to 13 (${opset.converted.length} node${opset.converted.length === 1 ? '' : 's'} converted)`,
    );
  const model = a.opened.model;
  const constants = constantsToInitializers(model);
  const source = { path: a.opened.path, bytes: a.opened.bytes };
  const folded = foldBatchNorms(model, source);
  // Hard-sigmoids first: folding their "+3" into a Conv's bias would hide the pattern.
  const hardSigmoids = fuseHardSigmoids(model, source);
  const affine = foldAffineIntoConvs(model, source);
  // A transposed convolution's bias written as an Add hid the BatchNormalization after it.
  const foldedAfter = foldBatchNorms(model, source);
  // For ONNX Runtime only. TensorRT fuses the affine into the Conv before by itself, and its
  // symmetric INT8 reads s·h + t better than h: a hard-swish's output is lopsided (≥ −0.375), the
  // shift centres it (measured: PP-OCRv4 det held-back cosine 0.985 with it, 0.968 folded).
  const forward =
    opts.flavour === 'onnxruntime'
      ? foldAffineIntoNextConvs(model, source, { asBatchNorm: true })
      : { folded: 0, batchNorms: 0 };
  const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
  const rewrites = [
    affine && `${plural(affine, 'Mul/Add')} folded into the Conv before`,
    forward.folded && `${plural(forward.folded, 'affine')} after an activation folded into the Convs after`,
    forward.batchNorms &&
      `${plural(forward.batchNorms, 'Mul→Add pair')} before padded Convs made one BatchNormalization`,
    foldedAfter && `${plural(foldedAfter, 'more BatchNormalization', 'more BatchNormalizations')} folded`,
    hardSigmoids && `${plural(hardSigmoids, 'Add→Clip→Div hard-sigmoid')} fused into HardSigmoid`,
  ].filter((x): x is string => typeof x === 'string');
  if (rewrites.length > 0) notes.push(`exact rewrites before quantizing: ${rewrites.join(', ')}`);
  return {
    opset,
    prepared: {
      constantsToInitializers: constants,
      batchNormsFolded: folded + foldedAfter,
      affineFolded: affine,
      hardSigmoidsFused: hardSigmoids,
    },
  };
}

/**
 * Equalizes Conv inputs per channel in `a`'s model (in place) when the options ask for it (by
 * default for TensorRT), measuring their channel ranges on the model written to `prepPath`.
 * Returns the tensors equalized.
 */
export async function equalizeInputs(
  a: ModelAnalysis,
  opts: Int8Options,
  prepPath: string,
  progress: (f: number, stage: string) => void,
  notes: string[],
): Promise<string[]> {
  const model = a.opened.model;
  const source = { path: a.opened.path, bytes: a.opened.bytes };
  let equalized: string[] = [];
  if (opts.equalize ?? opts.flavour === 'tensorrt') {
    const excludedOps = new Set(opts.exclude?.ops ?? []);
    const excludedNodes = new Set(opts.exclude?.nodes ?? []);
    const candidates = equalizationCandidates(model, (c) => !excludedOps.has(c.opType) && !excludedNodes.has(c.name));
    if (candidates.length > 0) {
      // One max-only pass for the per-channel ranges, on the folded model (written only when measured).
      const names = candidates.map((c) => c.tensor);
      const channelStats = await measured(opts.reuse?.channels, names, () => {
        writeModelFile(model, prepPath, { source: a.opened.bytes });
        return collectActivationStats(prepPath, opts.data, {
          tensors: names,
          channels: names,
          ...(opts.signal ? { signal: opts.signal } : {}),
          onProgress: (f) => progress(0.05 * f, 'Measuring channel ranges'),
        });
      });
      equalized = equalizeChannels(model, source, candidates, channelStats);
      if (equalized.length > 0)
        notes.push(
          `${equalized.length} Conv input${equalized.length === 1 ? '' : 's'} equalized per channel before quantizing (the scale moved into the ops before, exact in float)`,
        );
    }
  }
  return equalized;
}
