/** What several integration suites share: the CLI run as a user runs it, the reference onnx checker, seeded inputs, cosine, a private variants folder, the fake TensorRT plugin with a private build cache, an engine host and a client calling it. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { fakePluginPath } from '../../electron/core/backends/tensorrt/plugin';
import { createCallHandler } from '../../electron/dispatch/dispatch';
import { forkSpawner } from '../../electron/dispatch/fork-spawner';
import { HostSupervisor } from '../../electron/dispatch/supervisor';
import type { ApiClient } from '../../electron/shared/api/client';
import { directClient } from '../../electron/shared/api/direct';
import { has, PYTHON_ONNX } from '../prerequisites';

/** What `kiln` printed and how it exited. */
export interface KilnRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI through its real bin shim and the compiled code (`npx tsc -p tsconfig.json` first),
 * killed after `timeout` ms; `variantsDir` keeps the variants it makes in a folder of the test's own.
 */
export function runKiln(args: string[], opts: { timeout: number; variantsDir?: string }): KilnRun {
  const r = spawnSync(process.execPath, [path.join(__dirname, '../../electron/cli/kiln.js'), ...args], {
    encoding: 'utf8',
    timeout: opts.timeout,
    ...(opts.variantsDir ? { env: { ...process.env, KILN_VARIANTS_DIR: opts.variantsDir } } : {}),
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const PY = '/usr/bin/python3';
/**
 * Debian's python3-onnx (installed by .ci/run): without it the checker assertions are left out on a
 * developer's machine; under CI its absence fails the suite (test/prerequisites.ts).
 */
export const hasOnnx = has(PYTHON_ONNX);

/** 'ok', or the last line of what onnx.checker (full check) says is wrong with `file`. */
export function checker(file: string): string {
  const r = spawnSync(
    PY,
    ['-c', 'import onnx,sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)', file],
    { encoding: 'utf8' },
  );
  return r.status === 0 ? 'ok' : r.stderr.trim().split('\n').slice(-1)[0]!;
}

/** Seeded uniform [-1, 1) values from a generator unrelated to the calibration data's. */
export function seededInput(dims: number[], seed: number): Float32Array {
  const out = new Float32Array(dims.reduce((a, b) => a * b, 1));
  let s = seed >>> 0;
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32) * 2 - 1;
  }
  return out;
}

/** Cosine similarity (0 when either side is all zeros). */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! ** 2;
    bb += b[i]! ** 2;
  }
  return ab / Math.sqrt(aa * bb || 1);
}

/**
 * A temp folder for the suite, with KILN_VARIANTS_DIR pointed at `variants/` inside it while the
 * suite runs (variants are written there), restored and removed afterwards.
 */
export function suiteTempDir(prefix: string): string {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const saved = process.env.KILN_VARIANTS_DIR;
  beforeAll(() => {
    process.env.KILN_VARIANTS_DIR = path.join(tmp, 'variants');
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.KILN_VARIANTS_DIR;
    else process.env.KILN_VARIANTS_DIR = saved;
    fs.rmSync(tmp, { recursive: true, force: true });
  });
  return tmp;
}

/**
 * A temp folder for the suite that builds with Kiln's fake TensorRT plugin: KILN_TRT_PLUGIN names
 * the fake plugin and KILN_CACHE_DIR this folder while the suite runs, both restored and the folder
 * removed afterwards.
 */
export function fakeTrtSuite(prefix: string): string {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const saved = { plugin: process.env.KILN_TRT_PLUGIN, cache: process.env.KILN_CACHE_DIR };
  const restore = (name: string, value: string | undefined) => {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  };
  beforeAll(() => {
    process.env.KILN_TRT_PLUGIN = fakePluginPath();
    process.env.KILN_CACHE_DIR = tmp;
  });
  afterAll(() => {
    restore('KILN_TRT_PLUGIN', saved.plugin);
    restore('KILN_CACHE_DIR', saved.cache);
    fs.rmSync(tmp, { recursive: true, force: true });
  });
  return tmp;
}

/**
 * An engine host (forked, under a supervisor) and a client calling it as the CLI does, started
 * before the suite or describe block this is called in and disposed of after it.
 */
export function hostClient(): { readonly client: ApiClient; readonly supervisor: HostSupervisor } {
  let started: { client: ApiClient; supervisor: HostSupervisor } | null = null;
  beforeAll(async () => {
    const supervisor = new HostSupervisor(forkSpawner());
    started = {
      supervisor,
      client: directClient(createCallHandler({ supervisor, transport: 'cli', maxUploadBytes: null })),
    };
    await supervisor.ready();
  });
  afterAll(() => started?.supervisor.dispose());
  const get = () => {
    if (!started) throw new Error('hostClient: used outside the tests of the block it was called in');
    return started;
  };
  return {
    get client() {
      return get().client;
    },
    get supervisor() {
      return get().supervisor;
    },
  };
}
