/**
 * What the engine host can do. Each job takes validated params and a context for progress and
 * cancellation. Front doors resolve uploads to paths before a job gets here.
 */
import { z } from 'zod';
import { KilnError } from '../shared/api/errors';
import { MAX_MODEL_FILE_BYTES } from '../shared/api/sources';
import { throwIfCancelled, type JobContext } from '../core/jobs/context';
import { analyzeModelCached, modelStructureCached, summarizeModel } from '../core/onnx/analyze';
import { nodeDetails } from '../core/graph/node-details';
import { checkModel } from '../core/trt/check';
import { checkPayload } from '../core/trt/check-payload';
import { predictFusions } from '../core/trt/fusion';
import { engineView } from '../core/trt/engine-view';
import { diffEngineFiles, readEngineFiles } from '../core/trt/engine-import';
import { makeVariant } from '../core/precision/variants';
import { compareModels } from '../core/compare/compare';
import { searchMixed } from '../core/compare/search';
import { probeNative } from '../core/native/probe';
import { encodedNames } from '../core/graph/from-wire';
import { graphPayloadForFile } from '../core/graph/load';
import { diffFiles } from '../core/diff/diff-files';
import { encodeGraphPayload } from '../shared/api/graph-codec';
import { trace } from '../platform/trace';
import { repliesOut } from './outbox';
import type { HostJob } from '../shared/host-messages';
import { ImagePreprocessSchema, RecipeSchema } from '../shared/api/variants';
import { BuildOptionsSchema, ProfileOptionsSchema } from '../shared/api/backends';
import { TrtMajorSchema, TrtMinorSchema } from '../shared/api/tensorrt';
import { ThresholdsSchema } from '../shared/compare/thresholds';
import type { ImagePreprocess } from '../shared/api/variants';
import type { BuildInfo } from '../shared/api/backends';
import type { InputData } from '../core/inputs/feeds';
import { filesAsData } from '../core/inputs/files';
import type { BuildArtifact } from '../core/backends/backend';
import { backendFor, backendNamed, buildWith } from '../core/backends/registry';
import { exportModel } from '../core/export/export-model';
import { trustEngine } from '../core/backends/tensorrt/engine-gate';
import { editModelFile } from '../core/edit/version';
import { fixModelFile } from '../core/edit/fix';
import { EditSchema } from '../shared/api/edits';

const OpenParams = z.object({ path: z.string().min(1), displayName: z.string().min(1) });
const GraphParams = OpenParams.extend({
  graph: z.number().int().min(0).default(0),
  shapes: z.boolean().default(false),
  /** A browser-mode upload still on its way: read and scanned as it arrives (onnx/arriving-file.ts). */
  arriving: z
    .object({
      partPath: z.string().min(1),
      bytes: z.number().int().min(1).max(MAX_MODEL_FILE_BYTES),
    })
    .strict()
    .optional(),
});
const NodeParams = OpenParams.extend({ node: z.number().int().min(0), graph: z.number().int().min(0).default(0) });
const CheckParams = OpenParams.extend({ trt: TrtMajorSchema, minor: TrtMinorSchema.optional() });
const DiffParams = z.object({ a: OpenParams, b: OpenParams });
const ImportParams = OpenParams.extend({ files: z.array(OpenParams).min(1) });
const EngineDiffParams = OpenParams.extend({ imports: z.array(z.array(OpenParams).min(1)).min(2).max(4) });
const EditParams = OpenParams.extend({
  edits: z.array(EditSchema).min(1),
  trt: TrtMajorSchema.optional(),
  inputPaths: z.array(z.string()).default([]),
});
const FixParams = OpenParams.extend({
  trt: TrtMajorSchema,
  shapes: z.record(z.string(), z.array(z.number().int().min(0))).default({}),
  inputPaths: z.array(z.string()).default([]),
});
const TrustParams = OpenParams.extend({ confirm: z.literal(true) });
const VariantParams = OpenParams.extend({ recipe: RecipeSchema, calibrationPaths: z.array(z.string()).default([]) });
const CompareParams = OpenParams.extend({
  variants: z.array(OpenParams.extend({ id: z.string() })).min(1),
  samples: z.number().int().min(1),
  seed: z.number().int(),
  shapes: z.record(z.string(), z.array(z.number().int())),
  thresholds: ThresholdsSchema,
  layerwise: z.boolean(),
  inputPaths: z.array(z.string()).default([]),
  preprocess: ImagePreprocessSchema.prefault({}),
  judge: z.array(z.string()).default([]),
  stream: z.array(z.object({ output: z.string(), input: z.string() })).default([]),
});
const ExportParams = OpenParams.extend({
  build: BuildOptionsSchema,
  target: z.enum(['triton', 'engine']),
  name: z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/),
  maxBatchSize: z.number().int().min(0),
  dynamicBatching: z.boolean(),
  instances: z.number().int().min(1),
  kind: z.enum(['gpu', 'cpu']),
});
const SearchParams = OpenParams.extend({
  base: RecipeSchema,
  thresholds: ThresholdsSchema,
  samples: z.number().int().min(1),
  seed: z.number().int(),
  shapes: z.record(z.string(), z.array(z.number().int())),
  inputPaths: z.array(z.string()).default([]),
  preprocess: ImagePreprocessSchema.prefault({}),
  judge: z.array(z.string()).default([]),
  stream: z.array(z.object({ output: z.string(), input: z.string() })).default([]),
  calibrationPaths: z.array(z.string()).default([]),
});

/** Real inputs for a comparison: images (preprocessed to the shapes) or .npy/.npz, none for seeded data. */
function realInputs(
  paths: string[],
  preprocess: ImagePreprocess,
  shapes: Record<string, number[]>,
): InputData | undefined {
  return paths.length === 0 ? undefined : filesAsData(paths, preprocess, shapes);
}
const BuildParams = OpenParams.extend({ build: BuildOptionsSchema });
const ProfileParams = OpenParams.extend({
  build: BuildOptionsSchema,
  profile: ProfileOptionsSchema.omit({ inputs: true }).extend({ inputFile: z.string().optional() }),
});

/** What the UI and CLI need to know about a build: the fused nodes, not the whole node map. */
function buildInfo(a: BuildArtifact): BuildInfo {
  return {
    backend: a.backend,
    backendVersion: a.backendVersion,
    device: a.device,
    modelSha256: a.modelSha256,
    artifactBytes: a.artifactBytes,
    buildMs: a.buildMs,
    cached: a.cached,
    optimizationLevel: backendNamed(a.backend).optimizationLabel(a.options),
    nodes: a.nodeMap.length,
    fusedNodes: a.nodeMap.filter((m) => m.originals.length > 1),
    warnings: a.warnings ?? [],
  };
}

const DiagnoseParams = z.object({
  ms: z.number().int().min(0),
  crash: z.enum(['none', 'exit', 'throw', 'hang', 'slow-cancel']),
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const jobs: Record<HostJob, (params: unknown, ctx: JobContext) => Promise<unknown>> = {
  'model.open': async (raw, ctx) => {
    const params = OpenParams.parse(raw);
    ctx.progress({ fraction: null, stage: `Reading ${params.displayName}` });
    // The read is shared with model.graph, which the app asks first: its payload leaves before
    // shape inference holds this process.
    await modelStructureCached(params.path, params.displayName);
    await repliesOut();
    const summary = await summarizeModel(params.path, params.displayName);
    throwIfCancelled(ctx, 'Opening the model');
    return summary;
  },

  'model.graph': async (raw, ctx) => {
    const params = GraphParams.parse(raw);
    ctx.progress({ fraction: null, stage: `Reading the graph of ${params.displayName}` });
    const payload = await graphPayloadForFile(params.path, params.displayName, params.graph, {
      shapes: params.shapes,
      ...(params.arriving ? { arriving: params.arriving } : {}),
      cancelled: () => (ctx.signal.aborted ? new KilnError('CANCELLED', 'Reading the graph was cancelled') : null),
    });
    throwIfCancelled(ctx, 'Reading the graph');
    // As bytes: the client reads them back (electron/shared/api/wire-replies.ts).
    const start = performance.now();
    const bytes = encodeGraphPayload(payload, encodedNames(payload));
    trace('graph-encoded', { ms: performance.now() - start, bytes: bytes.byteLength });
    return bytes;
  },

  'model.node': async (raw, ctx) => {
    const { path, displayName, node, graph } = NodeParams.parse(raw);
    ctx.progress({ fraction: null, stage: `Reading node ${node} of ${displayName}` });
    return nodeDetails(await analyzeModelCached(path, displayName), node, graph);
  },

  'model.check': async (raw, ctx) => {
    const { path, displayName, trt, minor } = CheckParams.parse(raw);
    ctx.progress({
      fraction: null,
      stage: `Checking ${displayName} against TensorRT ${trt}${minor === undefined ? '' : `.${minor}`}`,
    });
    const analysis = await analyzeModelCached(path, displayName);
    return checkPayload(checkModel(analysis, trt, minor), analysis.ir, predictFusions(analysis.ir, analysis.shapes));
  },

  'model.diff': async (raw, ctx) => {
    const { a, b } = DiffParams.parse(raw);
    return diffFiles(a, b, ctx);
  },

  'model.edit': async (raw, ctx) => {
    const { path, displayName, edits, trt, inputPaths } = EditParams.parse(raw);
    return editModelFile(path, displayName, { edits, inputPaths, ...(trt ? { trt } : {}) }, ctx);
  },

  'model.fix': async (raw, ctx) => {
    const { path, displayName, trt, shapes, inputPaths } = FixParams.parse(raw);
    return fixModelFile(path, displayName, { trt, shapes, inputPaths }, ctx);
  },

  'engine.import': async (raw, ctx) => {
    const { path, displayName, files } = ImportParams.parse(raw);
    ctx.progress({ fraction: null, stage: `Reading ${files.map((f) => f.displayName).join(', ')}` });
    const analysis = await analyzeModelCached(path, displayName);
    return engineView(analysis, await readEngineFiles(files));
  },

  'engine.diff': async (raw, ctx) => {
    const { path, displayName, imports } = EngineDiffParams.parse(raw);
    ctx.progress({ fraction: null, stage: `Lining up ${imports.length} engines of ${displayName}` });
    return diffEngineFiles(await analyzeModelCached(path, displayName), imports);
  },

  'engine.trust': async (raw, ctx) => {
    const { path, displayName } = TrustParams.parse(raw);
    ctx.progress({ fraction: null, stage: `Recording your trust in ${displayName}` });
    return trustEngine(path, displayName);
  },

  'variant.make': async (raw, ctx) => {
    const { path, displayName, recipe, calibrationPaths } = VariantParams.parse(raw);
    return makeVariant(path, displayName, recipe, ctx, { calibrationPaths });
  },

  'model.compare': async (raw, ctx) => {
    const p = CompareParams.parse(raw);
    return compareModels(
      { path: p.path, name: p.displayName, id: 'reference' },
      p.variants.map((v) => ({ path: v.path, name: v.displayName, id: v.id })),
      {
        samples: p.samples,
        seed: p.seed,
        shapes: p.shapes,
        thresholds: p.thresholds,
        layerwise: p.layerwise,
        data: realInputs(p.inputPaths, p.preprocess, p.shapes),
        judge: p.judge,
        stream: p.stream,
      },
      ctx,
    );
  },

  'model.build': async (raw, ctx) => {
    const { path, build } = BuildParams.parse(raw);
    return buildInfo(await buildWith(path, build, ctx));
  },

  'model.profile': async (raw, ctx) => {
    const { path, build, profile } = ProfileParams.parse(raw);
    const { backend, options } = backendFor(build);
    const artifact = await backend.build(path, options, ctx);
    throwIfCancelled(ctx, 'Profiling');
    const report = await backend.profile(artifact, profile, ctx);
    return { ...report, build: buildInfo(artifact) };
  },

  'model.export': async (raw, ctx) => {
    const p = ExportParams.parse(raw);
    return exportModel(p.path, p.displayName, p.build, p, ctx);
  },

  'variant.search': async (raw, ctx) => {
    const p = SearchParams.parse(raw);
    return searchMixed(
      { path: p.path, name: p.displayName },
      p.base,
      {
        samples: p.samples,
        seed: p.seed,
        shapes: p.shapes,
        thresholds: p.thresholds,
        data: realInputs(p.inputPaths, p.preprocess, p.shapes),
        judge: p.judge,
        stream: p.stream,
      },
      ctx,
      { calibrationPaths: p.calibrationPaths },
    );
  },

  'native.probe': async () => probeNative(),

  // A self-test that behaves like a long job; the crash modes let tests prove a dying host fails only its job.
  'host.diagnose': async (raw, ctx) => {
    const params = DiagnoseParams.parse(raw);
    const start = performance.now();
    if (params.crash === 'hang') {
      // Synchronous work that cannot hear a cancel, as a stuck parser or native call would be.
      ctx.progress({ fraction: null, stage: 'hanging' });
      await sleep(50);
      while (performance.now() - start < params.ms);
      return { pid: process.pid, ranMs: performance.now() - start };
    }
    if (params.crash === 'slow-cancel') {
      // Work that hears its cancel only when it ends, while the host goes on answering: a native
      // call on a worker thread, or a job on a loaded machine whose next check is far off.
      ctx.progress({ fraction: null, stage: 'working' });
      await sleep(params.ms);
      throwIfCancelled(ctx, 'host.diagnose');
      return { pid: process.pid, ranMs: performance.now() - start };
    }
    const step = 20;
    for (let t = 0; t < params.ms; t += step) {
      throwIfCancelled(ctx, 'host.diagnose');
      ctx.progress({ fraction: t / Math.max(1, params.ms), stage: 'diagnosing' });
      await sleep(Math.min(step, params.ms - t));
    }
    if (params.crash === 'exit') process.exit(3);
    if (params.crash === 'throw') {
      // An exception nobody catches, as a native crash would look from here.
      setImmediate(() => {
        throw new Error('simulated host crash');
      });
      await sleep(1_000);
    }
    return { pid: process.pid, ranMs: performance.now() - start };
  },
};
