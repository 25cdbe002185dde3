/**
 * Issue 20, item 7: whether Kiln opens an engine is decided by the engine's bytes, not by its
 * editable sidecar. An engine from outside (built by "another Kiln": another cache folder, so
 * another registry) is refused until a user trusts it through the API, even with its sidecar's
 * versionCompatible flag set to false; the trust is a file in Kiln's cache and outlives the host
 * that recorded it; a Kiln-built engine passes; a cached engine whose bytes changed after the build
 * is refused (profile and export, through the engine host) and its cache entry removed.
 * With the fake plugin (native/plugins/fake), which refuses a version-compatible engine's "host
 * code" unless the request allows it, as TensorRT's runtime does.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../electron/shared/api/client';
import { directClient } from '../../electron/shared/api/direct';
import { KilnError } from '../../electron/shared/api/errors';
import type { BuildArtifact } from '../../electron/core/backends/backend';
import { callPlugin, fakePluginPath, loadPlugin } from '../../electron/core/backends/tensorrt/plugin';
import { checkEngine, exportEngine } from '../../electron/core/backends/tensorrt/engine-gate';
import { engineTrust, trustDir } from '../../electron/core/backends/tensorrt/trusted-engines';
import { buildTrt, profileTrt, runTrt } from '../../electron/core/backends/tensorrt/trt-backend';
import { createCallHandler } from '../../electron/dispatch/dispatch';
import { forkSpawner } from '../../electron/dispatch/fork-spawner';
import { HostSupervisor } from '../../electron/dispatch/supervisor';
import { NATIVE_ADDON, needs } from '../prerequisites';

const CLS = path.resolve(__dirname, '../../assets/sample/ch_ppocr_mobile_v2.0_cls_infer.onnx');
const HERE = { tensorrt: 'fake-1.0', computeCapability: '8.6' };
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-engine-trust-'));
const elsewhere = path.join(work, 'other-kiln-cache'); // the Kiln that built the outside engine
const cache = path.join(work, 'cache'); // this Kiln's
const exports = path.join(work, 'exports');
const saved = {
  plugin: process.env.KILN_TRT_PLUGIN,
  cache: process.env.KILN_CACHE_DIR,
  exports: process.env.KILN_EXPORT_DIR,
};
const restore = (name: string, value: string | undefined) => {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
};

beforeAll(() => {
  process.env.KILN_TRT_PLUGIN = fakePluginPath();
  process.env.KILN_CACHE_DIR = cache;
  process.env.KILN_EXPORT_DIR = exports;
});
afterAll(() => {
  restore('KILN_TRT_PLUGIN', saved.plugin);
  restore('KILN_CACHE_DIR', saved.cache);
  restore('KILN_EXPORT_DIR', saved.exports);
  fs.rmSync(work, { recursive: true, force: true });
});

const ctx = () => ({ signal: new AbortController().signal, progress: () => {} });
const trt = (versionCompatible: boolean, tag: string) => ({
  optimizationLevel: 'extended' as const,
  trt: {
    builderOptimizationLevel: 3,
    hardwareCompatibility: 'none' as const,
    versionCompatible,
    stronglyTyped: true,
    tf32: true,
    profiles: {},
    fake: { steps: 1, stepMs: 1, tag },
  },
});
const quick = { warmupMs: 0, iterations: 5, shapes: { x: [1, 3, 48, 192] }, seed: 1, layerRuns: 1 };
const refusal = (fn: () => unknown): KilnError => {
  try {
    fn();
  } catch (err) {
    return err as KilnError;
  }
  throw new Error('expected a refusal');
};
const editSidecar = (engine: string, edit: (s: { compatibility: { versionCompatible: boolean } }) => void) => {
  const side = JSON.parse(fs.readFileSync(`${engine}.json`, 'utf8')) as {
    compatibility: { versionCompatible: boolean };
  };
  edit(side);
  fs.writeFileSync(`${engine}.json`, JSON.stringify(side));
};

/** A version-compatible engine built by another Kiln (its own cache and registry), copied out. */
async function outsideEngine(name: string): Promise<{ engine: string; artifact: BuildArtifact }> {
  process.env.KILN_CACHE_DIR = elsewhere;
  try {
    const artifact = await buildTrt(CLS, trt(true, name), ctx());
    const engine = path.join(work, 'downloads', `${name}.engine`);
    exportEngine(artifact.artifactPath, engine);
    return { engine, artifact: { ...artifact, artifactPath: engine } };
  } finally {
    process.env.KILN_CACHE_DIR = cache;
  }
}

describe('engine trust', needs(NATIVE_ADDON), () => {
  let supervisor: HostSupervisor;
  let client: ApiClient;
  const startHost = async () => {
    supervisor = new HostSupervisor(forkSpawner());
    client = directClient(createCallHandler({ supervisor, transport: 'cli', maxUploadBytes: null }));
    await supervisor.ready();
  };
  beforeAll(startHost);
  afterAll(() => supervisor.dispose());

  it("an outside version-compatible engine is refused until trusted; its sidecar's flag set to false changes nothing", async () => {
    const { engine, artifact } = await outsideEngine('outside');
    const before = refusal(() => checkEngine(engine, HERE));
    expect(before.code).toBe('UNTRUSTED');
    expect(before.message).toMatch(/not built by Kiln here and nobody has trusted it/);
    expect(before.message).toMatch(/version-compatible/);
    // The flag was the old consent: set to false, the engine is still unknown bytes.
    editSidecar(engine, (s) => (s.compatibility.versionCompatible = false));
    const flagged = refusal(() => checkEngine(engine, HERE));
    expect(flagged.code).toBe('UNTRUSTED');
    expect(flagged.message).toMatch(/not built by Kiln here/);
    // Every path that opens an engine goes through the gate: profile and run refuse it too.
    for (const open of [() => profileTrt(artifact, quick, ctx()), () => runTrt(artifact, {}, ctx())]) {
      const err = await open().catch((e: unknown) => e);
      expect((err as KilnError).code).toBe('UNTRUSTED');
    }
    expect(fs.existsSync(engine)).toBe(true); // an engine outside the cache is refused, never removed

    // No yes, no record: confirm is required and must be true.
    const source = { kind: 'path' as const, path: engine };
    for (const params of [{ engine: source }, { engine: source, confirm: false }]) {
      const err = await client.call('engine.trust', params as never).catch((e: unknown) => e);
      expect((err as KilnError).code).toBe('INVALID_ARGUMENT');
    }
    expect(fs.existsSync(trustDir()) ? fs.readdirSync(trustDir()).filter((f) => !f.startsWith('.')) : []).toEqual([]);

    // The user's explicit yes, through the API to a host job.
    const trusted = await client.call('engine.trust', { engine: source, confirm: true });
    expect(trusted).toMatchObject({ file: 'outside.engine', origin: 'trusted', sidecar: 'matches' });
    expect(trusted.versionCompatible).toBe(false); // what the (edited) sidecar claims, reported, not believed
    expect(checkEngine(engine, HERE).plugin).toBe('fake');
    const report = await profileTrt(artifact, quick, ctx());
    expect(report.iterations).toBe(5);
  });

  it('the trust is a file in Kiln’s cache and outlives the host that recorded it', async () => {
    const { engine } = await outsideEngine('restart');
    const first = await client.call('engine.trust', { engine: { kind: 'path', path: engine }, confirm: true });
    const file = path.join(trustDir(), `${first.sha256}.json`);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toMatchObject({ sha256: first.sha256, origin: 'trusted' });
    supervisor.dispose();
    await startHost();
    // The new host finds the record: trusting again changes nothing, and the gate lets it through.
    const again = await client.call('engine.trust', { engine: { kind: 'path', path: engine }, confirm: true });
    expect(again.recordedAt).toBe(first.recordedAt);
    expect(engineTrust(first.sha256)?.origin).toBe('trusted');
    expect(checkEngine(engine, HERE).plugin).toBe('fake');
  });

  it("the fake runtime, like TensorRT's, loads a version-compatible engine's host code only when the request allows it", async () => {
    const { engine } = await outsideEngine('host-code');
    const plugin = loadPlugin();
    const err = await callPlugin(plugin, 'profile', { engine, iterations: 1 }, ctx()).catch((e: unknown) => e);
    expect((err as KilnError).message).toMatch(/host code/);
    await expect(
      callPlugin(plugin, 'profile', { engine, iterations: 1, allowHostCode: true }, ctx()),
    ).resolves.toBeTruthy();
  });

  it('a Kiln-built engine is recorded as built and passes, version-compatible or not', async () => {
    for (const versionCompatible of [false, true]) {
      const a = await buildTrt(CLS, trt(versionCompatible, `built-${versionCompatible}`), ctx());
      const sha = JSON.parse(fs.readFileSync(`${a.artifactPath}.json`, 'utf8')) as { engineSha256: string };
      expect(engineTrust(sha.engineSha256)?.origin).toBe('built');
      expect(checkEngine(a.artifactPath, HERE).compatibility.versionCompatible).toBe(versionCompatible);
      expect((await profileTrt(a, quick, ctx())).iterations).toBe(5);
    }
  });

  it('a cached engine changed after its build is refused by profile and export, and its cache entry goes', async () => {
    const source = { kind: 'path' as const, path: CLS };
    const build = { backend: 'tensorrt' as const, trt: { fake: { steps: 1, tag: 'tampered' } } };
    const profile = { warmupMs: 0, iterations: 5, shapes: {}, seed: 1, layerRuns: 1 };
    const first = await client.call('model.profile', { source, build, profile });
    expect(first.iterations).toBe(5);
    const enginePath = () => {
      const dirs = fs.readdirSync(path.join(cache, 'tensorrt'), { withFileTypes: true });
      const found = dirs
        .filter((d) => d.isDirectory() && d.name !== 'trusted')
        .map((d) => path.join(cache, 'tensorrt', d.name, 'model.engine'))
        .filter((f) => fs.existsSync(f) && fs.readFileSync(f, 'utf8').includes(path.basename(CLS)))
        .filter((f) => fs.readFileSync(`${f}.json`, 'utf8').includes('"tampered"'));
      expect(found).toHaveLength(1);
      return found[0]!;
    };

    // Bytes changed after the build, the sidecar left as it was.
    const engine = enginePath();
    fs.appendFileSync(engine, ' ');
    const err = await client.call('model.profile', { source, build, profile }).catch((e: unknown) => e);
    expect((err as KilnError).code).toBe('UNTRUSTED');
    expect((err as KilnError).message).toMatch(/does not match its sidecar.*removed this cached build/);
    expect(fs.existsSync(path.dirname(engine))).toBe(false);
    // Rebuilt from scratch on the next call.
    expect((await client.call('model.profile', { source, build, profile })).build.cached).toBe(false);

    // Bytes changed and the sidecar's hash changed to match: the registry does not know them.
    const again = enginePath();
    const bytes = Buffer.concat([fs.readFileSync(again), Buffer.from(' ')]);
    fs.writeFileSync(again, bytes);
    const side = JSON.parse(fs.readFileSync(`${again}.json`, 'utf8')) as { engineSha256: string };
    side.engineSha256 = createHash('sha256').update(bytes).digest('hex');
    fs.writeFileSync(`${again}.json`, JSON.stringify(side));
    const exported = await client
      .call('model.export', { source, build, target: 'engine', name: 'tampered' })
      .catch((e: unknown) => e);
    expect((exported as KilnError).code).toBe('UNTRUSTED');
    expect((exported as KilnError).message).toMatch(/not built by Kiln here/);
    expect(fs.existsSync(path.join(exports, 'tampered.engine'))).toBe(false);
    expect(fs.existsSync(path.dirname(again))).toBe(false);
    const ok = await client.call('model.export', { source, build, target: 'engine', name: 'tampered' });
    expect(ok.files.map((f) => path.basename(f))).toEqual(['tampered.engine', 'tampered.engine.json']);
  });
});
