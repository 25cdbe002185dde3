// Builds, for one TensorRT header set, the stand-in libraries (libnvinfer/libnvonnxparser/
// libnvinfer_plugin as one core library under those names, libcudart.so.12 and .so.13, and the
// builder resource TensorRT loads by bare name), Kiln's real plugin, and the driver, all under
// AddressSanitizer, into `out`. Returns where each landed. Compiles with g++; nothing is linked to
// real TensorRT or CUDA.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const cudaInclude = process.env.KILN_CUDA_INCLUDE ?? '/usr/local/cuda/include';
const SAN = ['-fsanitize=address,undefined', '-fno-omit-frame-pointer', '-g', '-O1'];

/** The TensorRT version a header set declares: { major, minor, patch }. */
export function headerVersion(include) {
  const text = fs.readFileSync(path.join(include, 'NvInferVersion.h'), 'utf8');
  const num = (names) => {
    for (const n of names) {
      const m = new RegExp(`#define\\s+${n}\\s+(\\d+)`).exec(text);
      if (m) return Number(m[1]);
    }
    throw new Error(`${include}/NvInferVersion.h does not say ${names[0]}`);
  };
  return {
    major: num(['TRT_MAJOR_ENTERPRISE', 'NV_TENSORRT_MAJOR']),
    minor: num(['TRT_MINOR_ENTERPRISE', 'NV_TENSORRT_MINOR']),
    patch: num(['TRT_PATCH_ENTERPRISE', 'NV_TENSORRT_PATCH']),
  };
}

/**
 * g++ with `args`, writing `output` — skipped where `output` was built from the same arguments and
 * the same contents of `inputs` (a stamp beside it), so changing the plugin does not rebuild the
 * stand-in.
 */
function gxx(args, output, inputs = []) {
  const h = createHash('sha256').update(JSON.stringify(args));
  for (const f of inputs) h.update(f).update(fs.readFileSync(f));
  const key = h.digest('hex');
  const stampFile = `${output}.stamp`;
  if (fs.existsSync(output) && fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === key) return;
  const r = spawnSync('g++', ['-std=c++17', ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`g++ ${args.join(' ')}\n${r.stderr}`);
  fs.writeFileSync(stampFile, key);
}

const filesIn = (dir, ext = /\.(h|cc)$/) =>
  fs
    .readdirSync(dir)
    .filter((f) => ext.test(f))
    .map((f) => path.join(dir, f));

/** The plugin's sources: every .cc in `dir` (native/plugins/tensorrt unless a test says otherwise). */
export function pluginSources(dir = path.join(root, 'native/plugins/tensorrt')) {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.cc'))
    .map((f) => path.join(dir, f));
}

/**
 * `pluginDir`: build the plugin from another folder (an older commit's sources, to show a case
 * failing before its fix) into `out`/other/, leaving the usual build alone.
 */
export function buildStandin(include, out, pluginDir) {
  const v = headerVersion(include);
  const lib = path.join(out, 'lib');
  fs.mkdirSync(lib, { recursive: true });
  const gen = path.join(out, 'gen');
  const g = spawnSync(process.execPath, [path.join(here, 'gen-stubs.mjs'), include, path.join(gen, 'stubs.h')], {
    encoding: 'utf8',
  });
  if (g.status !== 0) throw new Error(`gen-stubs failed: ${g.stderr}`);
  const inc = ['-isystem', include, '-isystem', cudaInclude];
  const warn = ['-Wall', '-Wno-unused-parameter', '-Wno-deprecated-declarations'];
  const src = path.join(here, 'standin');
  const core = path.join(lib, 'libkiln_standin.so');
  gxx(
    [
      ...SAN,
      ...warn,
      '-shared',
      '-fPIC',
      ...inc,
      '-I',
      src,
      '-I',
      gen,
      ...['state.cc', 'onnx.cc', 'model.cc', 'builder.cc', 'parser.cc', 'runtime.cc', 'cudart.cc'].map((f) =>
        path.join(src, f),
      ),
      '-Wl,-soname,libkiln_standin.so',
      '-o',
      core,
      '-ldl',
      '-lpthread',
    ],
    core,
    [...filesIn(src), path.join(gen, 'stubs.h')],
  );
  for (const name of [`libnvinfer.so.${v.major}`, `libnvonnxparser.so.${v.major}`, `libnvinfer_plugin.so.${v.major}`]) {
    fs.rmSync(path.join(lib, name), { force: true });
    fs.symlinkSync('libkiln_standin.so', path.join(lib, name));
  }
  for (const [major, version] of [
    [12, 12080],
    [13, 13000],
  ])
    gxx(
      [
        ...SAN,
        '-shared',
        '-fPIC',
        ...inc,
        `-DSTANDIN_CUDART_VERSION=${version}`,
        path.join(src, 'cudart_version.cc'),
        `-Wl,-soname,libcudart.so.${major}`,
        '-Wl,-rpath,$ORIGIN',
        '-L',
        lib,
        '-lkiln_standin',
        '-o',
        path.join(lib, `libcudart.so.${major}`),
      ],
      path.join(lib, `libcudart.so.${major}`),
      [path.join(src, 'cudart_version.cc')],
    );
  const resource = `libnvinfer_builder_resource.so.${v.major}.${v.minor}.${v.patch}`;
  fs.writeFileSync(
    path.join(gen, 'resource.cc'),
    '// TensorRT builder resource stand-in\nint kilnStandinResource = 1;\n',
  );
  gxx(
    ['-shared', '-fPIC', path.join(gen, 'resource.cc'), `-Wl,-soname,${resource}`, '-o', path.join(lib, resource)],
    path.join(lib, resource),
  );
  const srcDir = pluginDir ? path.resolve(pluginDir) : path.join(root, 'native/plugins/tensorrt');
  if (pluginDir) fs.mkdirSync(path.join(out, 'other'), { recursive: true });
  const plugin = path.join(out, pluginDir ? 'other' : '', `libkiln_trt${v.major}.so`);
  gxx(
    [
      ...SAN,
      '-Wall',
      '-Wextra',
      '-shared',
      '-fPIC',
      '-fvisibility=hidden',
      ...inc,
      '-I',
      path.join(root, 'native/include'),
      '-I',
      path.join(root, 'native/common'),
      ...pluginSources(srcDir),
      '-o',
      plugin,
      '-ldl',
      '-lpthread',
    ],
    plugin,
    [
      ...filesIn(srcDir),
      ...filesIn(path.join(root, 'native/common')),
      path.join(root, 'native/include/kiln_trt_plugin.h'),
    ],
  );
  const driver = path.join(out, 'driver');
  gxx(
    [
      ...SAN,
      '-I',
      path.join(root, 'native/include'),
      '-I',
      path.join(root, 'native/common'),
      path.join(here, 'driver.cc'),
      '-o',
      driver,
      '-ldl',
      '-lpthread',
    ],
    driver,
    [path.join(here, 'driver.cc'), ...filesIn(path.join(root, 'native/common'))],
  );
  return { version: v, lib, core, plugin, driver, resource };
}
