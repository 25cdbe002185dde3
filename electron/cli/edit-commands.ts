/**
 * `kiln fix` and `kiln edit`: model surgery from the command line, through the same API calls the
 * app makes (model.fix, model.edit). The flags become Edit objects in one fixed order (conversions
 * first, then surgery, then shapes, folding and INT64 → INT32, so folding sees the shapes and the
 * graph the other edits left); the new version is copied atomically to -o.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { ApiClient } from '../shared/api/client';
import type { Edit, EditReport } from '../shared/api/edits';
import type { TrtCheck } from '../shared/api/tensorrt';
import { copyFileAtomic } from '../platform/atomic-write';
import { variantPath } from '../platform/paths';
import { parseShapes } from '../core/inputs/specs';
import { formatCheck } from './format';
import { UsageError } from './usage';

type WithClient = <T>(fn: (client: ApiClient) => Promise<T>) => Promise<T>;

const list = (v: string | undefined) =>
  (v ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

function trtOf(v: string | undefined, flag: string): 10 | 11 {
  const t = (v ?? '').replace(/^trt/i, '');
  if (t !== '10' && t !== '11') throw new UsageError(`${flag} must be trt10 or trt11, not "${v}"`);
  return t === '10' ? 10 : 11;
}

/** "x:1x3x224x224,mask:batchx128": numbers fix a dim, names keep it symbolic. */
function parseEditShapes(text: string): Record<string, (number | string)[]> {
  const out: Record<string, (number | string)[]> = {};
  for (const part of list(text)) {
    const at = part.lastIndexOf(':');
    if (at <= 0) throw new UsageError(`--shapes "${part}" must look like name:1x3x224x224`);
    out[part.slice(0, at)] = part
      .slice(at + 1)
      .split('x')
      .map((d) => (/^\d+$/.test(d) ? Number(d) : d));
    if (out[part.slice(0, at)]!.some((d) => d === '')) throw new UsageError(`--shapes "${part}" has an empty dim`);
  }
  return out;
}

/** The check passes: no unsupported node and no model-wide finding (as `kiln check` exits). */
const passes = (c: TrtCheck) =>
  c.unsupported === 0 && !c.findings.some((f) => f.node === '(model)' && f.status !== 'warning');

function formatReport(r: EditReport, out: string): string {
  const lines = [`${r.parent} → ${out}`];
  for (const a of r.applied)
    lines.push(
      `  ${a.kind.padEnd(13)} ${String(a.nodesBefore).padStart(7)} → ${String(a.nodesAfter).padEnd(7)} ${a.summary}${a.exact ? '' : ' (lossy)'}`,
    );
  const e = r.exactness;
  if (e.skipped) lines.push(`outputs not measured: ${e.skipped}`);
  else {
    lines.push(
      `outputs beside the original (${e.samples} ${e.inputs} sample${e.samples === 1 ? '' : 's'}): ${e.exact ? 'unchanged within float rounding' : 'moved'}`,
    );
    for (const o of e.outputs)
      lines.push(`  ${o.name}: max abs ${o.maxAbs.toPrecision(3)}, cosine ${o.cosine.toFixed(6)}`);
  }
  lines.push(
    `changes: ${r.changes.added.length} nodes added, ${r.changes.removed.length} removed, ${r.changes.changed.length} changed`,
  );
  for (const n of r.notes) lines.push(`note: ${n}`);
  let text = `${lines.join('\n')}\n`;
  if (r.check) text += `\n${formatCheck(r.check)}`;
  return text;
}

function writeOut(report: EditReport, out: string, json: boolean | undefined): void {
  if (report.source.kind !== 'variant') throw new Error('an edit returns a variant');
  copyFileAtomic(variantPath(report.source.variantId), out);
  if (json) process.stdout.write(`${JSON.stringify({ ...report, output: out }, null, 2)}\n`);
  else process.stdout.write(formatReport(report, out));
}

export async function fix(args: string[], withClient: WithClient): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      for: { type: 'string', default: 'trt10' },
      shapes: { type: 'string' },
      inputs: { type: 'string' },
      out: { type: 'string', short: 'o' },
      json: { type: 'boolean' },
    },
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw new UsageError('fix takes exactly one model file');
  if (!values.out) throw new UsageError('fix needs -o <fixed.onnx>');
  const trt = trtOf(values.for, '--for');
  const report = await withClient((c) =>
    c.call('model.fix', {
      source: { kind: 'path', path: positionals[0] as string },
      trt,
      shapes: values.shapes ? parseShapes(values.shapes) : {},
      inputs: list(values.inputs).map((p) => ({ kind: 'path' as const, path: path.resolve(p) })),
    }),
  );
  writeOut(report, values.out, values.json);
  return report.check && passes(report.check) ? 0 : 1;
}

export async function edit(args: string[], withClient: WithClient): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      fold: { type: 'boolean' },
      shapes: { type: 'string' },
      'dynamic-batch': { type: 'string' },
      'int64-to-int32': { type: 'boolean' },
      opset: { type: 'string' },
      dequantize: { type: 'boolean' },
      'keep-int4': { type: 'boolean' },
      upcast: { type: 'boolean' },
      extract: { type: 'string' },
      'add-outputs': { type: 'string' },
      remove: { type: 'string' },
      rename: { type: 'string', multiple: true },
      'rename-node': { type: 'string', multiple: true },
      plugin: { type: 'string' },
      trt: { type: 'string' },
      inputs: { type: 'string' },
      out: { type: 'string', short: 'o' },
      json: { type: 'boolean' },
    },
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw new UsageError('edit takes exactly one model file');
  if (!values.out) throw new UsageError('edit needs -o <out.onnx>');
  const edits = editsFromFlags(values);
  if (edits.length === 0) throw new UsageError('edit needs at least one edit flag (--fold, --shapes, …)');
  const trt = values.trt ? trtOf(values.trt, '--trt') : undefined;
  const report = await withClient((c) =>
    c.call('model.edit', {
      source: { kind: 'path', path: positionals[0] as string },
      edits,
      ...(trt ? { trt } : {}),
      inputs: list(values.inputs).map((p) => ({ kind: 'path' as const, path: path.resolve(p) })),
    }),
  );
  writeOut(report, values.out, values.json);
  return report.check && !passes(report.check) ? 1 : 0;
}

function pairs(flag: string, items: string[]): [string, string][] {
  return items.map((s) => {
    const at = s.indexOf('=');
    if (at <= 0 || at === s.length - 1) throw new UsageError(`${flag} "${s}" must look like old=new`);
    return [s.slice(0, at), s.slice(at + 1)];
  });
}

/** The edit flags as Edit objects, in the order they run. */
export function editsFromFlags(v: {
  fold?: boolean;
  shapes?: string;
  'dynamic-batch'?: string;
  'int64-to-int32'?: boolean;
  opset?: string;
  dequantize?: boolean;
  'keep-int4'?: boolean;
  upcast?: boolean;
  extract?: string;
  'add-outputs'?: string;
  remove?: string;
  rename?: string[];
  'rename-node'?: string[];
  plugin?: string;
}): Edit[] {
  const edits: Edit[] = [];
  if (v.opset !== undefined) {
    const n = Number(v.opset);
    if (!Number.isInteger(n) || n < 7 || n > 30)
      throw new UsageError(`--opset must be a whole number from 7 to 30, not "${v.opset}"`);
    edits.push({ kind: 'opset', version: n });
  }
  if (v['keep-int4'] && !v.dequantize) throw new UsageError('--keep-int4 goes with --dequantize');
  if (v.dequantize) edits.push({ kind: 'dequantize', ...(v['keep-int4'] ? { keepInt4: true } : {}) });
  if (v.upcast) edits.push({ kind: 'upcast' });
  if (v.remove) edits.push({ kind: 'remove', nodes: list(v.remove) });
  for (const [from, to] of pairs('--rename', v.rename ?? [])) edits.push({ kind: 'rename', what: 'tensor', from, to });
  for (const [from, to] of pairs('--rename-node', v['rename-node'] ?? []))
    edits.push({ kind: 'rename', what: 'node', from, to });
  if (v.plugin) {
    const m = /^(.+)=(?:([^:]*)::)?([^:]+)$/.exec(v.plugin);
    if (!m) throw new UsageError(`--plugin "${v.plugin}" must look like node1,node2=Domain::Op`);
    edits.push({ kind: 'plugin', nodes: list(m[1]), op: m[3] as string, domain: m[2] || 'trt.plugins' });
  }
  if (v.extract) {
    const [ins, outs, ...rest] = v.extract.split(':');
    if (rest.length > 0 || list(ins).length === 0 || list(outs).length === 0)
      throw new UsageError(`--extract "${v.extract}" must look like in1,in2:out1,out2`);
    edits.push({ kind: 'extract', inputs: list(ins), outputs: list(outs) });
  }
  if (v['add-outputs']) edits.push({ kind: 'addOutputs', tensors: list(v['add-outputs']) });
  if (v.shapes) edits.push({ kind: 'shapes', shapes: parseEditShapes(v.shapes) });
  if (v['dynamic-batch'] !== undefined) edits.push({ kind: 'dynamicBatch', name: v['dynamic-batch'] || 'batch' });
  if (v.fold) edits.push({ kind: 'fold' });
  if (v['int64-to-int32']) edits.push({ kind: 'int64ToInt32' });
  return edits;
}
