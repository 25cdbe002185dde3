// The renderer's one job runner: progress and stages shown while it runs, cancel that is not an
// error, failures as error shapes, and a slot that a newer job took over left alone.
import { describe, expect, it } from 'vitest';
import type { Progress } from '../../../electron/shared/api/app-info';
import { KilnError } from '../../../electron/shared/api/errors';
import type { KilnErrorShape } from '../../../electron/shared/api/errors';
import { runJob, runningJobs } from '../../../renderer/src/state/job';
import type { JobControl, JobSlot, RunningJob } from '../../../renderer/src/state/job';

/** A store's slot, with every job it was set to. */
function slot(): JobSlot & { job: RunningJob | null; seen: (RunningJob | null)[] } {
  const s = {
    job: null as RunningJob | null,
    seen: [] as (RunningJob | null)[],
    get: () => s.job,
    set: (job: RunningJob | null) => {
      s.job = job;
      s.seen.push(job);
    },
  };
  return s;
}

/** Work that waits until the test lets it go (or the job is cancelled, as the API client rejects). */
function gate<T>() {
  let control: JobControl | null = null;
  let release: (value: T) => void = () => undefined;
  let fail: (err: unknown) => void = () => undefined;
  const work = (job: JobControl) => {
    control = job;
    return new Promise<T>((resolve, reject) => {
      release = resolve;
      fail = reject;
      job.signal.addEventListener('abort', () => reject(new KilnError('CANCELLED', 'x was cancelled')));
    });
  };
  return { work, control: () => control!, release: (v: T) => release(v), fail: (e: unknown) => fail(e) };
}

describe('runJob', () => {
  it('shows the job with its progress and stages, hands over the result, then clears the slot', async () => {
    const s = slot();
    const g = gate<number>();
    const done: number[] = [];
    const ran = runJob(s, 'Opening m.onnx', g.work, { done: (r) => done.push(r) });
    expect(s.job).toMatchObject({ label: 'Opening m.onnx', progress: null });
    const p: Progress = { fraction: 0.5, stage: 'Reading' };
    g.control().onProgress(p);
    expect(s.job?.progress).toEqual(p);
    g.control().relabel('Laying out m.onnx');
    expect(s.job).toMatchObject({ label: 'Laying out m.onnx', progress: null });
    g.release(42);
    await ran;
    expect(done).toEqual([42]);
    expect(s.job).toBeNull();
  });

  it('the result arrives while the job is still shown', async () => {
    const s = slot();
    let shown: RunningJob | null = null;
    await runJob(s, 'x', async () => 1, { done: () => (shown = s.job) });
    expect(shown).not.toBeNull();
    expect(s.job).toBeNull();
  });

  it('cancel aborts the signal and is not an error', async () => {
    const s = slot();
    const g = gate<number>();
    const failed: KilnErrorShape[] = [];
    const done: number[] = [];
    const ran = runJob(s, 'x', g.work, { done: (r) => done.push(r), failed: (e) => failed.push(e) });
    s.job!.cancel();
    expect(g.control().signal.aborted).toBe(true);
    await ran;
    expect(failed).toEqual([]);
    expect(done).toEqual([]);
    expect(s.job).toBeNull();
  });

  it('a failure comes back as an error shape (KilnErrors keep their code, anything else is INTERNAL)', async () => {
    const failed: KilnErrorShape[] = [];
    await runJob(
      slot(),
      'x',
      async () => {
        throw new KilnError('NOT_ONNX', 'not a model', { file: 'a.txt' });
      },
      { failed: (e) => failed.push(e) },
    );
    await runJob(
      slot(),
      'x',
      async () => {
        throw new Error('boom');
      },
      { failed: (e) => failed.push(e) },
    );
    expect(failed).toEqual([
      { code: 'NOT_ONNX', message: 'not a model', file: 'a.txt' },
      { code: 'INTERNAL', message: 'boom' },
    ]);
  });

  it('a job whose slot was taken by another leaves the newer one alone', async () => {
    const s = slot();
    const first = gate<number>();
    const ranFirst = runJob(s, 'first', first.work);
    s.job!.cancel();
    const second = gate<number>();
    const ranSecond = runJob(s, 'second', second.work);
    first.control().onProgress({ fraction: 0.9, stage: 'late' });
    first.control().relabel('late stage');
    await ranFirst;
    expect(s.job).toMatchObject({ label: 'second', progress: null });
    second.release(2);
    await ranSecond;
    expect(s.job).toBeNull();
  });

  it('never rejects, even when the result handler throws', async () => {
    const failed: KilnErrorShape[] = [];
    await expect(
      runJob(slot(), 'x', async () => 1, {
        done: () => {
          throw new Error('render failed');
        },
        failed: (e) => failed.push(e),
      }),
    ).resolves.toBeUndefined();
    expect(failed).toEqual([{ code: 'INTERNAL', message: 'render failed' }]);
  });
});

// Issue 21 item 3: the status bar said "Idle" while a variant was being made, because only the app's
// own job (opening a model) reached it. Every job the runner starts is now listed globally.
describe('runningJobs: every job in flight, from every store', () => {
  it('lists each running job with its progress and a cancel that reaches the work, and drops it when it ends', async () => {
    const a = gate<number>();
    const b = gate<number>();
    const ranA = runJob(slot(), 'Making the variant', a.work);
    const ranB = runJob(slot(), '#1 extended', b.work);
    expect(runningJobs.getState().jobs.map((j) => j.label)).toEqual(['Making the variant', '#1 extended']);
    a.control().onProgress({ fraction: 0.25, stage: 'Measuring ranges (8/32)' });
    expect(runningJobs.getState().jobs[0]).toMatchObject({
      progress: { fraction: 0.25, stage: 'Measuring ranges (8/32)' },
    });
    a.control().relabel('Checking against FP32');
    expect(runningJobs.getState().jobs[0]).toMatchObject({ label: 'Checking against FP32', progress: null });
    runningJobs.getState().jobs[1]!.cancel();
    expect(b.control().signal.aborted).toBe(true);
    await ranB;
    expect(runningJobs.getState().jobs.map((j) => j.label)).toEqual(['Checking against FP32']);
    a.release(1);
    await ranA;
    expect(runningJobs.getState().jobs).toEqual([]);
  });

  it('a job its store dropped stays listed until it has actually stopped', async () => {
    const s = slot();
    const g = gate<number>();
    const ran = runJob(s, 'Opening a.onnx', g.work);
    s.set(null); // another model opened: the store forgot the job, the work still runs
    expect(runningJobs.getState().jobs.map((j) => j.label)).toEqual(['Opening a.onnx']);
    g.release(1);
    await ran;
    expect(runningJobs.getState().jobs).toEqual([]);
  });
});
