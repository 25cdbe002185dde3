/**
 * Opening a model for the app: read and decode the file, build the graph IR, infer shapes and
 * count costs, and summarise. One call does the whole pipeline so the engine host can keep the
 * result (the graph view and the inspector ask for parts of it next).
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { ModelSummary } from '../../shared/api/contract';
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

function analyzeOpened(opened: OpenedModel, bytes: Uint8Array, readMs: number): ModelAnalysis {
  let t = performance.now();
  const ir = buildIR(opened.model);
  const irMs = performance.now() - t;
  t = performance.now();
  const shapes = inferShapes(opened.model, ir, { path: opened.path, bytes });
  const shapesMs = performance.now() - t;
  t = performance.now();
  const summary = summarize(opened, { ir, shapes });
  return {
    opened,
    ir,
    shapes,
    summary,
    timings: { read: readMs, ir: irMs, shapes: shapesMs, summary: performance.now() - t },
  };
}

/** The whole pipeline on a file. Throws KilnError (naming `displayName`) for anything unreadable. */
export async function analyzeModel(filePath: string, displayName = path.basename(filePath)): Promise<ModelAnalysis> {
  const t = performance.now();
  const opened = await openModelFile(filePath, displayName);
  return analyzeOpened(opened, opened.bytes, performance.now() - t);
}

/** The same on bytes in memory (uploads, fuzzing): `absPath` is where external data is resolved from. */
export function analyzeModelBytes(bytes: Uint8Array, absPath: string, displayName: string): ModelAnalysis {
  const t = performance.now();
  const opened = openModelBytes(bytes, absPath, displayName);
  return analyzeOpened(opened, bytes, performance.now() - t);
}

let last: { path: string; mtimeMs: number; size: number; analysis: ModelAnalysis } | null = null;

/**
 * The pipeline, remembering the last model: the app asks for the summary, then the graph, then
 * node details of the same file, and none of them should read and infer it again. A changed file
 * (mtime or size) is read afresh.
 */
export async function analyzeModelCached(
  filePath: string,
  displayName = path.basename(filePath),
): Promise<ModelAnalysis> {
  const stat = await fs.stat(filePath).catch(() => null);
  if (stat && last && last.path === filePath && last.mtimeMs === stat.mtimeMs && last.size === stat.size)
    return last.analysis;
  last = null; // let the previous model's memory go before the next one is read
  const analysis = await analyzeModel(filePath, displayName);
  if (stat) last = { path: filePath, mtimeMs: stat.mtimeMs, size: stat.size, analysis };
  return analysis;
}

/** Reads a model and returns its summary with statistics (the `model.open` job). */
export async function summarizeModel(filePath: string, displayName: string): Promise<ModelSummary> {
  return (await analyzeModelCached(filePath, displayName)).summary;
}
