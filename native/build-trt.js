#!/usr/bin/env node
// `npm run build:trt -- --trt-include DIR [--cuda-include DIR] [--out DIR]`: builds Kiln's real
// TensorRT plugin for the TensorRT major whose headers DIR holds (NvInferVersion.h says which),
// into native/build/plugins/libkiln_trt<major>.so. Headers are not shipped with Kiln.
// `npm run build:trt -- --matrix DIR [DIR ...]`: compiles the plugin against each header set (say
// TensorRT 10.0, 10.3, 10.16 and 11.1) into native/build/trt-matrix/<version>/, installs nothing,
// and reports each: the version, whether it compiled (with its first errors if not) and how long it
// took. Exits 1 if any failed. For 10.0-10.13 the header set must include NvOnnxParser.h from
// onnx/onnx-tensorrt (native/README.md says how to fetch them).
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { parseArgs } = require('node:util');

function die(message) {
  console.error(`build:trt: ${message}`);
  process.exit(1);
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'trt-include': { type: 'string' },
    'cuda-include': { type: 'string', default: '/usr/local/cuda/include' },
    out: { type: 'string', default: path.join(__dirname, 'build', 'plugins') },
    matrix: { type: 'boolean', default: false },
  },
});

/** The TensorRT version a header folder declares ("10.16.0"), or throws saying what is wrong. */
function headerVersion(trt) {
  const versionFile = path.join(trt, 'NvInferVersion.h');
  if (!fs.existsSync(versionFile)) throw new Error(`${versionFile} does not exist: give TensorRT's include folder`);
  const text = fs.readFileSync(versionFile, 'utf8');
  const num = (names) => {
    for (const n of names) {
      const m = new RegExp(`#define\\s+${n}\\s+(\\d+)`).exec(text);
      if (m) return m[1];
    }
    throw new Error(`cannot read the TensorRT version from ${versionFile}`);
  };
  const major = num(['TRT_MAJOR_ENTERPRISE', 'NV_TENSORRT_MAJOR']);
  if (major !== '10' && major !== '11') throw new Error(`TensorRT ${major}: Kiln's plugin supports TensorRT 10 and 11`);
  if (!fs.existsSync(path.join(trt, 'NvOnnxParser.h')))
    throw new Error(`${trt} has no NvOnnxParser.h (10.0-10.13 ship it in onnx/onnx-tensorrt)`);
  return {
    major,
    version: `${major}.${num(['TRT_MINOR_ENTERPRISE', 'NV_TENSORRT_MINOR'])}.${num(['TRT_PATCH_ENTERPRISE', 'NV_TENSORRT_PATCH'])}`,
  };
}

/** Configures and builds with cmake into `buildDir`; returns { ok, output, library }. */
function compile(trt, cuda, major, buildDir, quiet) {
  const run = (args) =>
    spawnSync('cmake', args, quiet ? { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] } : { stdio: 'inherit' });
  const steps = [
    [
      '-S',
      path.join(__dirname, 'plugins', 'tensorrt'),
      '-B',
      buildDir,
      '-DCMAKE_BUILD_TYPE=Release',
      `-DTRT_INCLUDE=${path.resolve(trt)}`,
      `-DCUDA_INCLUDE=${path.resolve(cuda)}`,
      `-DKILN_TRT_MAJOR=${major}`,
    ],
    ['--build', buildDir, '--config', 'Release'],
  ];
  let output = '';
  for (const args of steps) {
    const r = run(args);
    if (r.error) die(`cmake could not run: ${r.error.message}`);
    output += `${r.stdout ?? ''}${r.stderr ?? ''}`;
    if (r.status !== 0) return { ok: false, output };
  }
  const library = path.join(buildDir, `libkiln_trt${major}.so`);
  return { ok: fs.existsSync(library), output, library };
}

const cuda = values['cuda-include'];
if (!fs.existsSync(path.join(cuda, 'cuda_runtime_api.h')))
  die(`${cuda} has no cuda_runtime_api.h: give --cuda-include /path/to/cuda/include`);

if (values.matrix) {
  const dirs = [...positionals, ...(values['trt-include'] ? [values['trt-include']] : [])];
  if (dirs.length === 0) die('give --matrix DIR [DIR ...]: TensorRT include folders');
  const rows = [];
  for (const dir of dirs) {
    const t0 = Date.now();
    let row;
    try {
      const { major, version } = headerVersion(dir);
      const r = compile(dir, cuda, major, path.join(__dirname, 'build', 'trt-matrix', version), true);
      const errors = r.output
        .split('\n')
        .filter((l) => /error|warning/.test(l))
        .slice(0, 5);
      row = { dir, version, ok: r.ok, warnings: r.output.split('\n').filter((l) => /warning:/.test(l)).length, errors };
    } catch (err) {
      row = { dir, version: '?', ok: false, warnings: 0, errors: [err.message] };
    }
    row.seconds = ((Date.now() - t0) / 1000).toFixed(0);
    rows.push(row);
    console.log(
      `build:trt: TensorRT ${row.version.padEnd(8)} ${row.ok ? 'compiled' : 'FAILED  '} ${row.warnings} warning(s), ${row.seconds} s  (${row.dir})`,
    );
    for (const e of row.ok ? [] : row.errors) console.log(`    ${e}`);
  }
  const failed = rows.filter((r) => !r.ok).length;
  console.log(`build:trt: ${rows.length - failed} of ${rows.length} header sets compiled`);
  process.exit(failed ? 1 : 0);
}

const trt = values['trt-include'];
if (!trt) die('give --trt-include /path/to/TensorRT/include (or --matrix DIR ...)');
let major;
try {
  ({ major } = headerVersion(trt));
} catch (err) {
  die(err.message);
}
const r = compile(trt, cuda, major, path.join(__dirname, 'build', `trt${major}-cmake`), false);
if (!r.ok) die(r.library ? `the build made no ${r.library}` : 'cmake failed');
fs.mkdirSync(values.out, { recursive: true });
const dest = path.join(values.out, `libkiln_trt${major}.so`);
fs.copyFileSync(r.library, `${dest}.tmp`);
fs.renameSync(`${dest}.tmp`, dest);
console.log(`build:trt: TensorRT ${major} plugin at ${path.relative(process.cwd(), dest)}`);
