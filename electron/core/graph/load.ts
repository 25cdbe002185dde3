/**
 * The graph payload of a model file, for the `model.graph` host job. Built from the model's IR
 * alone, so it is ready before shapes are inferred: the view draws from it while the engine host
 * goes on to the analysis. Asked with shapes, it waits for the analysis and carries inferred types
 * and per-node FLOPs and parameters (the CLI's node table).
 */
import type { GraphPayload } from '../../shared/api/graph-payload';
import { KilnError } from '../../shared/api/errors';
import { trace } from '../../platform/trace';
import { analyzeModelCached, modelStructureCached } from '../onnx/analyze';
import type { ModelIR } from '../onnx/ir';
import { graphPayloadFromIR } from './from-ir';

let cache: { ir: ModelIR; graphId: number; shapes: boolean; payload: GraphPayload } | null = null;

/**
 * The payload of graph `graphId` (0: the main graph; an If/Loop/Scan body's IR graph id otherwise).
 * Subgraph entries carry IR graph ids, so the view can follow them.
 */
export async function graphPayloadForFile(
  path: string,
  displayName?: string,
  graphId = 0,
  options: { shapes?: boolean } = {},
): Promise<GraphPayload> {
  const shapes = options.shapes === true;
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
