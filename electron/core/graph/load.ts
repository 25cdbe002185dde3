/**
 * The graph payload of a model file, for the `model.graph` host job. The main graph of a file not
 * yet decoded is read straight from its bytes (from-wire.ts): no ModelProto, no IR, so a large
 * model is on screen sooner, and the full decode waits for whoever needs it (the summary, asked
 * once the graph is drawn). Otherwise it is built from the model's IR, so it is still ready before
 * shapes are inferred. Asked with shapes, it waits for the analysis and carries inferred types and
 * per-node FLOPs and parameters (the CLI's node table).
 */
import * as fs from 'node:fs/promises';
import { basename } from 'node:path';
import type { GraphPayload } from '../../shared/api/graph-payload';
import { KilnError } from '../../shared/api/errors';
import { trace } from '../../platform/trace';
import { analyzeModelCached, forgetAllBut, modelStructureCached, rememberedStructure } from '../onnx/analyze';
import type { ModelIR } from '../onnx/ir';
import { handOffBytes, readModelFile } from '../onnx/open';
import { readArriving, type ArrivingFile } from '../onnx/arriving-file';
import { scanArrivingGraph, type GraphScan } from '../onnx/graph-scan';
import { graphPayloadFromIR } from './from-ir';
import { graphPayloadFromScan, graphPayloadFromWire } from './from-wire';

let cache: { ir: ModelIR; graphId: number; shapes: boolean; payload: GraphPayload } | null = null;

/**
 * The payload of graph `graphId` (0: the main graph; an If/Loop/Scan body's IR graph id otherwise).
 * Subgraph entries carry IR graph ids, so the view can follow them.
 */
export async function graphPayloadForFile(
  path: string,
  displayName?: string,
  graphId = 0,
  options: {
    shapes?: boolean;
    arriving?: Omit<ArrivingFile, 'path' | 'displayName'>;
    cancelled?: () => Error | null;
  } = {},
): Promise<GraphPayload> {
  const shapes = options.shapes === true;
  if (graphId === 0 && !shapes) {
    const fromBytes = options.arriving
      ? await mainGraphWhileArriving(
          { ...options.arriving, path, displayName: displayName ?? basename(path) },
          options.cancelled,
        )
      : await mainGraphFromBytes(path, displayName);
    if (fromBytes) return fromBytes;
  }
  const { ir, opened } = await modelStructureCached(path, displayName);
  const analysis = shapes ? await analyzeModelCached(path, displayName) : null;
  if (cache && cache.ir === ir && cache.graphId === graphId && cache.shapes === shapes) return cache.payload;
  const g = ir.graphs[graphId];
  if (!g || g.kind === 'function')
    throw new KilnError('INVALID_ARGUMENT', `${opened.displayName} has no graph ${graphId} to show`);
  const start = performance.now();
  const payload = graphPayloadFromIR(ir, graphId, analysis?.shapes);
  cache = { ir, graphId, shapes, payload };
  trace('graph-payload', { ms: performance.now() - start, nodes: payload.nodeName.length });
  return payload;
}

/** The last payload read straight from a file, and the file as it was (path, mtime, size). */
let fromBytesCache: { path: string; mtimeMs: number; size: number; payload: GraphPayload } | null = null;

/**
 * The main graph's payload from the file's bytes, or null where the IR path should answer: the
 * file is already decoded (or being decoded), or the scan cannot read it (then the full decode
 * says why in plain words, naming the file). Reading the file fails as opening it would.
 */
async function mainGraphFromBytes(path: string, displayName: string | undefined): Promise<GraphPayload | null> {
  if (await rememberedStructure(path)) return null;
  const stat = await fs.stat(path).catch(() => null);
  const same = (c: typeof fromBytesCache) =>
    c !== null && stat !== null && c.path === path && c.mtimeMs === stat.mtimeMs && c.size === stat.size;
  if (same(fromBytesCache)) return fromBytesCache!.payload;
  letTheLastModelGo(path);
  const readStart = performance.now();
  // The summary's full open comes next and takes these bytes instead of reading the file again.
  const { bytes } = await readModelFile(path, displayName, { handOff: true });
  const start = performance.now();
  let payload: GraphPayload;
  try {
    payload = graphPayloadFromWire(bytes);
  } catch (err) {
    trace('graph-scan-declined', { reason: err instanceof Error ? err.message : String(err) });
    return null;
  }
  trace('graph-from-bytes', { read: start - readStart, ms: performance.now() - start, nodes: payload.nodeName.length });
  fromBytesCache = stat ? { path, mtimeMs: stat.mtimeMs, size: stat.size, payload } : null;
  return payload;
}

/** The last model's memory goes before the one at `path` is read, as when opening it in full. */
function letTheLastModelGo(path: string): void {
  fromBytesCache = null;
  cache = null;
  forgetAllBut(path);
}

/**
 * The main graph's payload of a file still being uploaded, scanned as its bytes arrive: the scan
 * of the nodes (the start of the graph) runs while the weights after them are on their way. The
 * bytes are handed to the full open that follows; null where the scan cannot read the file (the
 * full path then reads the complete file, and says why in plain words).
 */
async function mainGraphWhileArriving(
  file: ArrivingFile,
  cancelled?: () => Error | null,
): Promise<GraphPayload | null> {
  letTheLastModelGo(file.path);
  const start = performance.now();
  // What the scan has come to, filled in as the bytes arrive.
  const state: { scanner: ReturnType<typeof scanArrivingGraph> | null; scan: GraphScan | null; failure: unknown } = {
    scanner: null,
    scan: null,
    failure: null,
  };
  let scanMs = 0;
  const read = await readArriving(
    file,
    (bytes, available) => {
      if (state.scan || state.failure) return;
      const t = performance.now();
      try {
        state.scanner ??= scanArrivingGraph(bytes);
        state.scan = state.scanner.more(available);
      } catch (err) {
        state.failure = err;
      }
      scanMs += performance.now() - t;
    },
    cancelled,
  );
  const arrived = performance.now();
  handOffBytes(file.path, read.stat, read.bytes);
  const { scan, failure } = state;
  if (!scan) {
    trace('graph-scan-declined', {
      reason: failure instanceof Error ? failure.message : String(failure ?? 'the scan did not finish'),
    });
    return null;
  }
  const payload = graphPayloadFromScan(scan);
  const end = performance.now();
  trace('graph-while-arriving', {
    ms: end - start,
    scan: scanMs,
    waited: read.waitedMs,
    after: end - read.lastByteAt,
    renamed: arrived - read.lastByteAt,
    nodes: payload.nodeName.length,
  });
  fromBytesCache = { path: file.path, mtimeMs: read.stat.mtimeMs, size: read.stat.size, payload };
  return payload;
}
