/**
 * The embedded backend: ONNX Runtime on CPU through onnxruntime-node. Build = a session at an
 * optimization level whose optimized model is saved as the artifact; profile = trtexec-style timing
 * of that artifact plus per-node time from ONNX Runtime's profiler in a separate run.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { KilnError } from '../../../shared/api/errors';
import { replaceAtomically, writeFileAtomic } from '../../../platform/atomic-write';
import { throwIfCancelled, type JobContext } from '../../jobs/context';
import { indexRows } from '../../onnx/index-inputs';
import { openModelFile } from '../../onnx/open';
import type { GraphProto } from '../../onnx/model';
import type {
  BackendProbe,
  BuildArtifact,
  BuildOptions,
  LayerTime,
  NodeMapping,
  ProfileOptions,
  ProfileReport,
} from '../backend';
import { inputSamples, randomFeeds } from '../../inputs/feeds';
import { resolveShapes, type InputSpec } from '../../inputs/specs';
import { hostPeakRssBytes, RunMemory } from '../memory';
import { kernelTimes, type TraceEvent } from './profile-events';
import { latencyStats, thinSamples } from '../stats';
import { mapOptimizedNodes } from './node-map';
import { openSession, runFeeds, type SessionSettings } from './session';
import { makeTempDir, removeTempDir } from '../../../platform/temp-dirs';

const VERSION = ort.env.versions.node ?? 'unknown';
const DEVICE = 'CPU (CPUExecutionProvider)';

export function probeOrt(): BackendProbe {
  return { backend: 'onnxruntime', available: true, version: VERSION, device: DEVICE, reason: null };
}

/** Where built artifacts are kept: KILN_CACHE_DIR, else the user's cache folder. */
export function cacheDir(): string {
  return process.env.KILN_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'kiln', 'builds');
}

/** ORT's error text names the node; keep it, and name the file. */
function ortError(err: unknown, file: string): KilnError {
  const message = (err instanceof Error ? err.message : String(err))
    .replace(/^\[.*?\]\s*/, '')
    // Name files, never the folders they sit in (a cache or home path means nothing to a user).
    .replace(/(?<=^|[\s"'(=])(?:[A-Za-z]:)?[\\/](?:[^\s"'\\/]+[\\/])+([^\s"'\\/]+)/g, '$1');
  return new KilnError('UNSUPPORTED', `ONNX Runtime cannot load ${file}: ${message}`, {
    file,
  });
}

export async function buildOrt(modelPath: string, options: BuildOptions, ctx: JobContext): Promise<BuildArtifact> {
  const opened = await openModelFile(modelPath);
  const key = createHash('sha256')
    .update(JSON.stringify({ model: opened.sha256, backend: 'onnxruntime', version: VERSION, device: DEVICE, options }))
    .digest('hex')
    .slice(0, 24);
  const dir = path.join(cacheDir(), key);
  const artifactPath = path.join(dir, 'model.optimized.onnx');
  const metaPath = path.join(dir, 'build.json');
  const meta = cachedBuild(metaPath, artifactPath);
  if (meta) return { ...meta, modelPath: path.resolve(modelPath), cached: true };
  // A model whose weights are external data keeps them external in the optimized copy, in a file
  // beside it named by the build (the original's relative path would not resolve from the cache).
  const external = hasExternalData(opened.model.graph as GraphProto)
    ? `model.optimized.${randomBytes(6).toString('hex')}.data`
    : undefined;
  ctx.progress({ fraction: null, stage: `Optimizing ${opened.displayName} (${options.optimizationLevel})` });
  fs.mkdirSync(dir, { recursive: true });
  // Written under a temporary name and renamed: a cancelled or failed build leaves nothing half-made.
  const start = performance.now();
  let buildMs = 0;
  let nodeMap: NodeMapping[] = [];
  await replaceAtomically(artifactPath, async (tmp) => {
    try {
      const session = await openSession(modelPath, {
        cpu: true,
        optimization: options.optimizationLevel,
        optimizedModelPath: tmp,
        ...(external ? { optimizedExternalData: external } : {}),
        quiet: true,
      });
      await session.release();
    } catch (err) {
      if (external) fs.rmSync(path.join(dir, external), { force: true });
      throw ortError(err, opened.displayName);
    }
    buildMs = performance.now() - start;
    throwIfCancelled(ctx, 'The build');
    const built = await openModelFile(tmp, 'optimized model');
    nodeMap = mapOptimizedNodes(opened.model.graph as GraphProto, built.model.graph as GraphProto);
  });
  const artifact: BuildArtifact = {
    backend: 'onnxruntime',
    backendVersion: VERSION,
    device: DEVICE,
    modelPath: path.resolve(modelPath),
    modelSha256: opened.sha256,
    artifactPath,
    artifactBytes: fs.statSync(artifactPath).size,
    ...(external ? { externalDataPath: path.join(dir, external) } : {}),
    buildMs,
    options,
    cached: false,
    nodeMap,
  };
  writeFileAtomic(metaPath, JSON.stringify(artifact));
  return artifact;
}

function hasExternalData(g: GraphProto): boolean {
  return g.initializer.some((t) => t.data.kind === 'external');
}

/**
 * The cached build in `metaPath`, or null when there is none or it is not whole: the artifact (and
 * its external data) must be there at the size the build recorded. A broken entry is removed, so
 * the build runs again instead of failing the same way every time.
 */
function cachedBuild(metaPath: string, artifactPath: string): BuildArtifact | null {
  if (!fs.existsSync(metaPath)) return null;
  try {
    const meta = JSON.parse(fs.readFileSync(metaPath, 'utf8')) as BuildArtifact;
    const whole =
      fs.statSync(artifactPath).size === meta.artifactBytes &&
      (meta.externalDataPath === undefined || fs.statSync(meta.externalDataPath).isFile());
    if (whole) return meta;
  } catch {
    // unreadable meta or a missing file: the entry is not whole
  }
  forgetBuild(metaPath);
  return null;
}

/** Drops a cache entry's record, so the next build of it runs again. */
function forgetBuild(metaPath: string): void {
  fs.rmSync(metaPath, { force: true });
}

/**
 * The session's inputs; integer ones that index a table of the source model (token ids into an
 * embedding) say its rows, so seeded feeds stay inside it.
 */
async function specs(session: ort.InferenceSession, modelPath: string): Promise<InputSpec[]> {
  const out: InputSpec[] = session.inputMetadata.map((m) => ({
    name: m.name,
    dtype: m.isTensor ? m.type : 'non-tensor',
    dims: m.isTensor ? m.shape.map((d) => (typeof d === 'number' ? d : d === '' ? null : d)) : null,
  }));
  if (!out.some((i) => i.dtype.startsWith('int'))) return out;
  const graph = (await openModelFile(modelPath)).model.graph;
  const rows = graph ? indexRows(graph) : new Map<string, number>();
  return out.map((i) => (rows.has(i.name) ? { ...i, indexRows: rows.get(i.name) as number } : i));
}

export async function profileOrt(
  artifact: BuildArtifact,
  options: ProfileOptions,
  ctx: JobContext,
): Promise<ProfileReport> {
  const file = path.basename(artifact.modelPath);
  const settings: SessionSettings = {
    cpu: true,
    // The artifact is already optimized; loading it as-is keeps its node names for the mapping.
    optimization: 'disabled',
    quiet: true,
    threads: options.intraOpThreads,
  };
  const memory = new RunMemory();
  const t0 = performance.now();
  let session: ort.InferenceSession;
  try {
    session = await openSession(artifact.artifactPath, settings);
  } catch (err) {
    // A cached artifact ONNX Runtime cannot load is not served again.
    forgetBuild(path.join(path.dirname(artifact.artifactPath), 'build.json'));
    throw ortError(err, file);
  }
  const coldStartMs = performance.now() - t0;
  memory.sample();
  const inputs = await specs(session, artifact.modelPath);
  let feeds: Record<string, ort.Tensor>;
  let shapes: Record<string, number[]>;
  if (options.inputFile) {
    // The file's first sample, checked against the inputs (names, ranks, dtypes) by the reader.
    const first = inputSamples(inputs, { kind: 'npz', paths: [options.inputFile] }, file).next();
    if (first.done) throw new KilnError('INVALID_ARGUMENT', `${path.basename(options.inputFile)} holds no sample`);
    feeds = first.value;
    shapes = Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, t.dims.map(Number)]));
  } else {
    shapes = resolveShapes(inputs, options.shapes);
    feeds = randomFeeds(inputs, shapes, options.seed);
  }
  const ran = `with inputs ${JSON.stringify(shapes)}`;
  const run = () => runFeeds(session, feeds, file, ran);

  try {
    ctx.progress({ fraction: 0, stage: 'Warming up' });
    const warmEnd = performance.now() + options.warmupMs;
    do await run();
    while (performance.now() < warmEnd && !ctx.signal.aborted);
    throwIfCancelled(ctx, 'Profiling');
    memory.sample();

    const samples: number[] = [];
    const limitMs = (options.durationS ?? 0) * 1000;
    const maxRuns = options.iterations ?? Number.POSITIVE_INFINITY;
    const start = performance.now();
    while (samples.length < maxRuns) {
      const t = performance.now();
      await run();
      samples.push(performance.now() - t);
      const elapsed = performance.now() - start;
      if (options.iterations === undefined && elapsed >= limitMs) break;
      if ((samples.length & 7) === 0) {
        throwIfCancelled(ctx, 'Profiling');
        memory.sample();
        ctx.progress({
          fraction: options.iterations ? samples.length / options.iterations : Math.min(1, elapsed / limitMs),
          stage: 'Timing',
        });
      }
    }
    const totalMs = performance.now() - start;
    // This run's memory is the timed session's: the profiled session below is a second one.
    const runMemory = memory.report();
    const { stats, cov } = latencyStats(samples);
    const warnings: string[] = [];
    if (cov > 0.025) {
      warnings.push(
        `latency is unstable: coefficient of variation ${(cov * 100).toFixed(1)}% is above 2.5% (other load on this machine?)`,
      );
    }
    const profiled =
      options.layerRuns > 0
        ? await layerTimes(artifact, settings, feeds, options.layerRuns, ctx)
        : { layers: [], runMs: null };
    const layers = profiled.layers;
    const byOp = new Map<string, { ms: number; count: number }>();
    const perNodeMs: Record<string, number> = {};
    for (const l of layers) {
      const e = byOp.get(l.op) ?? { ms: 0, count: 0 };
      e.ms += l.ms;
      e.count += 1;
      byOp.set(l.op, e);
      for (const o of l.originals) perNodeMs[o] = (perNodeMs[o] ?? 0) + l.ms / l.originals.length;
    }
    const layerTotal = layers.reduce((s, l) => s + l.ms, 0) || 1;
    return {
      backend: 'onnxruntime',
      backendVersion: VERSION,
      device: DEVICE,
      model: file,
      shapes,
      iterations: samples.length,
      totalMs,
      throughput: (samples.length / totalMs) * 1000,
      latencyMs: stats,
      samplesMs: thinSamples(samples, 2000),
      cov,
      warnings,
      coldStartMs,
      peakRssBytes: hostPeakRssBytes(),
      memory: runMemory,
      layerRuns: layers.length > 0 ? options.layerRuns : 0,
      profiledRunMs: profiled.runMs,
      layers,
      byOpType: [...byOp]
        .map(([op, e]) => ({ op, ms: e.ms, share: e.ms / layerTotal, count: e.count }))
        .sort((a, b) => b.ms - a.ms),
      perNodeMs,
    };
  } finally {
    await session.release();
  }
}

/**
 * Per-node time from ONNX Runtime's profiler over `runs` runs, mapped to original nodes. The first
 * profiled run allocates and is left out; each node's time is its median over the others (its
 * kernel time summed within each run, for nodes a Loop runs many times), so one slow run (a GC,
 * other load) does not inflate every layer, and the times add up to about one run's kernel time.
 * `runMs` is the median length of a profiled run, what that sum can be read against.
 */
async function layerTimes(
  artifact: BuildArtifact,
  base: SessionSettings,
  feeds: Record<string, ort.Tensor>,
  runs: number,
  ctx: JobContext,
): Promise<{ layers: LayerTime[]; runMs: number | null }> {
  ctx.progress({ fraction: null, stage: 'Per-layer profile' });
  const dir = makeTempDir('profile');
  try {
    const session = await openSession(artifact.artifactPath, { ...base, profilePrefix: path.join(dir, 'run') });
    try {
      await session.run(feeds); // the first run allocates: recorded, then left out
      for (let i = 0; i < runs; i++) {
        throwIfCancelled(ctx, 'Profiling');
        await session.run(feeds);
      }
      session.endProfiling();
    } finally {
      // Cancelled or failed too: an unreleased session keeps the model's weights in native memory.
      await session.release();
    }
    const file = fs.readdirSync(dir).find((f) => f.endsWith('.json'));
    if (!file) return { layers: [], runMs: null };
    const trace = kernelTimes(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as TraceEvent[], runs);
    const mapping = new Map(artifact.nodeMap.map((m) => [m.node, m]));
    const layers = [...trace.nodes].map(([node, e]) => ({
      node,
      op: mapping.get(node)?.op ?? e.op,
      ms: e.ms,
      share: 0,
      originals: mapping.get(node)?.originals ?? [],
    }));
    const sum = layers.reduce((s, l) => s + l.ms, 0) || 1;
    for (const l of layers) l.share = l.ms / sum;
    return { layers: layers.sort((a, b) => b.ms - a.ms), runMs: trace.runMs };
  } finally {
    removeTempDir(dir);
  }
}
