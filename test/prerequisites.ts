/**
 * What tests need from the machine beyond the repository, and what a test does when it is missing:
 * no test may return early or pass quietly for want of a tool. A suite or test that needs one says
 * so with `needs(...)` (vitest test options), and then
 * - the prerequisite is there: it runs;
 * - it is a part the README calls optional (the native addon, a real TensorRT plugin): it is
 *   skipped, and the skip carries its reason (`meta.skipped`, which test/run-all.js prints);
 * - it is something .ci/run installs (python3-onnx, numpy, libonnx-testdata, espeak-ng): on a
 *   developer's machine it is skipped the same way, named; under CI it is an error, since CI that
 *   skips what it installs proves nothing.
 * `has(...)` answers the same question for an assertion inside a test (the onnx checker on a file
 * a larger test wrote): under CI a missing non-optional prerequisite throws instead of answering false.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TestOptions } from 'vitest';
import { fakePluginPath } from '../electron/core/backends/tensorrt/plugin';
import { addonPath } from '../electron/core/native/probe';
import { hasEspeak } from './builders/speech';

declare module 'vitest' {
  interface TaskMeta {
    /** Why the test was skipped (set by `needs`), for test/run-all.js's list of skipped tests. */
    skipped?: string;
  }
}

export interface Prerequisite {
  /** What it is, as a skip reason names it. */
  what: string;
  present: () => boolean;
  /** Where the README calls it optional: skipped even under CI (with this said as the reason). */
  optional?: string;
}

const PY = '/usr/bin/python3';
const python = (code: string) => () => spawnSync(PY, ['-c', code], { stdio: 'ignore' }).status === 0;
const root = path.resolve(__dirname, '..');

/** Debian's python3-onnx: the reference checker and shape inference (.ci/run installs it). */
export const PYTHON_ONNX: Prerequisite = { what: "Debian's python3-onnx", present: python('import onnx') };
/** numpy (python3-numpy, which python3-onnx brings): .npy/.npz files and reference computations. */
export const NUMPY: Prerequisite = { what: "Debian's python3-numpy", present: python('import numpy') };
/** Where Debian's libonnx-testdata puts ONNX's backend test data (.ci/run installs it). */
export const ONNX_TESTDATA_DIR = '/usr/share/libonnx-testdata/data';
export const ONNX_TESTDATA: Prerequisite = {
  what: `Debian's libonnx-testdata (${ONNX_TESTDATA_DIR})`,
  present: () => fs.existsSync(path.join(ONNX_TESTDATA_DIR, 'node')),
};
/** espeak-ng: synthesized speech for the audio models (.ci/run installs it). */
export const ESPEAK: Prerequisite = { what: 'espeak-ng', present: hasEspeak };
/** The native addon and the fake TensorRT plugin built beside it (`npm run build:native`). */
export const NATIVE_ADDON: Prerequisite = {
  what: 'the native addon and the fake TensorRT plugin (native/build/Release, from npm run build:native)',
  present: () => fs.existsSync(addonPath()) && fs.existsSync(fakePluginPath()),
  optional: 'optional, as the README says (Kiln runs without it); native/build.js fails CI when it does not build',
};
/** A real TensorRT plugin, built against TensorRT headers (`npm run build:trt`). */
export const REAL_TRT_PLUGIN: Prerequisite = {
  what: 'a real TensorRT plugin (native/build/plugins/libkiln_trt11.so, from npm run build:trt)',
  present: () => fs.existsSync(path.join(root, 'native/build/plugins/libkiln_trt11.so')),
  optional: 'built only where TensorRT headers are at hand, see native/README.md',
};

const known = new Map<Prerequisite, boolean>();
const isPresent = (p: Prerequisite) => {
  let v = known.get(p);
  if (v === undefined) known.set(p, (v = p.present()));
  return v;
};
const underCi = () => !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0';

/** The reason a skip gives, or throws under CI for a missing prerequisite that is not optional. */
function missing(ps: Prerequisite[]): string | null {
  const gone = ps.filter((p) => !isPresent(p));
  if (gone.length === 0) return null;
  const required = gone.filter((p) => !p.optional);
  if (required.length > 0 && underCi())
    throw new Error(
      `CI needs ${required.map((p) => p.what).join(', ')}, which .ci/run installs: under CI such a test fails rather than skip`,
    );
  return gone.map((p) => `${p.what} is not on this machine${p.optional ? `: ${p.optional}` : ''}`).join('; ');
}

/** Test options for `it`/`describe`: run when every prerequisite is there, else skip saying why (see above). */
export function needs(...ps: Prerequisite[]): TestOptions {
  const why = missing(ps);
  return why === null ? {} : { skip: true, meta: { skipped: why } };
}

/** For an assertion inside a test: whether the prerequisite is there (under CI, throws when a required one is not). */
export function has(p: Prerequisite): boolean {
  return missing([p]) === null;
}
