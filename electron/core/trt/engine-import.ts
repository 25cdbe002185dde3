/**
 * Engine files from disk: the trtexec JSON files of one import read as text (refused by name when
 * missing or far too large to be a trtexec export), and two to four imports read, viewed against
 * the model and diffed. The engine host's jobs call these; the views and the diff stay pure.
 */
import * as fs from 'node:fs';
import { KilnError } from '../../shared/api/errors';
import type { EngineDiff } from '../../shared/api/engine-diff';
import type { EngineView } from '../../shared/api/tensorrt';
import type { ModelAnalysis } from '../onnx/analyze';
import { engineDiff } from './engine-diff/diff';
import { engineView, type EngineFile } from './engine-view';

/** Layer info of a 100k-layer engine is tens of MiB; anything far beyond is not a trtexec export. */
export const MAX_ENGINE_JSON = 256 * 2 ** 20;

export interface EngineFileRef {
  path: string;
  displayName: string;
}

export async function readEngineFiles(files: readonly EngineFileRef[]): Promise<EngineFile[]> {
  const texts: EngineFile[] = [];
  for (const f of files) {
    const stat = await fs.promises.stat(f.path).catch(() => null);
    if (!stat) throw new KilnError('FILE_NOT_FOUND', `${f.displayName}: no such file`, { file: f.displayName });
    if (stat.size > MAX_ENGINE_JSON)
      throw new KilnError(
        'TOO_LARGE',
        `${f.displayName} is ${stat.size} bytes; trtexec JSON files over 256 MiB are refused`,
        { file: f.displayName },
      );
    texts.push({ name: f.displayName, text: await fs.promises.readFile(f.path, 'utf8') });
  }
  return texts;
}

/** Each import's view of the model, and the diff of them all, in the order given. */
export async function diffEngineFiles(
  a: ModelAnalysis,
  imports: readonly (readonly EngineFileRef[])[],
): Promise<{ views: EngineView[]; diff: EngineDiff }> {
  const views: EngineView[] = [];
  for (const files of imports) views.push(engineView(a, await readEngineFiles(files)));
  const diff = engineDiff(imports.map((files, i) => ({ files: files.map((f) => f.displayName), view: views[i]! })));
  return { views, diff };
}
