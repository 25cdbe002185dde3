/**
 * Scratch folders for model work (calibration copies, the INT8 pipeline's intermediates, profiler
 * traces) are made here and known until removed, so a process that is told to stop — a cancelled
 * CLI, a host whose front door went away — removes every one it still holds before it exits,
 * instead of leaving tens of megabytes in the temp folder per interrupted job. Their names carry the
 * process id (`kiln-<pid>-…`), so what a killed process could not remove (a host stuck past its
 * cancel, or one that crashed) is removed by the supervisor that saw it go.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const live = new Set<string>();

/** A fresh folder in the system temp folder, `kiln-<pid>-<what>-<random>`; removed by removeTempDir or at exit. */
export function makeTempDir(what: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `kiln-${process.pid}-${what}-`));
  live.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
  live.delete(dir);
}

/** Removes every folder made here and not yet removed (for a process about to exit). */
export function removeAllTempDirs(): void {
  for (const dir of [...live]) {
    try {
      removeTempDir(dir);
    } catch {
      // a folder that cannot be removed now cannot be helped at exit
    }
  }
}

/** How many folders are held (for tests). */
export function liveTempDirs(): number {
  return live.size;
}

/** Removes the scratch folders process `pid` left (it is gone: killed or crashed). */
export function removeTempDirsOf(pid: number): void {
  const mark = `kiln-${pid}-`;
  let names: string[];
  try {
    names = fs.readdirSync(os.tmpdir());
  } catch {
    return;
  }
  for (const name of names)
    if (name.startsWith(mark)) fs.rmSync(path.join(os.tmpdir(), name), { recursive: true, force: true });
}
