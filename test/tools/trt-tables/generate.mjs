#!/usr/bin/env node
/**
 * Writes Kiln's TensorRT operator tables (electron/core/trt/support/trt10.json, trt11.json) from
 * their sources, so they can be regenerated and reviewed instead of hand-edited:
 * - operators-10.15.md: onnx/onnx-tensorrt docs/operators.md as published for TensorRT 10.15
 *   (Apache-2.0, kept here as the source of record);
 * - trt10.1.json: Kiln's earlier transcription of the 10.1-GA table, to know which ops came later;
 * - FIRST_PARSED below: the onnx-tensorrt CHANGELOG's "Added support for" lines, which say the 10.x
 *   minor that first parses each op added after 10.1 (`kiln check --trt 10.3` flags them);
 * - ELEVEN below: what the TensorRT 11.x release notes add on top of 10.15 (no 11.x table was
 *   published where Kiln could read it), marked as derived from release notes.
 * Run: node test/tools/trt-tables/generate.mjs [--check]  (--check: fail if the files differ).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '../../../electron/core/trt/support');

/** onnx-tensorrt CHANGELOG.md (10.x entries): the release whose parser first takes each op. */
const FIRST_PARSED = {
  HannWindow: '10.4',
  HammingWindow: '10.4',
  BlackmanWindow: '10.4',
  STFT: '10.5',
  Attention: '10.14',
  RMSNormalization: '10.15',
  RotaryEmbedding: '10.15',
  TensorScatter: '10.15',
};

/**
 * The newest ai.onnx opset each release reads: 20 in the 10.1 table, 24 in the 10.15 table; between
 * them, the CHANGELOG's ONNX submodule updates (1.17 = opset 22 in 10.6, 1.18 = opset 23 in 10.11).
 */
const OPSETS_10 = [
  { since: '10.0', max: 20 },
  { since: '10.6', max: 22 },
  { since: '10.11', max: 23 },
  { since: '10.15', max: 24 },
];

/** TensorRT 11.x release notes, applied on top of the 10.15 table. */
const ELEVEN = {
  newest: '11.5',
  opsets: [
    { since: '11.0', max: 24 },
    { since: '11.5', max: 25 },
  ],
  rows: {
    Swish: { supported: true, types: ['FP32', 'FP16', 'BF16'], restrictions: '', since: '11.0' },
    DFT: {
      supported: true,
      types: ['FP32', 'FP16', 'BF16'],
      restrictions: 'Runs through an FFT plugin. `axis` must be -2.',
      since: '11.2',
    },
    GridSample: {
      supported: true,
      types: ['FP32', 'FP16', 'BF16'],
      restrictions: 'Input must be 4D or 5D (5D from 11.2).',
    },
    Squeeze: {
      supported: true,
      types: ['FP32', 'FP16', 'BF16', 'INT32', 'INT64', 'BOOL'],
      restrictions: '`axes` must be resolvable to a constant, or omitted (from 11.5).',
    },
  },
  /**
   * Rows above without `since` existed before and changed; what a release gained in them is a
   * feature the check asks for by name (`--trt 11.1` still flags a 5-D GridSample).
   */
  features: { 'gridsample-5d': '11.2', 'squeeze-without-axes': '11.5' },
};

/** Rows the 10.1-GA importer (onnxOpImporters.cpp, importerUtils.cpp) accepts more widely than its table says. */
function corrections(base) {
  const keep = {};
  for (const [op, fix] of Object.entries(base.corrections)) if (op !== 'ConstantOfShape') keep[op] = fix;
  return keep; // 10.15 spells ConstantOfShape's INT64 right; the NonZero and Equal rows still omit types.
}

function parseTable(md) {
  const head = md.match(/TensorRT (\d+\.\d+) supports operators in the inclusive range of opset (\d+) to opset (\d+)/);
  if (!head) throw new Error('operators-10.15.md: the opset sentence is missing');
  const ops = {};
  for (const line of md.split('\n')) {
    const m = line.match(/^\| *([A-Za-z0-9]+) *\| *([YN]) *\|([^|]*)\|(.*)\| *$/);
    if (!m || m[1] === 'Operator') continue;
    const types = m[3]
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
    ops[m[1]] = { supported: m[2] === 'Y', types, restrictions: m[4].trim() };
  }
  return { release: head[1], min: Number(head[2]), max: Number(head[3]), ops };
}

const sorted = (o) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));

function build() {
  const md = readFileSync(join(here, 'operators-10.15.md'), 'utf8');
  const base = JSON.parse(readFileSync(join(here, 'trt10.1.json'), 'utf8'));
  const t = parseTable(md);
  if (t.release !== '10.15' || t.max !== OPSETS_10.at(-1).max) throw new Error(`unexpected table ${t.release}`);
  const ops = {};
  for (const [op, row] of Object.entries(t.ops)) {
    const before = base.ops[op];
    const added = row.supported && !before?.supported;
    if (added && !FIRST_PARSED[op]) throw new Error(`${op}: supported in 10.15, not in 10.1, and no release says when`);
    ops[op] = added ? { ...row, since: FIRST_PARSED[op] } : row;
  }
  for (const op of Object.keys(FIRST_PARSED)) if (!ops[op]?.supported) throw new Error(`${op}: not in the 10.15 table`);
  const source = {
    repo: 'onnx/onnx-tensorrt',
    branch: 'release/10.15-GA',
    commit: '',
    path: 'docs/operators.md',
  };
  const ten = {
    tensorrt: '10.15',
    table: '10.15',
    derived: false,
    source,
    opsets: { min: t.min, max: t.max },
    opsetHistory: OPSETS_10,
    note:
      'Generated by test/tools/trt-tables/generate.mjs from the onnx-tensorrt operator table for TensorRT 10.15 ' +
      '(operators-10.15.md). Ops first parsed after 10.1 carry `since`, the release the onnx-tensorrt CHANGELOG names.',
    corrections: corrections(base),
    features: {},
    ops: sorted(ops),
  };
  const elevenOps = { ...ops };
  for (const [op, row] of Object.entries(ELEVEN.rows)) {
    if (!elevenOps[op] && op !== 'Swish') throw new Error(`${op}: the 11.x delta names an op the 10.15 table lacks`);
    elevenOps[op] = row;
  }
  // Every op is in 11.0 that was in 10.15: 10.x minors mean nothing on 11.
  for (const [op, row] of Object.entries(elevenOps))
    if (row.since?.startsWith('10.')) {
      const rest = { ...row };
      delete rest.since;
      elevenOps[op] = rest;
    }
  const eleven = {
    tensorrt: ELEVEN.newest,
    table: `${ELEVEN.newest} (derived)`,
    derived: true,
    source,
    opsets: { min: t.min, max: ELEVEN.opsets.at(-1).max },
    opsetHistory: ELEVEN.opsets,
    note:
      'Derived from release notes: the TensorRT 10.15 table plus what the TensorRT 11.0 to 11.5 release notes add ' +
      '(Swish 11.0; DFT and 5-D GridSample 11.2; opset 25 and Squeeze without axes 11.5). No 11.x operator table was ' +
      'published where Kiln could read it; nothing was removed from the table between 10.15 and 11.x.',
    corrections: corrections(base),
    features: ELEVEN.features,
    ops: sorted(elevenOps),
  };
  return { 'trt10.json': ten, 'trt11.json': eleven };
}

const check = process.argv.includes('--check');
let stale = 0;
for (const [file, table] of Object.entries(build())) {
  const path = join(out, file);
  // Written as the repository's prettier writes JSON, so `prettier --check` and `--check` here agree.
  const text = await prettier.format(JSON.stringify(table), {
    ...(await prettier.resolveConfig(path)),
    filepath: path,
  });
  if (check) {
    if (readFileSync(path, 'utf8') !== text) {
      console.error(`${file} differs from what generate.mjs makes: run node test/tools/trt-tables/generate.mjs`);
      stale++;
    }
  } else {
    writeFileSync(path, text);
    console.log(
      `wrote ${path} (${Object.keys(table.ops).length} ops, opsets ${table.opsets.min} to ${table.opsets.max})`,
    );
  }
}
process.exit(stale ? 1 : 0);
