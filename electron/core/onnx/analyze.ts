/**
 * Opening a model for the app: read and decode the file, build the graph IR, infer shapes and
 * count costs, and summarise. One call does the whole pipeline so the engine host can keep the
 * result (the graph view and the inspector ask for parts of it next). The engine host keeps the
 * last model in two stages: its structure (decoded, IR), which is all the graph view needs to
 * draw, and its analysis (shapes, costs, summary), worked out when first asked for; so the graph
 * goes out before any shape is inferred.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { ModelSummary } from '../../shared/api/model-summary';
import { trace } from '../../platform/trace';
import { buildIR, type ModelIR } from './ir';
import { openModelBytes, openModelFile, type OpenedModel } from './open';
import { inferShapes, type ShapeResult } from './shapes';
import { summarize } from './summary';

export interface ModelAnalysis {
  opened: OpenedModel;
  ir: ModelIR;
  shapes: ShapeResult;
  summary: ModelSummary;
  /** Milliseconds per stage, for the benchmark and the status bar. */
  timings: { read: number; ir: number; shapes: number; summary: number };
}

/** Shapes, costs and the summary of a model whose structure is known. */
function analysisOf({ opened, ir, timings }: ModelStructure): ModelAnalysis {
  let t = performance.now();
  const shapes = inferShapes(opened.model, ir, { path: opened.path, bytes: opened.bytes });
  const shapesMs = performance.now() - t;
  t = performance.now();
  const summary = summarize(opened, { ir, shapes });
  return { opened, ir, shapes, summary, timings: { ...timings, shapes: shapesMs, summary: performance.now() - t } };
}

function analyzeOpened(opened: OpenedModel, readMs: number): ModelAnalysis {
  const t = performance.now();
  const ir = buildIR(opened.model);
  return analysisOf({ opened, ir, timings: { read: readMs, ir: performance.now() - t } });
}

/** The whole pipeline on a file. Throws KilnError (naming `displayName`) for anything unreadable. */
export async function analyzeModel(filePath: string, displayName = path.basename(filePath)): Promise<ModelAnalysis> {
  const t = performance.now();
  const opened = await openModelFile(filePath, displayName);
  return analyzeOpened(opened, performance.now() - t);
}

/** The same on bytes in memory (uploads, fuzzing): `absPath` is where external data is resolved from. */
export function analyzeModelBytes(bytes: Uint8Array, absPath: string, displayName: string): ModelAnalysis {
  const t = performance.now();
  const opened = openModelBytes(bytes, absPath, displayName);
  return analyzeOpened(opened, performance.now() - t);
}

/** A model's structure: decoded and its graph IR built, with the milliseconds each took. */
export interface ModelStructure {
  opened: OpenedModel;
  ir: ModelIR;
  timings: { read: number; ir: number };
}

interface Remembered {
  path: string;
  mtimeMs: number;
  size: number;
  structure: Promise<ModelStructure>;
  analysis?: Promise<ModelAnalysis>;
}
let last: Remembered | null = null;

/** The entry for this file as it is now: the remembered one, or a fresh one (reading starts). */
async function remembered(filePath: string, displayName: string): Promise<Remembered> {
  const stat = await fs.stat(filePath).catch(() => null);
  if (stat && last && last.path === filePath && last.mtimeMs === stat.mtimeMs && last.size === stat.size) return last;
  last = null; // let the previous model's memory go before the next one is read
  const structure = (async (): Promise<ModelStructure> => {
    let t = performance.now();
    const opened = await openModelFile(filePath, displayName);
    const read = performance.now() - t;
    t = performance.now();
    const ir = buildIR(opened.model);
    const timings = { read, ir: performance.now() - t };
    trace('structure', timings);
    return { opened, ir, timings };
  })();
  const entry: Remembered = { path: filePath, mtimeMs: stat?.mtimeMs ?? -1, size: stat?.size ?? -1, structure };
  // A file that cannot be read now may be readable on the next try: failures are not remembered.
  structure.catch(() => {
    if (last === entry) last = null;
  });
  if (stat) last = entry;
  return entry;
}

/**
 * The decoded model and its IR, remembering the last model (see analyzeModelCached): what the
 * graph view's payload is built from, without waiting for shape inference.
 */
export async function modelStructureCached(
  filePath: string,
  displayName = path.basename(filePath),
): Promise<ModelStructure> {
  return (await remembered(filePath, displayName)).structure;
}

/**
 * Lets the remembered model go unless it is this file: a graph read straight from another file's
 * bytes (graph/load.ts) should not run beside the last model's hundreds of megabytes.
 */
export function forgetAllBut(filePath: string): void {
  if (last && last.path !== filePath) last = null;
}

/**
 * The structure of the model remembered for this file as it is now (unchanged on disk), or null:
 * a look that neither reads nor forgets anything (the diff takes whichever side the app has open).
 */
export async function rememberedStructure(filePath: string): Promise<ModelStructure | null> {
  const entry = last;
  if (!entry || entry.path !== filePath) return null;
  const stat = await fs.stat(filePath).catch(() => null);
  if (!stat || entry.mtimeMs !== stat.mtimeMs || entry.size !== stat.size) return null;
  return entry.structure.catch(() => null);
}

/**
 * The pipeline, remembering the last model: the app asks for the graph, the summary and node
 * details of the same file, and none of them should read and infer it again; calls that overlap
 * share one read. A changed file (mtime or size) is read afresh.
 */
export async function analyzeModelCached(
  filePath: string,
  displayName = path.basename(filePath),
): Promise<ModelAnalysis> {
  const entry = await remembered(filePath, displayName);
  if (!entry.analysis) {
    const analysis = entry.structure.then((structure) => {
      const a = analysisOf(structure);
      trace('analysis', { shapes: a.timings.shapes, summary: a.timings.summary });
      return a;
    });
    entry.analysis = analysis;
    // as for the read: a failure is not remembered
    analysis.catch(() => {
      if (entry.analysis === analysis) entry.analysis = undefined;
    });
  }
  return entry.analysis;
}

/**
 * The decoded model, its IR and its shapes, as the readiness check reads them: the remembered
 * analysis when the app has one, else the remembered structure with shapes inferred (no summary,
 * which nothing that asks for this shows: `kiln fix` checks a model it has not opened before).
 */
export async function shapesCached(
  filePath: string,
  displayName = path.basename(filePath),
): Promise<Pick<ModelAnalysis, 'opened' | 'ir' | 'shapes'>> {
  const entry = await remembered(filePath, displayName);
  if (entry.analysis) return entry.analysis;
  const { opened, ir } = await entry.structure;
  // The check reads the types only: costs and statistics are not counted.
  const src = { path: opened.path, bytes: opened.bytes };
  return { opened, ir, shapes: inferShapes(opened.model, ir, src, { costs: false }) };
}

/** Reads a model and returns its summary with statistics (the `model.open` job). */
export async function summarizeModel(filePath: string, displayName: string): Promise<ModelSummary> {
  return (await analyzeModelCached(filePath, displayName)).summary;
}
