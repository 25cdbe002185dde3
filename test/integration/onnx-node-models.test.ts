/**
 * Every model of ONNX's own backend node tests (Debian libonnx-testdata, 932 of them), opened the way
 * the app opens a file: decoded, its IR built and its shapes inferred by the whole-graph traversal,
 * where a test's inputs are graph inputs (not the constants shapes-vs-onnx.test.ts feeds a single
 * rule). Kiln must open each one and agree with every output shape the test declares; the ops
 * TensorRT parses (STFT from 10.5, DFT from 11.2) must have a shape rule. Skipped, with the
 * package named, where it is absent (.ci/run installs it).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeModel } from '../../electron/core/onnx/analyze';
import { needs, ONNX_TESTDATA, ONNX_TESTDATA_DIR } from '../prerequisites';

const NODE_DATA = join(ONNX_TESTDATA_DIR, 'node');

describe('ONNX backend node test models, opened whole', needs(ONNX_TESTDATA), () => {
  it('open, and their inferred outputs agree with the declared ones', async () => {
    const dirs = readdirSync(NODE_DATA).filter((d) => existsSync(join(NODE_DATA, d, 'model.onnx')));
    expect(dirs.length).toBeGreaterThan(900);
    const failures: string[] = [];
    const conflicts: string[] = [];
    const noRule = new Map<string, number>();
    let outputs = 0;
    let known = 0;
    for (const d of dirs) {
      let a;
      try {
        a = await analyzeModel(join(NODE_DATA, d, 'model.onnx'));
      } catch (e) {
        failures.push(`${d}: ${(e as Error).message}`);
        continue;
      }
      for (const c of a.shapes.conflicts) conflicts.push(`${d}: ${c}`);
      for (const [op, n] of a.shapes.unknownOps) noRule.set(op, (noRule.get(op) ?? 0) + n);
      const main = a.ir.graphs[0]!;
      for (const t of main.outputs) {
        outputs++;
        if (a.shapes.types[t]?.dims) known++;
      }
    }
    console.log(
      `node test models: ${dirs.length} opened, ${failures.length} failed; ${outputs} outputs, ${known} with a known rank; ` +
        `no shape rule for ${noRule.size} ops: ${[...noRule.keys()].sort().join(' ')}`,
    );
    expect(failures).toEqual([]);
    expect(conflicts).toEqual([]);
    // TensorRT parses STFT (10.5) and DFT (11.2): the check and the profiles need their shapes.
    expect([...noRule.keys()].filter((op) => op === 'STFT' || op === 'DFT')).toEqual([]);
  });
});
