/**
 * Model diff from two files: the first is taken from the engine host's remembered model when it
 * is the one open (the app diffs the open model against another), the second is read and its IR
 * built here and let go afterwards, so the open model stays remembered.
 */
import type { ModelDiff } from '../../shared/api/diff';
import { throwIfCancelled, type JobContext } from '../jobs/context';
import { modelStructureCached } from '../onnx/analyze';
import { buildIR } from '../onnx/ir';
import { openModelFile } from '../onnx/open';
import { diffModels } from './model-diff';

export interface DiffFile {
  path: string;
  displayName: string;
}

export async function diffFiles(a: DiffFile, b: DiffFile, ctx?: JobContext): Promise<ModelDiff> {
  ctx?.progress({ fraction: null, stage: `Reading ${a.displayName}` });
  const A = await modelStructureCached(a.path, a.displayName);
  if (ctx) throwIfCancelled(ctx, 'The diff');
  ctx?.progress({ fraction: null, stage: `Reading ${b.displayName}` });
  const opened = await openModelFile(b.path, b.displayName);
  const B = { opened, ir: buildIR(opened.model) };
  if (ctx) throwIfCancelled(ctx, 'The diff');
  ctx?.progress({ fraction: null, stage: `Comparing ${a.displayName} with ${b.displayName}` });
  return diffModels({ opened: A.opened, ir: A.ir }, B, ctx);
}
