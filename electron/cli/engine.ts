/**
 * `kiln engine model.onnx layers.json [profile.json] [times.json] [--vs files… ]…`: the engine view
 * the Engine tab shows, from the command line — or, with --vs, two to four engines of the model
 * lined up group by group — with the precision audit, as text or --json, and --report out.html.
 */
import { parseArgs } from 'node:util';
import type { ApiClient } from '../shared/api/client';
import { engineReportJson } from '../shared/compare/engine-json';
import { engineReportHtml, isTf32Default } from '../shared/compare/engine-report';
import { writeFileAtomic } from '../platform/atomic-write';
import { formatEngineDiff, formatEngineView } from './engine-format';
import { UsageError } from './usage';

type WithClient = <T>(fn: (client: ApiClient) => Promise<T>) => Promise<T>;

/** Splits the arguments at each --vs: the first part holds the model and import A. */
function splitImports(args: string[]): { options: string[]; model: string; imports: string[][] } {
  const parts: string[][] = [[]];
  const options: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--vs') parts.push([]);
    else if (a === '--json') options.push(a);
    else if (a === '--report') options.push(a, args[++i] ?? '');
    else if (a.startsWith('--report=')) options.push(a);
    else if (a.startsWith('-')) throw new UsageError(`engine does not take ${a}`);
    else parts[parts.length - 1]!.push(a);
  }
  const [first, ...rest] = parts as [string[], ...string[][]];
  const model = first.shift();
  if (!model) throw new UsageError('engine needs the model file first, then its trtexec files');
  const imports = [first, ...rest];
  imports.forEach((files, i) => {
    if (files.length === 0)
      throw new UsageError(
        i === 0 ? 'engine needs at least one trtexec file after the model' : `--vs number ${i} has no files after it`,
      );
    if (files.length > 8) throw new UsageError(`an import takes at most 8 files, not ${files.length}`);
  });
  if (imports.length > 4) throw new UsageError(`engine compares at most 4 imports, not ${imports.length}`);
  return { options, model, imports };
}

export async function engineCommand(args: string[], withClient: WithClient): Promise<number> {
  const { options, model, imports } = splitImports(args);
  const { values } = parseArgs({
    args: options,
    options: { json: { type: 'boolean' }, report: { type: 'string' } },
  });
  const source = { kind: 'path' as const, path: model };
  const toSource = (p: string) => ({ kind: 'path' as const, path: p });
  const { views, diff, names } = await withClient(async (c) => {
    const graph = await c.call('model.graph', { source });
    if (imports.length === 1) {
      const view = await c.call('engine.import', { source, files: imports[0]!.map(toSource) });
      return { views: [view], diff: null, names: graph.nodeName };
    }
    const r = await c.call('engine.diff', { source, imports: imports.map((files) => files.map(toSource)) });
    return { views: r.views, diff: r.diff, names: graph.nodeName };
  });
  if (values.report) writeFileAtomic(values.report, engineReportHtml({ model, views, diff, names }));
  if (values.json) process.stdout.write(`${JSON.stringify(engineReportJson({ views, diff, names }), null, 2)}\n`);
  else process.stdout.write(diff ? formatEngineDiff(diff, views, names) : formatEngineView(views[0]!, names));
  if (values.report && !values.json) process.stdout.write(`report: ${values.report}\n`);
  // A check that failed: files that are not this model's, or nodes not built as the recipe asked. An
  // FP32 pin run in TF32 is reported but does not fail: TensorRT's default, FP32's range kept.
  const failed = views.some(
    (v) => !v.match.ok || (v.audit.basis === 'recipe' && v.audit.items.some((i) => !isTf32Default(i))),
  );
  return failed ? 1 : 0;
}
