/**
 * `kiln check --trt 10|11|10.3` through the compiled CLI and the engine host: the opset-23 LLM block
 * (test/builders/llm-block.ts) passes TensorRT 10 and is flagged for 10.3, JetPack 6's release; an
 * FP32 export checked for 11 says it would build FP32, in the JSON CI reads, without failing the gate.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runKiln } from './helpers';
import { encodeModel } from '../../electron/core/onnx/encode';
import { llmBlock } from '../builders/llm-block';

const ROOT = path.resolve(__dirname, '../..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-cli-releases-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const kiln = (...args: string[]) => runKiln(args, { timeout: 60_000 });

interface CheckJson {
  tensorrt: string;
  minor?: number;
  table: string;
  tableNote: string;
  unsupported: number;
  computes?: Record<string, number>;
  findings: { op: string; status: string; reason: string }[];
}

describe('kiln check per TensorRT release', () => {
  const llm = path.join(tmp, 'llm-block.onnx');
  fs.writeFileSync(llm, encodeModel(llmBlock()));

  it('--trt 10 takes the opset-23 Attention/RMSNormalization/RotaryEmbedding block', () => {
    const r = kiln('check', llm, '--trt', '10');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('TensorRT 10.15 readiness, against the TensorRT 10.15 ONNX operator table');
  });

  it('--trt 10.3 flags all three, names the release that first parses each, and exits 1', () => {
    const r = kiln('check', llm, '--trt', '10.3', '--json');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout) as CheckJson;
    expect(j.tensorrt).toBe('10.3');
    expect(j.minor).toBe(3);
    const refused = j.findings.filter((f) => f.status === 'unsupported-op');
    expect([...new Set(refused.map((f) => f.op))].sort()).toEqual(['Attention', 'RMSNormalization', 'RotaryEmbedding']);
    expect(refused.find((f) => f.op === 'Attention')!.reason).toContain('TensorRT 10.14 is the first release');
    expect(j.tableNote).toMatch(/checked for 10\.3/);
  });

  it('--trt 11 on an FP32 export: builds FP32, said by node, and the gate still passes', () => {
    const r = kiln('check', path.join(ROOT, 'test/fixtures/zoo/vit-tiny.onnx'), '--trt', '11', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as CheckJson;
    expect(j.table).toBe('11.5 (derived)');
    expect(j.computes).toEqual({ FP32: 14 });
    expect(j.findings.filter((f) => f.status === 'precision')).toHaveLength(14);
    const text = kiln('check', path.join(ROOT, 'test/fixtures/zoo/vit-tiny.onnx'), '--trt', '11').stdout;
    expect(text).toContain('weighted layers compute in, strongly typed (TensorRT 11 always is): FP32 14');
    expect(text).toContain('TensorRT 11 builds this FP32');
  });

  it('a release that is not one is a usage error', () => {
    const r = kiln('check', llm, '--trt', '10.x');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--trt must be 10 or 11, or a release such as 10\.3/);
  });
});
