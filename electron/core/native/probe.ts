/**
 * The TensorRT/CUDA probe as the app sees it: loads the native addon (if it built) and turns its
 * findings into the contract's NativeProbe, with a one-line summary for the status bar.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { NativeProbe } from '../../shared/api/app-info';
import { projectRoot } from '../../platform/paths';

interface AddonProbe {
  trtFound: boolean;
  trtVersion: string | null;
  trtLibrary: string | null;
  parserLibrary: string | null;
  cudaRuntimeFound: boolean;
  cudaRuntimeVersion: string | null;
  cudaDriverVersion: string | null;
  cudaRuntimeLibrary: string | null;
  driverLibrary: string | null;
  driverError: string | null;
  devices: Array<{ name: string; computeCapability: string; memoryBytes: number }>;
  searched: Array<{ library: string; path: string; result: string }>;
}
export interface PluginCallHandle {
  promise: Promise<{ status: number; json: string }>;
  cancel(): void;
}
export interface Addon {
  probe(options: { extraDirs: string[] }): AddonProbe;
  loadTrtPlugin(path: string): { name: string; trtMajor: number; abiVersion: number };
  trtCall(
    path: string,
    method: string,
    requestJson: string,
    onProgress?: (stage: string, fraction: number) => void,
  ): PluginCallHandle;
}

/** Where the addon is: KILN_NATIVE_ADDON, else the build folder (unpacked from asar in a packaged app). */
export function addonPath(): string {
  if (process.env.KILN_NATIVE_ADDON) return process.env.KILN_NATIVE_ADDON;
  const root = projectRoot()
    .replace(`app.asar${path.sep}`, `app.asar.unpacked${path.sep}`)
    .replace(/app\.asar$/, 'app.asar.unpacked');
  return path.join(root, 'native', 'build', 'Release', 'kiln_native.node');
}

export function loadAddon(file = addonPath()): { addon: Addon | null; error: string | null } {
  if (!fs.existsSync(file)) {
    const buildLog = path.join(path.dirname(path.dirname(file)), 'last-error.txt');
    const why = fs.existsSync(buildLog)
      ? fs.readFileSync(buildLog, 'utf8').trim().split('\n').slice(-1)[0]
      : 'run `npm run build:native`';
    return { addon: null, error: `native addon did not build (${why})` };
  }
  try {
    // A native addon at a run-time path: only require() can load it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const addon = require(file) as Addon;
    if (typeof addon.probe !== 'function') return { addon: null, error: `${file} is not Kiln's native addon` };
    return { addon, error: null };
  } catch (err) {
    return { addon: null, error: `native addon failed to load: ${(err as Error).message}` };
  }
}

const extraDirs = (): string[] => (process.env.KILN_TENSORRT_DIR ?? '').split(path.delimiter).filter(Boolean);

export function probeNative(file = addonPath()): NativeProbe {
  const { addon, error } = loadAddon(file);
  if (!addon) {
    return {
      addon: { loaded: false, path: file, error },
      tensorrt: { found: false, version: null, library: null, parser: null },
      cuda: { found: false, runtimeVersion: null, driverVersion: null, devices: [], library: null },
      searched: [],
      summary: `TensorRT: not found — ${error}`,
    };
  }
  const r = addon.probe({ extraDirs: extraDirs() });
  const places = new Set(r.searched.filter((s) => s.library.includes('nvinfer')).map((s) => s.path)).size;
  const tried = [...new Set(r.searched.filter((s) => s.library.includes('nvinfer')).map((s) => s.library))].join(', ');
  const cudaText = r.cudaRuntimeFound
    ? `CUDA runtime ${r.cudaRuntimeVersion ?? '?'}${r.driverError ? `; ${r.driverError}` : r.cudaDriverVersion ? ` · driver ${r.cudaDriverVersion}` : ''}`
    : (r.driverError ?? 'CUDA not found');
  const gpu = r.devices.map((d) => `${d.name} (${d.computeCapability})`).join(', ');
  const summary = r.trtFound
    ? [`TensorRT ${r.trtVersion}`, r.parserLibrary ? null : 'ONNX parser not found', cudaText, gpu || 'no GPU']
        .filter(Boolean)
        .join(' · ')
    : `TensorRT: not found — searched ${tried} in ${places} places · ${cudaText}`;
  return {
    addon: { loaded: true, path: file, error: null },
    tensorrt: { found: r.trtFound, version: r.trtVersion, library: r.trtLibrary, parser: r.parserLibrary },
    cuda: {
      found: r.cudaRuntimeFound && r.devices.length > 0,
      runtimeVersion: r.cudaRuntimeVersion,
      driverVersion: r.cudaDriverVersion,
      devices: r.devices,
      library: r.cudaRuntimeLibrary,
    },
    searched: r.searched,
    summary,
  };
}
