/**
 * The one way the renderer runs a long engine-host call as a job the user can watch and stop:
 * an AbortController behind a Cancel button, progress as it comes, a cancel that is not an error,
 * and the job gone from view when it ends. Opening a model, making a variant, profiling, comparing
 * and the mixed-precision search all run through it.
 *
 * The job lives in a store (its slot), not in a component: jobs outlive the tab that started them,
 * and the job bar and status bar show a job they did not start. Every job in flight is also listed
 * in `runningJobs`, whichever store started it, so the status bar can say what runs, how far it
 * got and stop it, from any tab.
 */
import { create } from 'zustand';
import type { Progress } from '../../../electron/shared/api/app-info';
import type { KilnErrorShape } from '../../../electron/shared/api/errors';
import { errorShape } from '../api/error-shape';

/** A job in flight as the UI shows it: what it is doing, how far it got, and the way out. */
export interface RunningJob {
  label: string;
  progress: Progress | null;
  cancel: () => void;
}

/** A job in the global list: one entry per runJob call, from its start until its work has ended. */
export interface ListedJob extends RunningJob {
  id: number;
  startedAt: number;
}

/** Every job in flight, oldest first (the status bar reads it). */
export const runningJobs = create<{ jobs: ListedJob[] }>(() => ({ jobs: [] }));

let nextJobId = 1;

function listJob(job: ListedJob): void {
  runningJobs.setState((s) => ({ jobs: [...s.jobs, job] }));
}
function updateListed(id: number, change: Partial<RunningJob>): void {
  runningJobs.setState((s) => ({ jobs: s.jobs.map((j) => (j.id === id ? { ...j, ...change } : j)) }));
}
function unlistJob(id: number): void {
  runningJobs.setState((s) => ({ jobs: s.jobs.filter((j) => j.id !== id) }));
}

/** "Making the variant — Measuring ranges (8/32)": the job, then its stage when it names another. */
export function jobText(job: Pick<RunningJob, 'label' | 'progress'>): string {
  const stage = job.progress?.stage;
  return stage && stage !== job.label ? `${job.label} — ${stage}` : job.label;
}

/** Where a store keeps one kind of job; null while none runs. */
export interface JobSlot {
  get(): RunningJob | null;
  set(job: RunningJob | null): void;
}

/** What the work is handed: the signal and progress callback for `client.call`, and a way to name a new stage. */
export interface JobControl {
  signal: AbortSignal;
  onProgress(progress: Progress): void;
  /** The job moved on to another stage: a new label, progress from the start. */
  relabel(label: string): void;
}

/** How a job ends, while it is still shown as running. */
export interface JobEnd<T> {
  /** The work's result. */
  done?(result: T): void;
  /** What went wrong; never called when the user cancelled. */
  failed?(error: KilnErrorShape): void;
}

/**
 * Runs `work` as the job in `slot`, labelled `label`, until it ends; resolves when it has (never
 * rejects). Progress, a new label and the final clearing touch the slot only while it still holds
 * this job: a store that dropped it (another model opened) or started another is left alone. The
 * global list follows the work itself: a dropped job stays listed until it has stopped.
 */
export async function runJob<T>(
  slot: JobSlot,
  label: string,
  work: (job: JobControl) => Promise<T>,
  end: JobEnd<T> = {},
): Promise<void> {
  const controller = new AbortController();
  const cancel = () => controller.abort();
  const id = nextJobId++;
  const update = (change: Partial<RunningJob>) => {
    updateListed(id, change);
    const job = slot.get();
    if (job?.cancel === cancel) slot.set({ ...job, ...change });
  };
  listJob({ id, startedAt: Date.now(), label, progress: null, cancel });
  slot.set({ label, progress: null, cancel });
  try {
    const result = await work({
      signal: controller.signal,
      onProgress: (progress) => update({ progress }),
      relabel: (next) => update({ label: next, progress: null }),
    });
    end.done?.(result);
  } catch (err) {
    const e = errorShape(err);
    if (e.code !== 'CANCELLED') end.failed?.(e);
  } finally {
    unlistJob(id);
    if (slot.get()?.cancel === cancel) slot.set(null);
  }
}
