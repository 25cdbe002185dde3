/**
 * Every model file Kiln writes is proven loadable before it is handed over: its declared types
 * agree with what its nodes produce (onnx/type-agreement.ts, pure TypeScript) and ONNX Runtime loads
 * it with graph optimizations off (optimizations can fold a broken chain away and hide it; other
 * tools, and ONNX Runtime with them off, then refuse the file). A rewrite that fails is a Kiln bug:
 * the file is refused with an error naming the node and the tensor, never handed over to crash
 * a comparison or a build later. Writers produce the file under a temp name beside its target
 * (platform/atomic-write.ts) and only a proven file is renamed into place.
 */
import * as fs from 'node:fs';
import { KilnError } from '../../shared/api/errors';
import { tempPathBeside } from '../../platform/atomic-write';
import { openSession } from '../backends/onnxruntime/session';
import { analyzeModel } from '../onnx/analyze';
import { describeDisagreement, typeDisagreements } from '../onnx/type-agreement';

/** The disagreements named in the error; the rest are counted. */
const NAMED = 3;

function kilnBug(writer: string, what: string, file: string): KilnError {
  return new KilnError(
    'INTERNAL',
    `${writer} wrote a model ONNX Runtime cannot load: ${what} — this is a Kiln bug, please report it`,
    { file },
  );
}

/**
 * Proves the model at `file` loadable, or throws the Kiln-bug error (INTERNAL) saying what `writer`
 * ("FP16 autocast") got wrong. `displayName` is what messages call the file (never its folder).
 */
export async function proveLoadable(file: string, writer: string, displayName: string): Promise<void> {
  const a = await analyzeModel(file, displayName);
  const wrong = typeDisagreements(a);
  if (wrong.length > 0) {
    const named = wrong.slice(0, NAMED).map(describeDisagreement).join('; ');
    const more = wrong.length > NAMED ? ` (and ${wrong.length - NAMED} more)` : '';
    throw kilnBug(writer, `${named}${more}`, displayName);
  }
  let session: Awaited<ReturnType<typeof openSession>>;
  try {
    session = await openSession(file, { optimization: 'disabled', quiet: true });
  } catch (err) {
    const message = (err instanceof Error ? err.message : String(err))
      .split(file)
      .join(displayName)
      .replace(/[.\s]+$/, '');
    throw kilnBug(writer, message, displayName);
  }
  await session.release();
}

/**
 * Makes the file `target` through `write(tmp)` — which writes the model to `tmp`, a temp name beside
 * the target — proves it loadable and only then renames it into place. On any failure the temp
 * file, and the `sidecars` this attempt wrote (`.calib.cache` beside the target), are removed and
 * the error rethrown. `placeAt`, when given, says from what was made where the file goes instead (a
 * path in the target's folder): for a file whose name depends on its content.
 */
export async function writeProven<T>(
  target: string,
  writer: string,
  displayName: string,
  write: (tmp: string) => Promise<T>,
  sidecars: string[] = [],
  placeAt?: (made: T) => string,
): Promise<T> {
  const tmp = tempPathBeside(target);
  const started = Date.now();
  try {
    const made = await write(tmp);
    await proveLoadable(tmp, writer, displayName);
    fs.renameSync(tmp, placeAt ? placeAt(made) : target);
    return made;
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    // Only sidecars this attempt wrote: an earlier good variant's stay with it.
    for (const f of sidecars)
      if ((fs.statSync(f, { throwIfNoEntry: false })?.mtimeMs ?? 0) >= started - 1000) fs.rmSync(f, { force: true });
    throw err;
  }
}

/** What a message calls the writer of a variant with this recipe ("FP16 autocast", "INT8 quantization"). */
export function writerOf(recipe: { precision: string; highPrecision?: string }, specialized: boolean): string {
  const base =
    recipe.precision === 'int8'
      ? `INT8 quantization${recipe.highPrecision === 'fp16' ? ' with FP16' : ''}`
      : 'FP16 autocast';
  return specialized ? `${base} of the specialized model` : base;
}
