/**
 * The CLI as a new user meets it (issue 21): --help on every command and --version; `compare
 * --latency` timing FP32 and each variant in one table and in the JSON; `check` passing the
 * commonest models (a BERT-style encoder with an attention mask, a detector's tail); and files that
 * are not models said plainly, with the decoder's detail underneath. Runs the compiled CLI through
 * its bin shim (`npx tsc -p tsconfig.json` first).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runKiln } from './helpers';
import { encodeModel } from '../../electron/core/onnx/encode';
import { detectorTail } from '../builders/detector';
import { transformer } from '../builders/transformer';

const ROOT = path.resolve(__dirname, '../..');
const CLS = path.join(ROOT, 'assets/sample/ch_ppocr_mobile_v2.0_cls_infer.onnx');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-cli-first-hour-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const kiln = (...args: string[]) => runKiln(args, { timeout: 110_000 });

describe('help and version', () => {
  const commands = ['inspect', 'profile', 'check', 'convert', 'compare', 'probe', 'serve'];
  it.each(commands)('kiln %s --help prints its own options and exits 0', (command) => {
    for (const flag of ['--help', '-h']) {
      const r = kiln(command, flag);
      expect(r.code, `${command} ${flag}`).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toContain(`Usage: kiln ${command}`);
      expect(r.stdout).toContain(`  ${command} `);
    }
    expect(kiln('help', command).stdout).toContain(`Usage: kiln ${command}`);
  });

  it('--help wins over a missing model, and compare documents --latency', () => {
    const r = kiln('compare', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--latency');
    expect(r.stdout).not.toContain('inspect <model.onnx>'); // its own block, not the whole list
  });

  it('--version prints the package version', () => {
    const version = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string })
      .version;
    for (const flag of ['--version', '-V', 'version']) {
      const r = kiln(flag);
      expect(r.code, flag).toBe(0);
      expect(r.stdout).toBe(`kiln ${version}\n`);
    }
    expect(kiln().stdout).toContain('kiln <command> --help');
  });
});

describe('compare --latency', () => {
  const base = ['compare', CLS, '--variants', 'fp16', '--shapes', 'x:1x3x48x192', '--samples', '2'];
  const timing = ['--latency', '--iterations', '15', '--warmup', '0'];

  it('JSON: each variant and the reference carry their latency beside the accuracy', () => {
    const r = kiln(...base, ...timing, '--json');
    expect([0, 1]).toContain(r.code); // the accuracy verdict gates the exit code, as without --latency
    const j = JSON.parse(r.stdout) as {
      latency: {
        backend: string;
        device: string;
        reference: { medianMs: number; iterations: number; speedup: number };
      };
      variants: { name: string; latency: { medianMs: number; p99Ms: number; speedup: number; iterations: number } }[];
    };
    expect(j.latency.backend).toMatch(/onnxruntime/);
    expect(j.latency.reference.medianMs).toBeGreaterThan(0);
    expect(j.latency.reference.iterations).toBe(15);
    expect(j.latency.reference.speedup).toBe(1);
    const fp16 = j.variants[0]!;
    expect(fp16.name).toMatch(/fp16/);
    expect(fp16.latency.medianMs).toBeGreaterThan(0);
    expect(fp16.latency.p99Ms).toBeGreaterThanOrEqual(fp16.latency.medianMs);
    expect(fp16.latency.speedup).toBeCloseTo(j.latency.reference.medianMs / fp16.latency.medianMs, 6);
  });

  it('text: one table of latency against accuracy, FP32 first', () => {
    const r = kiln(...base, ...timing);
    expect([0, 1]).toContain(r.code);
    const lines = r.stdout.split('\n');
    const head = lines.findIndex((l) => l.startsWith('latency against accuracy'));
    expect(head).toBeGreaterThanOrEqual(0);
    expect(lines[head + 1]).toMatch(
      /^model\s+median ms\s+p99 ms\s+vs FP32\s+cosine \(worst sample\)\s+SNR dB\s+verdict$/,
    );
    expect(lines[head + 2]).toMatch(/^fp32\s+\d+\.\d{3}\s+\d+\.\d{3}\s+1\.00×\s+\(reference\)$/);
    expect(lines[head + 3]).toMatch(
      /^\S*fp16\S*\s+\d+\.\d{3}\s+\d+\.\d{3}\s+\d+\.\d{2}×\s+\d\.\d{6}\s+-?\d+\.\d\s+(pass|FAIL)$/,
    );
  });

  it('timing flags without --latency are wrong usage, answered with the options of compare', () => {
    const r = kiln(...base, '--iterations', '5');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--iterations times the models: give it with --latency');
    expect(r.stderr).toContain('Usage: kiln compare');
    expect(r.stderr).not.toContain('inspect <model.onnx>');
  });
});

describe('check passes the commonest models', () => {
  const write = (name: string, bytes: Uint8Array) => {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, bytes);
    return file;
  };
  it.each([10, 11])('a BERT-style encoder with an attention mask and a detector tail exit 0 on TensorRT %i', (trt) => {
    const bert = write('bert-mask.onnx', encodeModel(transformer(4, { mask: true })));
    const ssd = write('ssdlite-tail.onnx', encodeModel(detectorTail(90)));
    for (const file of [bert, ssd]) {
      const r = kiln('check', file, '--trt', String(trt));
      expect(r.code, `${path.basename(file)}\n${r.stdout}`).toBe(0);
      expect(r.stdout).not.toMatch(/on BOOL/);
    }
    // The JSON carries the grouped findings and the table the check really used.
    const j = JSON.parse(kiln('check', bert, '--trt', String(trt), '--json').stdout) as {
      groups: { op: string; count: number }[];
      unsupported: number;
      table: string;
    };
    expect(j.unsupported).toBe(0);
    // Warnings (INT64 narrowed) and precision notes (TensorRT 11 builds FP32 layers FP32) are not refusals.
    expect(j.groups.filter((g) => !/"status":"(warning|precision)"/.test(JSON.stringify(g)))).toEqual([]);
    expect(j.table).toBe(trt === 10 ? '10.15' : '11.5 (derived)');
  });
});

describe('files that are not models, in plain words', () => {
  it('a truncated model is "cut short", with the decoder detail on the next line', () => {
    const cut = path.join(tmp, 'cut.onnx');
    fs.writeFileSync(cut, fs.readFileSync(CLS).subarray(0, 19));
    const r = kiln('inspect', cut);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^kiln: cut\.onnx is cut short: it ends at byte 19 of a model that needs at least/);
    expect(r.stderr).toMatch(/\n {2}detail: protobuf decode failed at byte \d+/);
  });

  it('a text file says it looks like text', () => {
    const notes = path.join(tmp, 'notes.onnx');
    fs.writeFileSync(notes, 'metadata_props: these are my notes\n');
    const r = kiln('inspect', notes);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^kiln: notes\.onnx is not an ONNX model \(it looks like text, starting "metadata_props/);
  });
});
