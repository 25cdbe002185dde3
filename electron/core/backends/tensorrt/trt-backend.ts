/**
 * The TensorRT backend: builds engines and profiles them through a plugin (real TensorRT 10/11, or
 * the fake in tests), cached like ONNX Runtime builds, each engine with its sidecar JSON and its
 * layer info mapped back to the ONNX nodes. Reports have the ONNX Runtime backend's shape.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KilnError } from '../../../shared/api/errors';
import { KILN_VERSION } from '../../../platform/version';
import { writeFileAtomic } from '../../../platform/atomic-write';
import { analyzeModel } from '../../onnx/analyze';
import { recipeOf } from '../../onnx/recipe-meta';
import { parseLayerInfo } from '../../trt/engine-files/layer-info';
import { parseLayerName } from '../../trt/engine-files/layer-names';
import { mapToOnnx } from '../../trt/engine-files/onnx-mapping';
import type { BuildArtifact, BuildOptions, NodeMapping, ProfileOptions, ProfileReport } from '../backend';
import type { JobContext } from '../../jobs/context';
import { cacheDir } from '../onnxruntime/ort-backend';
import { hostPeakRssBytes, RunMemory } from '../memory';
import { latencyStats, thinSamples } from '../stats';
import { callPlugin, loadPlugin, pluginRuntime, type LoadedPlugin } from './plugin';
import { writeSidecar, type EngineSidecar } from './sidecar';
import { checkEngine } from './engine-gate';
import { engineCacheKey, timingCacheName } from './cache-keys';
import { recordEngine, sha256OfFile } from './trusted-engines';
import { makeTempDir, removeTempDir } from '../../../platform/temp-dirs';

interface BuildReply {
  buildMs: number;
  engineBytes: number;
  layerInfo: unknown;
  tensorrt: string;
  device: { name: string; computeCapability: string };
  unsupportedNodes?: unknown[];
  /** What the builder warned of: inputs or shape tensors built for 1s, a timing cache refused. */
  warnings?: unknown;
}

/** The plugin's build warnings as strings (a reply is the plugin's JSON: anything else is dropped). */
export function buildWarnings(reply: { warnings?: unknown }): string[] {
  return Array.isArray(reply.warnings) ? reply.warnings.filter((w): w is string => typeof w === 'string') : [];
}

interface ProfileReply {
  coldStartMs: number;
  samplesMs: number[];
  computeMs: number[];
  layers: { name: string; ms: number }[];
  /** Inferences over host wall time, as trtexec reports throughput (real plugins; the fake leaves it out). */
  throughputQps?: number;
  warnings?: string[];
  tensorrt: string;
  device: { name: string };
}

/**
 * Refuses profiles (dims or shape-tensor values) for names that are not the model's inputs: the
 * plugin sets a profile per network input and would pass over a misspelt name without a word.
 */
export function refuseUnknownProfileInputs(
  profiles: Record<string, unknown>,
  inputs: readonly string[],
  file: string,
): void {
  const unknown = Object.keys(profiles).filter((name) => !inputs.includes(name));
  if (unknown.length === 0) return;
  throw new KilnError(
    'INVALID_ARGUMENT',
    `${file} has no input named ${unknown.map((n) => `"${n}"`).join(', ')} to give a TensorRT profile for; its inputs are ${inputs.map((n) => `"${n}"`).join(', ') || 'none'}`,
    { file, details: { unknown } },
  );
}

/** A plugin's build failure (it knows the request, not the file) with the model's file named. */
function namingFile(err: unknown, file: string): unknown {
  if (!(err instanceof KilnError) || err.file !== undefined || err.code === 'CANCELLED') return err;
  return new KilnError(err.code, `${file}: ${err.message}`, {
    file,
    ...(err.details !== undefined ? { details: err.details } : {}),
  });
}

export async function buildTrt(modelPath: string, options: BuildOptions, ctx: JobContext): Promise<BuildArtifact> {
  const plugin = loadPlugin();
  const a = await analyzeModel(modelPath);
  refuseUnknownProfileInputs(
    options.trt?.profiles ?? {},
    a.summary.inputs.map((i) => i.name),
    a.summary.fileName,
  );
  const trt = options.trt;
  // An engine and its timings are tied to the TensorRT version and the GPU: both are in the keys.
  const here = await pluginRuntime(plugin, ctx);
  const key = engineCacheKey({
    model: a.summary.sha256,
    plugin: plugin.name,
    tensorrt: here.tensorrt,
    gpu: here.computeCapability,
    trt,
  });
  const dir = path.join(cacheDir(), 'tensorrt', key);
  const enginePath = path.join(dir, 'model.engine');
  const metaPath = path.join(dir, 'build.json');
  if (fs.existsSync(metaPath) && fs.existsSync(enginePath)) {
    const meta = JSON.parse(fs.readFileSync(metaPath, 'utf8')) as BuildArtifact;
    return { ...meta, modelPath: path.resolve(modelPath), cached: true };
  }
  fs.mkdirSync(dir, { recursive: true });
  const main = a.ir.graphs[0]!;
  const nodes = a.ir.nodes.slice(main.nodeStart, main.nodeEnd).map((n) => ({ name: n.name, op: n.opType }));
  const reply = await callPlugin<BuildReply>(
    plugin,
    'build',
    {
      onnx: path.resolve(modelPath),
      engine: enginePath,
      timingCache: path.join(
        cacheDir(),
        'tensorrt',
        timingCacheName(plugin.name, here.tensorrt, here.computeCapability),
      ),
      nodes,
      ...(trt
        ? {
            optimizationLevel: trt.builderOptimizationLevel,
            workspaceBytes: trt.workspaceMiB ? trt.workspaceMiB * 2 ** 20 : undefined,
            hardwareCompatibility: trt.hardwareCompatibility,
            versionCompatible: trt.versionCompatible,
            stronglyTyped: trt.stronglyTyped,
            tf32: trt.tf32,
            profiles: trt.profiles,
            fake: trt.fake,
          }
        : {}),
    },
    ctx,
  ).catch((err: unknown) => {
    fs.rmSync(enginePath, { force: true });
    throw namingFile(err, a.summary.fileName);
  });
  const info = parseLayerInfo(reply.layerInfo, 'layer info');
  const names = nodes.map((n) => n.name);
  const mapping = mapToOnnx(info, names);
  const nodeMap: NodeMapping[] = info.layers.map((l, i) => ({
    node: l.name,
    op: l.type,
    originals: (mapping.layers[i]?.nodes ?? []).map((k) => names[k] ?? ''),
  }));
  fs.writeFileSync(path.join(dir, 'layers.json'), JSON.stringify(reply.layerInfo));
  const artifact: BuildArtifact = {
    backend: 'tensorrt',
    backendVersion: reply.tensorrt,
    device: `${reply.device.name} (sm ${reply.device.computeCapability})`,
    modelPath: path.resolve(modelPath),
    modelSha256: a.summary.sha256,
    artifactPath: enginePath,
    artifactBytes: fs.statSync(enginePath).size,
    buildMs: reply.buildMs,
    options,
    cached: false,
    nodeMap,
    warnings: buildWarnings(reply),
  };
  // A malformed recipe (the model is the user's) leaves the sidecar without one, not the build failed.
  const recipe = recipeOf(a.opened.model);
  const sidecar: EngineSidecar = {
    kiln: KILN_VERSION,
    tensorrt: reply.tensorrt,
    plugin: plugin.name,
    device: reply.device,
    compatibility: {
      hardware: trt?.hardwareCompatibility ?? 'none',
      versionCompatible: trt?.versionCompatible ?? false,
    },
    recipe,
    sourceModel: { name: a.summary.fileName, sha256: a.summary.sha256 },
    shapeProfiles: trt?.profiles ?? {},
    buildOptions: trt ?? {},
    buildMs: reply.buildMs,
    engineSha256: sha256OfFile(enginePath),
    createdAt: new Date().toISOString(),
  };
  // Kiln built these bytes: recorded before the cache entry exists, so the gate lets them through.
  recordEngine(sidecar.engineSha256, 'built', `${a.summary.fileName} (${key})`);
  writeSidecar(enginePath, sidecar);
  writeFileAtomic(metaPath, JSON.stringify(artifact));
  return artifact;
}

/**
 * Runs a gate `check` (engine-gate.ts) on the engine of `artifact`. An engine in Kiln's build cache
 * that is refused (changed since it was built, its sidecar gone, built for another GPU) is removed
 * with its entry, so the cache holds valid builds or none: the next build makes it again.
 */
export function throughGate<T>(artifact: BuildArtifact, check: (enginePath: string) => T): T {
  try {
    return check(artifact.artifactPath);
  } catch (err) {
    const entry = path.dirname(path.resolve(artifact.artifactPath));
    if (!(err instanceof KilnError) || path.dirname(entry) !== path.resolve(cacheDir(), 'tensorrt')) throw err;
    fs.rmSync(entry, { recursive: true, force: true });
    const opts = { ...(err.file !== undefined ? { file: err.file } : {}), details: { ...err.details, removed: true } };
    throw new KilnError(
      err.code,
      `${err.message.replace(/\.$/, '')}. Kiln removed this cached build; building again makes a new one.`,
      opts,
    );
  }
}

/** The engine of `artifact` through the gate, for this TensorRT and GPU, before a plugin deserializes it. */
async function openEngine(plugin: LoadedPlugin, artifact: BuildArtifact, ctx: JobContext): Promise<void> {
  const here = await pluginRuntime(plugin, ctx);
  throughGate(artifact, (enginePath) => checkEngine(enginePath, here));
}

export async function profileTrt(
  artifact: BuildArtifact,
  options: ProfileOptions,
  ctx: JobContext,
): Promise<ProfileReport> {
  const plugin: LoadedPlugin = loadPlugin();
  await openEngine(plugin, artifact, ctx);
  const memory = new RunMemory();
  const reply = await callPlugin<ProfileReply>(
    plugin,
    'profile',
    {
      engine: artifact.artifactPath,
      // Past the gate: TensorRT may load the runtime a version-compatible engine embeds.
      allowHostCode: true,
      shapes: options.shapes,
      warmupMs: options.warmupMs,
      ...(options.iterations !== undefined
        ? { iterations: options.iterations }
        : { durationS: options.durationS ?? 3 }),
      layerRuns: options.layerRuns,
      fake: artifact.options.trt?.fake,
    },
    ctx,
  );
  if (reply.samplesMs.length === 0) throw new KilnError('INTERNAL', 'the TensorRT plugin timed no inferences');
  const { stats, cov } = latencyStats(reply.samplesMs);
  const compute = latencyStats(reply.computeMs.length ? reply.computeMs : reply.samplesMs);
  const warnings: string[] = [...(reply.warnings ?? [])];
  if (compute.cov > 0.025)
    warnings.push(
      `GPU compute time is unstable: coefficient of variation ${(compute.cov * 100).toFixed(1)}% is above 2.5%`,
    );
  const byName = new Map(artifact.nodeMap.map((m) => [m.node, m]));
  const layers = reply.layers.map((l) => {
    const m = byName.get(l.name);
    return {
      node: l.name,
      op: m?.op ?? 'Unknown',
      ms: l.ms,
      share: 0,
      originals: m?.originals ?? parseLayerName(l.name).names,
    };
  });
  const total = layers.reduce((s, l) => s + l.ms, 0) || 1;
  const perNodeMs: Record<string, number> = {};
  const byOp = new Map<string, { ms: number; count: number }>();
  for (const l of layers) {
    l.share = l.ms / total;
    const e = byOp.get(l.op) ?? { ms: 0, count: 0 };
    e.ms += l.ms;
    e.count++;
    byOp.set(l.op, e);
    for (const o of l.originals) perNodeMs[o] = (perNodeMs[o] ?? 0) + l.ms / l.originals.length;
  }
  const totalMs = reply.samplesMs.reduce((s, v) => s + v, 0);
  return {
    backend: 'tensorrt',
    backendVersion: reply.tensorrt,
    device: artifact.device,
    model: path.basename(artifact.modelPath),
    shapes: options.shapes,
    iterations: reply.samplesMs.length,
    totalMs,
    throughput: reply.throughputQps ?? (reply.samplesMs.length / totalMs) * 1000,
    latencyMs: stats,
    samplesMs: thinSamples(reply.samplesMs, 2000),
    cov,
    warnings,
    coldStartMs: reply.coldStartMs,
    peakRssBytes: hostPeakRssBytes(),
    memory: memory.report(),
    layerRuns: layers.length > 0 ? options.layerRuns : 0,
    profiledRunMs: null,
    layers: layers.sort((x, y) => y.ms - x.ms),
    byOpType: [...byOp]
      .map(([op, e]) => ({ op, ms: e.ms, share: e.ms / total, count: e.count }))
      .sort((x, y) => y.ms - x.ms),
    perNodeMs,
  };
}

interface RunReply {
  outputs: Record<string, { dims: number[]; dtype: string; file: string }>;
}

/**
 * Runs an engine once on given inputs (float32 arrays with their dims), for accuracy comparison.
 * Inputs and outputs cross the seam as raw little-endian files in a private temp folder.
 */
export async function runTrt(
  artifact: BuildArtifact,
  inputs: Record<string, { dims: number[]; data: Float32Array }>,
  ctx: JobContext,
): Promise<Record<string, { dims: number[]; dtype: string; data: Uint8Array }>> {
  const plugin = loadPlugin();
  await openEngine(plugin, artifact, ctx);
  const dir = makeTempDir('trt-run');
  try {
    const request: Record<string, { dims: number[]; dtype: string; file: string }> = {};
    for (const [name, t] of Object.entries(inputs)) {
      const file = path.join(dir, `input-${Object.keys(request).length}.bin`);
      fs.writeFileSync(file, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
      request[name] = { dims: t.dims, dtype: 'float32', file };
    }
    const reply = await callPlugin<RunReply>(
      plugin,
      'run',
      { engine: artifact.artifactPath, allowHostCode: true, inputs: request, outputDir: dir },
      ctx,
    );
    const out: Record<string, { dims: number[]; dtype: string; data: Uint8Array }> = {};
    for (const [name, o] of Object.entries(reply.outputs)) {
      if (path.dirname(path.resolve(o.file)) !== dir)
        throw new KilnError('INTERNAL', `the TensorRT plugin wrote output ${name} outside its folder`);
      out[name] = { dims: o.dims, dtype: o.dtype, data: new Uint8Array(fs.readFileSync(o.file)) };
    }
    return out;
  } finally {
    removeTempDir(dir);
  }
}
