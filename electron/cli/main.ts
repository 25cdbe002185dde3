/**
 * The command line: `npx kiln <command>`. Every command goes through the same API contract and
 * engine host as the app, so the CLI and the UI can never disagree.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { ApiClient } from '../shared/api/client';
import type { ModelSummary } from '../shared/api/model-summary';
import { CALIBRATORS, CalibratorSchema, ImagePreprocessSchema, type ImagePreprocess } from '../shared/api/variants';
import { directClient } from '../shared/api/direct';
import { KilnError } from '../shared/api/errors';
import { copyFileAtomic, writeFileAtomic } from '../platform/atomic-write';
import { createCallHandler } from '../dispatch/dispatch';
import { forkSpawner } from '../dispatch/fork-spawner';
import { HostSupervisor } from '../dispatch/supervisor';
import { formatBytes, formatCheck, formatNodes, formatProfile, formatSummary, nodeRows } from './format';
import { comparisonHtml, metricText } from '../shared/compare/report';
import { DEFAULT_THRESHOLDS, describeThresholds, type Thresholds } from '../shared/compare/thresholds';
import { variantPath } from '../platform/paths';
import { KILN_VERSION } from '../platform/version';
import { parseShapes } from '../core/inputs/specs';
import { parseShapeValues } from './shape-values';
import { diffJson, formatDiff } from './diff-text';
import { latencyOptions, latencyTable, measureLatency, type Latency, type LatencyRun } from './latency';
import { engineCommand } from './engine';
import { edit, fix } from './edit-commands';
import { commandUsage, isCommand, positiveNumber, USAGE, UsageError } from './usage';

async function withClient<T>(fn: (client: ApiClient) => Promise<T>): Promise<T> {
  const supervisor = new HostSupervisor(forkSpawner());
  // Ctrl-C or a kill: stop the hosts and remove what they made before leaving (exit 130 / 143, as shells expect).
  const onSignal = (signal: NodeJS.Signals) => {
    supervisor.dispose();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await fn(directClient(createCallHandler({ supervisor, transport: 'cli', maxUploadBytes: null })));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    supervisor.dispose();
  }
}

async function inspect(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { json: { type: 'boolean' }, nodes: { type: 'boolean' } },
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw new UsageError('inspect takes exactly one model file');
  const source = { kind: 'path', path: positionals[0] as string } as const;
  const [summary, graph] = await withClient(async (c) => {
    const s: ModelSummary = await c.call('model.open', { source });
    return [s, values.nodes ? await c.call('model.graph', { source, shapes: true }) : null] as const;
  });
  const nodes = graph ? nodeRows(graph) : undefined;
  if (values.json) process.stdout.write(`${JSON.stringify(nodes ? { ...summary, nodes } : summary, null, 2)}\n`);
  else process.stdout.write(formatSummary(summary) + (nodes ? formatNodes(nodes) : ''));
  return 0;
}

const list = (v: string | undefined) =>
  (v ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/** --specialize and --fix sr=16000,... -> the recipe's specialization fields. */
function specialization(values: { specialize?: boolean; fix?: string }) {
  const fixedInputs: Record<string, number> = {};
  for (const part of list(values.fix)) {
    const m = /^(.+)=([^=]+)$/.exec(part);
    const v = m ? Number(m[2]) : NaN;
    if (!m || !Number.isFinite(v)) throw new UsageError(`--fix "${part}" must look like name=value, e.g. sr=16000`);
    fixedInputs[(m[1] as string).trim()] = v;
  }
  return { fixedInputs, specialize: Boolean(values.specialize) || Object.keys(fixedInputs).length > 0 };
}

function fp16Recipe(values: {
  'keep-io'?: boolean;
  'no-keep-io'?: boolean;
  'exclude-ops'?: string;
  'exclude-nodes'?: string;
  'data-max'?: string;
  samples?: string;
  shapes?: string;
  specialize?: boolean;
  fix?: string;
}) {
  // Activation ranges are measured only when asked: --samples N runs the model on N seeded samples.
  const samples = positiveNumber(values.samples, '--samples');
  const dataMax = values['data-max'] === undefined ? 512 : Number(values['data-max']);
  if (!(dataMax > 0 && dataMax <= 65504)) throw new UsageError('--data-max must be a number in (0, 65504]');
  return {
    precision: 'fp16' as const,
    keepIOTypes: !values['no-keep-io'],
    dataMax,
    excludeOps: list(values['exclude-ops']),
    excludeNodes: list(values['exclude-nodes']),
    calibrationSamples: samples ? Math.max(1, Math.round(samples)) : 0,
    shapes: values.shapes ? parseShapes(values.shapes) : {},
    ...specialization(values),
  };
}

async function convert(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      precision: { type: 'string' },
      out: { type: 'string', short: 'o' },
      'keep-io': { type: 'boolean' },
      'no-keep-io': { type: 'boolean' },
      'exclude-ops': { type: 'string' },
      'exclude-nodes': { type: 'string' },
      'data-max': { type: 'string' },
      calib: { type: 'string' },
      calibrator: { type: 'string' },
      target: { type: 'string' },
      samples: { type: 'string' },
      shapes: { type: 'string' },
      specialize: { type: 'boolean' },
      fix: { type: 'string' },
      equalize: { type: 'boolean' },
      'no-equalize': { type: 'boolean' },
      'no-check': { type: 'boolean' },
      fp16: { type: 'boolean' },
      'fp32-nodes': { type: 'string' },
      json: { type: 'boolean' },
      ...PREPROCESS_OPTIONS,
    },
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw new UsageError('convert takes exactly one model file');
  if (values.precision !== 'fp16' && values.precision !== 'int8')
    throw new UsageError('--precision must be fp16 or int8');
  if (!values.out) throw new UsageError('convert needs -o out.onnx');
  const recipe = values.precision === 'int8' ? int8Recipe(values, imagePreprocess(values)) : fp16Recipe(values);
  const variant = await withClient((c) =>
    c.call(
      'variant.make',
      { source: { kind: 'path', path: positionals[0] as string }, recipe },
      {
        onProgress: values.json
          ? undefined
          : (p) =>
              process.stderr.write(
                `\r${p.stage}${p.fraction === null ? '' : ` ${Math.round(p.fraction * 100)}%`}      `,
              ),
      },
    ),
  );
  if (!values.json) process.stderr.write('\n');
  copyFileAtomic(variantPath(variant.id), values.out);
  if (values.json) process.stdout.write(`${JSON.stringify({ ...variant, path: path.resolve(values.out) }, null, 2)}\n`);
  else
    process.stdout.write(
      `${values.out}: ${Object.entries(variant.nodesByPrecision)
        .filter(([k]) => k !== 'other')
        .map(([k, n]) => `${n} ${k.toUpperCase()}`)
        .join(
          ', ',
        )} nodes, ${variant.castsInserted} casts, ${variant.qdqPairs} Q/DQ pairs, ${formatBytes(variant.bytes)}\n` +
        variant.kept.map((k) => `  FP32  ${k.op} ${k.node}: ${k.reason}\n`).join('') +
        variant.notes.map((n) => `note: ${n}\n`).join(''),
    );
  return 0;
}

function int8Recipe(
  values: {
    calib?: string;
    calibrator?: string;
    target?: string;
    samples?: string;
    shapes?: string;
    'exclude-ops'?: string;
    'exclude-nodes'?: string;
    specialize?: boolean;
    fix?: string;
    equalize?: boolean;
    'no-equalize'?: boolean;
    'no-check'?: boolean;
    fp16?: boolean;
    'fp32-nodes'?: string;
  },
  preprocess: ImagePreprocess,
) {
  if (values.equalize && values['no-equalize']) throw new UsageError('--equalize and --no-equalize contradict');
  const parsedCalibrator = CalibratorSchema.safeParse(values.calibrator);
  if (values.calibrator !== undefined && !parsedCalibrator.success)
    throw new UsageError(`--calibrator must be ${CALIBRATORS.slice(0, -1).join(', ')} or ${CALIBRATORS.at(-1)}`);
  const calibrator = parsedCalibrator.data;
  const flavour = values.target ?? 'tensorrt';
  if (flavour !== 'tensorrt' && flavour !== 'onnxruntime')
    throw new UsageError('--target must be tensorrt or onnxruntime');
  if (values.fp16 && flavour !== 'tensorrt')
    throw new UsageError('--fp16 applies to --target tensorrt (ONNX Runtime on CPU runs FP16 by emulation)');
  const samples = positiveNumber(values.samples, '--samples');
  return {
    precision: 'int8' as const,
    ...(values.fp16 ? { highPrecision: 'fp16' as const } : {}),
    fp32Nodes: list(values['fp32-nodes']),
    ...(values['no-check'] ? { speedGuard: false, accuracyCheck: false } : {}),
    flavour: flavour as 'tensorrt' | 'onnxruntime',
    ...(calibrator ? { calibrator } : {}),
    ...(samples ? { samples: Math.max(1, Math.round(samples)) } : {}),
    shapes: values.shapes ? parseShapes(values.shapes) : {},
    calibrationFiles: list(values.calib).map((p) => ({ kind: 'path' as const, path: path.resolve(p) })),
    preprocess,
    excludeOps: list(values['exclude-ops']),
    excludeNodes: list(values['exclude-nodes']),
    ...(values.equalize ? { equalize: true } : values['no-equalize'] ? { equalize: false } : {}),
    ...specialization(values),
  };
}

const PREPROCESS_OPTIONS = {
  resize: { type: 'string' },
  mean: { type: 'string' },
  std: { type: 'string' },
  scale: { type: 'string' },
  layout: { type: 'string' },
  bgr: { type: 'boolean' },
} as const;

/** --resize/--mean/--std/--scale/--layout/--bgr -> how images become tensors. */
function imagePreprocess(values: {
  [K in keyof typeof PREPROCESS_OPTIONS]?: (typeof PREPROCESS_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string;
}): ImagePreprocess {
  const numbers = (v: string | undefined, flag: string) => {
    if (v === undefined) return undefined;
    const xs = list(v).map(Number);
    if (xs.length === 0 || xs.some((x) => !Number.isFinite(x)))
      throw new UsageError(`${flag} must be numbers separated by commas, like 0.485,0.456,0.406`);
    return xs;
  };
  const r = ImagePreprocessSchema.safeParse({
    ...(values.resize !== undefined ? { resize: values.resize } : {}),
    ...(values.mean !== undefined ? { mean: numbers(values.mean, '--mean') } : {}),
    ...(values.std !== undefined ? { std: numbers(values.std, '--std') } : {}),
    ...(values.scale !== undefined ? { scale: Number(values.scale) } : {}),
    ...(values.layout !== undefined ? { layout: values.layout.toUpperCase() } : {}),
    channels: values.bgr ? 'BGR' : 'RGB',
  });
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new UsageError(`--${String(issue.path[0] ?? 'preprocess')}: ${issue.message}`);
  }
  return r.data;
}

/** "cosine>=0.999,snr>=25,atol=1e-3,psnr=off" -> thresholds over the defaults (top1 as a share or a percentage). */
function parseTargets(text: string | undefined): Thresholds {
  const out: Thresholds = { ...DEFAULT_THRESHOLDS };
  for (const part of list(text)) {
    const m = /^(cosine|psnr|snr|top1|atol|rtol)\s*(>=|<=|=)\s*([0-9.eE+-]+|off)$/.exec(part);
    const key = m?.[1] as keyof Thresholds | undefined;
    const value = m?.[3] === 'off' ? null : Number(m?.[3]);
    if (!m || !key || (value === null && key === 'cosine') || (value !== null && !Number.isFinite(value)))
      throw new UsageError(
        `--target "${part}" must look like cosine>=0.999, snr>=17, psnr>=30, top1>=0.99, atol=1e-3 or rtol=1e-3 (any but cosine can be =off)`,
      );
    out[key] = key === 'top1' && value !== null && value > 1 ? value / 100 : (value as number);
  }
  return out;
}

async function compare(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      variants: { type: 'string', default: 'fp16' },
      shapes: { type: 'string' },
      samples: { type: 'string' },
      target: { type: 'string' },
      json: { type: 'boolean' },
      report: { type: 'string' },
      layerwise: { type: 'boolean' },
      inputs: { type: 'string' },
      calib: { type: 'string' },
      outputs: { type: 'string' },
      stream: { type: 'string' },
      specialize: { type: 'boolean' },
      fix: { type: 'string' },
      latency: { type: 'boolean' },
      warmup: { type: 'string' },
      duration: { type: 'string' },
      iterations: { type: 'string' },
      threads: { type: 'string' },
      ...PREPROCESS_OPTIONS,
    },
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw new UsageError('compare takes exactly one model file');
  const timing = latencyOptions(values);
  if (values.outputs !== undefined && list(values.outputs).length === 0)
    throw new UsageError('--outputs needs output names, e.g. --outputs output');
  const preprocess = imagePreprocess(values);
  const inputs = list(values.inputs).map((p) => ({ kind: 'path' as const, path: path.resolve(p) }));
  const wanted = list(values.variants).filter((v) => v !== 'fp32');
  for (const v of wanted)
    if (v !== 'fp16' && v !== 'int8')
      throw new UsageError(`--variants: "${v}" is not a precision Kiln makes (fp32, fp16, int8)`);
  if (wanted.length === 0) throw new UsageError('--variants needs at least one of fp16, int8');
  const samples = positiveNumber(values.samples, '--samples') ?? 8;
  const targets = parseTargets(values.target);
  const stream = list(values.stream).map((pair) => {
    const m = /^([^:]+):([^:]+)$/.exec(pair);
    if (!m) throw new UsageError(`--stream "${pair}" must look like output:input, e.g. stateN:state`);
    return { output: m[1] as string, input: m[2] as string };
  });
  const source = { kind: 'path' as const, path: positionals[0] as string };
  const shapes = values.shapes ? parseShapes(values.shapes) : {};
  let timed: { run: LatencyRun; variants: Latency[] } | undefined;
  const result = await withClient(async (c) => {
    const ids: string[] = [];
    for (const p of wanted)
      ids.push(
        (
          await c.call('variant.make', {
            source,
            recipe:
              p === 'int8'
                ? {
                    ...int8Recipe({ calib: values.calib, specialize: values.specialize, fix: values.fix }, preprocess),
                    shapes,
                  }
                : {
                    ...fp16Recipe({ specialize: values.specialize, fix: values.fix }),
                    calibrationSamples: samples,
                    shapes,
                  },
          })
        ).id,
      );
    const comparison = await c.call(
      'model.compare',
      {
        source,
        variants: ids,
        samples: Math.max(1, Math.round(samples)),
        shapes,
        thresholds: targets,
        layerwise: values.layerwise ?? Boolean(values.report),
        judge: list(values.outputs),
        stream,
        inputs,
        preprocess,
      },
      { onProgress: values.json ? undefined : (p) => process.stderr.write(`\r${p.stage}      `) },
    );
    // --latency: FP32 and each variant timed as `profile` times them, after the accuracy run.
    if (timing) {
      const names = ids.map((id, i) => ({ id, name: wanted[i] ?? id }));
      timed = await measureLatency(
        c,
        source,
        names,
        { ...timing, shapes },
        values.json ? undefined : (text) => process.stderr.write(`\r${text}      `),
      );
    }
    return comparison;
  });
  const named = {
    ...result,
    variants: result.variants.map((v, i) => ({
      ...v,
      name: wanted[i] ?? v.name,
      ...(timed ? { latency: timed.variants[i] ?? null } : {}),
    })),
    ...(timed ? { latency: timed.run } : {}),
  };
  if (values.report) writeFileAtomic(values.report, comparisonHtml(named));
  if (values.json) process.stdout.write(`${JSON.stringify(named, null, 2)}\n`);
  else {
    process.stderr.write('\n');
    process.stdout.write(`judged by ${describeThresholds(named.thresholds)}\n`);
    for (const v of named.variants)
      for (const o of v.perOutput)
        process.stdout.write(
          `${v.name} ${o.output}: ${o.pass ? 'pass' : 'FAIL'}${o.judged ? '' : ' (not judged)'}  cosine ${metricText(o.metrics.cosine, (x) => x.toFixed(6))} (worst sample ${metricText(o.worstSample.cosine, (x) => x.toFixed(6))})  PSNR ${metricText(o.metrics.psnr, (x) => x.toFixed(1))} dB  SNR ${metricText(o.metrics.snr, (x) => x.toFixed(1))} dB  max|err| ${metricText(o.metrics.maxAbs, (x) => x.toExponential(2))}${o.top1 === null ? '' : `  top-1 ${(o.top1 * 100).toFixed(1)}%`}${o.pass ? '' : `\n    ${o.failed.join('; ')}`}\n`,
        );
    if (timed) process.stdout.write(`\n${latencyTable(named, timed)}\n`);
    if (values.report) process.stdout.write(`report: ${values.report}\n`);
  }
  return named.variants.every((v) => v.pass) ? 0 : 1;
}

async function check(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { trt: { type: 'string', default: '11' }, json: { type: 'boolean' } },
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw new UsageError('check takes exactly one model file');
  const release = /^(10|11)(?:\.(\d{1,2}))?$/.exec(values.trt ?? '');
  if (!release)
    throw new UsageError(`--trt must be 10 or 11, or a release such as 10.3 (JetPack 6), not "${values.trt}"`);
  const trt = release[1] === '10' ? 10 : 11;
  const minor = release[2] === undefined ? {} : { minor: Number(release[2]) };
  const report = await withClient((c) =>
    c.call('model.check', { source: { kind: 'path', path: positionals[0] as string }, trt, ...minor }),
  );
  if (values.json) {
    const { nodeStatus: _omit, fusion, ...rest } = report;
    const summary = {
      nodes: fusion.nodes,
      kernels: fusion.kernels,
      folded: fusion.folded,
      groups: fusion.groups
        .filter((g) => g.kind !== 'folded')
        .map((g) => ({ kind: g.kind, label: g.label, nodes: g.nodes.length })),
    };
    process.stdout.write(`${JSON.stringify({ ...rest, fusion: summary }, null, 2)}\n`);
  } else process.stdout.write(formatCheck(report));
  return report.unsupported > 0 || report.findings.some((f) => f.node === '(model)' && f.status === 'restriction')
    ? 1
    : 0;
}

async function profile(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      warmup: { type: 'string' },
      duration: { type: 'string' },
      iterations: { type: 'string' },
      shapes: { type: 'string' },
      level: { type: 'string' },
      threads: { type: 'string' },
      'layer-runs': { type: 'string' },
      inputs: { type: 'string' },
      backend: { type: 'string' },
      'shape-values': { type: 'string' },
      json: { type: 'boolean' },
    },
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw new UsageError('profile takes exactly one model file');
  const backend = values.backend ?? 'onnxruntime';
  if (backend !== 'onnxruntime' && backend !== 'tensorrt')
    throw new UsageError('--backend must be onnxruntime or tensorrt');
  if (values['shape-values'] && backend !== 'tensorrt')
    throw new UsageError('--shape-values applies to --backend tensorrt (the values a shape-tensor input is built for)');
  const shapeValues = values['shape-values'] ? parseShapeValues(values['shape-values']) : {};
  if (values.duration !== undefined && values.iterations !== undefined)
    throw new UsageError('give --duration or --iterations, not both');
  const level = values.level ?? 'extended';
  if (!['disabled', 'basic', 'extended', 'all'].includes(level))
    throw new UsageError(`--level must be disabled, basic, extended or all`);
  const iterations = positiveNumber(values.iterations, '--iterations');
  const threads = positiveNumber(values.threads, '--threads');
  const report = await withClient((c) =>
    c.call(
      'model.profile',
      {
        source: { kind: 'path', path: positionals[0] as string },
        build: {
          backend,
          optimizationLevel: level as 'extended',
          ...(backend === 'tensorrt'
            ? {
                trt: {
                  profiles: Object.fromEntries(Object.entries(shapeValues).map(([n, v]) => [n, { values: v }])),
                },
              }
            : {}),
        },
        profile: {
          warmupMs: positiveNumber(values.warmup, '--warmup') ?? 200,
          ...(iterations !== undefined
            ? { iterations: Math.round(iterations) }
            : { durationS: positiveNumber(values.duration, '--duration') ?? 3 }),
          shapes: values.shapes ? parseShapes(values.shapes) : {},
          seed: 1,
          ...(threads ? { intraOpThreads: Math.round(threads) } : {}),
          layerRuns: Math.round(positiveNumber(values['layer-runs'], '--layer-runs') ?? 10),
          ...(values.inputs ? { inputs: { kind: 'path' as const, path: path.resolve(values.inputs) } } : {}),
        },
      },
      {
        onProgress: values.json
          ? undefined
          : (p) =>
              process.stderr.write(`\r${p.stage}${p.fraction === null ? '' : ` ${Math.round(p.fraction * 100)}%`}    `),
      },
    ),
  );
  if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else {
    process.stderr.write('\n');
    process.stdout.write(formatProfile(report));
  }
  return 0;
}

async function diff(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { json: { type: 'boolean' }, 'all-renamed': { type: 'boolean' } },
    allowPositionals: true,
  });
  if (positionals.length !== 2) throw new UsageError('diff takes exactly two model files');
  const [a, b] = positionals.map((p) => ({ kind: 'path', path: p }) as const);
  const result = await withClient((c) => c.call('model.diff', { a: a!, b: b! }));
  const json = () => `${JSON.stringify(diffJson(result, values['all-renamed'] === true), null, 2)}\n`;
  process.stdout.write(values.json ? json() : formatDiff(result));
  return result.identical ? 0 : 1;
}

async function probe(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' } } });
  const result = await withClient((c) => c.call('native.probe', {}));
  if (values.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else {
    process.stdout.write(`${result.summary}\n`);
    for (const s of result.searched) process.stdout.write(`  ${s.library} in ${s.path}: ${s.result}\n`);
  }
  return result.tensorrt.found ? 0 : 1;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  // Every command answers --help with its own options; `kiln help <command>` too.
  if (isCommand(command) && (rest.includes('--help') || rest.includes('-h'))) {
    process.stdout.write(`${commandUsage(command)}\n`);
    return 0;
  }
  if (command === 'help' && isCommand(rest[0])) {
    process.stdout.write(`${commandUsage(rest[0])}\n`);
    return 0;
  }
  if (command === '--version' || command === '-V' || command === 'version') {
    process.stdout.write(`kiln ${KILN_VERSION}\n`);
    return 0;
  }
  switch (command) {
    case 'inspect':
      return inspect(rest);
    case 'profile':
      return profile(rest);
    case 'convert':
      return convert(rest);
    case 'compare':
      return compare(rest);
    case 'check':
      return check(rest);
    case 'diff':
      return diff(rest);
    case 'fix':
      return fix(rest, withClient);
    case 'edit':
      return edit(rest, withClient);
    case 'probe':
      return probe(rest);
    case 'engine':
      return engineCommand(rest, withClient);
    case 'serve':
      process.argv = [process.argv[0] as string, 'serve', ...rest];
      await import('../serve/main');
      return new Promise<number>(() => {}); // runs until stopped
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

/** Exits once stdout and stderr are flushed: a pipe takes large JSON in 64 KiB pieces. */
function exitAfterFlush(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

main(process.argv.slice(2)).then(
  (code) => exitAfterFlush(code),
  (err: unknown) => {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      // Wrong usage of a command shows that command's options, not the whole list.
      const command = process.argv[2];
      process.stderr.write(
        `kiln: ${(err as Error).message}\n\n${isCommand(command) ? commandUsage(command) : USAGE}\n`,
      );
      return exitAfterFlush(2);
    }
    // Plain words first; the technical detail (the decoder's message) on the line under it.
    const detail = err instanceof KilnError && typeof err.details?.detail === 'string' ? err.details.detail : '';
    const message =
      err instanceof KilnError
        ? `${err.message}${err.file && !err.message.includes(err.file) ? ` (${err.file})` : ''}${detail ? `\n  detail: ${detail}` : ''}`
        : String(err);
    process.stderr.write(`kiln: ${message}\n`);
    exitAfterFlush(1);
  },
);
