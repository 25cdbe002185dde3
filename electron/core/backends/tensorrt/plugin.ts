/**
 * TensorRT through Kiln's plugin seam (native/include/kiln_trt_plugin.h): which plugin to load
 * for the TensorRT found on this machine, and calls to it as jobs (progress, cancel, typed errors).
 *
 * Plugins, in order: KILN_TRT_PLUGIN (any plugin, e.g. the fake for tests), else the real plugin
 * built for the TensorRT major the probe found (native/build/plugins/libkiln_trt<major>.so).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ERROR_CODES, KilnError, type ErrorCode } from '../../../shared/api/errors';
import { addonPath, loadAddon, probeNative, type Addon } from '../../native/probe';
import type { JobContext } from '../../jobs/context';
import type { Runtime } from './engine-gate';

export interface LoadedPlugin {
  addon: Addon;
  path: string;
  name: string;
  trtMajor: number;
}

/** The fake plugin that `npm run build:native` builds next to the addon. */
export function fakePluginPath(): string {
  return path.join(path.dirname(addonPath()), 'libkiln_trt_fake.so');
}

/** Loads the plugin for this machine, or says plainly why TensorRT is unavailable. */
export function loadPlugin(): LoadedPlugin {
  const { addon, error } = loadAddon();
  if (!addon) throw new KilnError('UNAVAILABLE', `TensorRT is unavailable: ${error}`);
  let file = process.env.KILN_TRT_PLUGIN;
  if (!file) {
    const probe = probeNative();
    if (!probe.tensorrt.found || !probe.tensorrt.version)
      throw new KilnError('UNAVAILABLE', `TensorRT is unavailable: ${probe.summary}`);
    const major = probe.tensorrt.version.split('.')[0];
    file = path.join(path.dirname(path.dirname(addonPath())), 'plugins', `libkiln_trt${major}.so`);
    if (!fs.existsSync(file))
      throw new KilnError(
        'UNAVAILABLE',
        `TensorRT ${probe.tensorrt.version} is installed, but Kiln's plugin for it is not built: run npm run build:trt -- --trt-include <TensorRT>/include`,
      );
  }
  try {
    const info = addon.loadTrtPlugin(file);
    return { addon, path: file, name: info.name, trtMajor: info.trtMajor };
  } catch (err) {
    throw new KilnError('UNAVAILABLE', `TensorRT plugin ${file} cannot be loaded: ${(err as Error).message}`);
  }
}

const STATUS_OK = 0;
const STATUS_CANCELLED = 2;
const STATUS_UNAVAILABLE = 3;

/** One plugin call as a job: progress forwarded, AbortSignal -> cancel flag, failures as KilnError. */
export async function callPlugin<T>(
  plugin: LoadedPlugin,
  method: 'probe' | 'build' | 'profile' | 'run',
  request: unknown,
  ctx: JobContext,
): Promise<T> {
  const handle = plugin.addon.trtCall(plugin.path, method, JSON.stringify(request), (stage, fraction) =>
    ctx.progress({ stage, fraction: fraction < 0 ? null : Math.min(1, fraction) }),
  );
  const onAbort = () => handle.cancel();
  ctx.signal.addEventListener('abort', onAbort);
  try {
    const { status, json } = await handle.promise;
    let reply: unknown;
    try {
      reply = JSON.parse(json);
    } catch {
      throw new KilnError('INTERNAL', `TensorRT plugin ${plugin.name} replied with something that is not JSON`);
    }
    if (status === STATUS_OK) return reply as T;
    const r = (reply ?? {}) as { code?: string; message?: string };
    const code: ErrorCode =
      status === STATUS_CANCELLED ? 'CANCELLED' : status === STATUS_UNAVAILABLE ? 'UNAVAILABLE' : errorCodeOf(r.code);
    throw new KilnError(code, r.message ?? `TensorRT ${method} failed`, { details: { plugin: plugin.name, reply } });
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
  }
}

/** The plugin's own code for a failure where it is one of Kiln's (a missing file, a bad request), else UNSUPPORTED. */
function errorCodeOf(code: string | undefined): ErrorCode {
  return (ERROR_CODES as readonly string[]).includes(code ?? '') ? (code as ErrorCode) : 'UNSUPPORTED';
}

interface ProbeReply {
  available?: boolean;
  version?: string;
  devices?: { name: string; computeCapability: string; memoryBytes?: number }[];
  reason?: string;
}

const runtimes = new Map<string, Runtime>();

/** The TensorRT version and the GPU (the first, which the plugins use) an engine would run on, asked once per plugin. */
export async function pluginRuntime(plugin: LoadedPlugin, ctx: JobContext): Promise<Runtime> {
  const known = runtimes.get(plugin.path);
  if (known) return known;
  const reply = await callPlugin<ProbeReply>(plugin, 'probe', {}, ctx);
  const device = reply.devices?.[0];
  if (!reply.available || !reply.version || !device)
    throw new KilnError('UNAVAILABLE', `TensorRT is unavailable: ${reply.reason ?? 'the plugin found no GPU'}`);
  const runtime = { tensorrt: reply.version, computeCapability: device.computeCapability };
  runtimes.set(plugin.path, runtime);
  return runtime;
}
