/**
 * Every front door's one handle on model work. Jobs run in engine-host processes, in two lanes, so
 * a two-minute calibration never holds up opening a graph: the interactive lane takes what a user
 * waits on while looking at a model (open, graph, node details, the TensorRT check, engine imports and trust,
 * the machine probe), the work lane everything long (variants, comparisons, builds, profiles,
 * exports). Timing jobs — profiles, builds, and variant making and search, whose speed checks time
 * the model — run one at a time in the order asked, so two of them never time each other; a queued
 * job says how many are ahead of it, and a cancel takes it out of the queue at once.
 */
import type { Progress } from '../shared/api/app-info';
import { KilnError } from '../shared/api/errors';
import type { HostJob } from '../shared/host-messages';
import { HostLane, type HostSpawner, type SupervisorOptions } from './host-lane';

type LaneName = 'interactive' | 'work';

const LANE_OF: Record<HostJob, LaneName> = {
  'model.open': 'interactive',
  'model.graph': 'interactive',
  'model.node': 'interactive',
  'model.check': 'interactive',
  'model.diff': 'interactive',
  'engine.import': 'interactive',
  'engine.diff': 'interactive',
  'engine.trust': 'interactive',
  'native.probe': 'interactive',
  'model.compare': 'work',
  'variant.search': 'work',
  'model.export': 'work',
  'variant.make': 'work',
  // Edits write a new version and run it beside its parent: model work, not a quick look.
  'model.edit': 'work',
  'model.fix': 'work',
  'model.build': 'work',
  'model.profile': 'work',
  'host.diagnose': 'work',
};

/** Jobs whose results are timings (or depend on them): they must not share the CPU or GPU with each other. */
export const TIMING_JOBS: ReadonlySet<HostJob> = new Set<HostJob>([
  'model.profile',
  'model.build',
  'variant.make',
  'variant.search',
]);

interface RunOptions {
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
}

interface Queued {
  job: HostJob;
  opts: RunOptions;
  begin: () => void;
  reject: (error: KilnError) => void;
}

export class HostSupervisor {
  private readonly lanes: Record<LaneName, HostLane>;
  private timingRunning = false;
  private readonly timingQueue: Queued[] = [];
  private disposed = false;

  constructor(spawn: HostSpawner, options: SupervisorOptions = {}) {
    this.lanes = { interactive: new HostLane(spawn, options), work: new HostLane(spawn, options) };
  }

  /** The work lane's host pid once it is ready (tests kill it through this). */
  get pid(): number | undefined {
    return this.lanes.work.pid;
  }

  /** How many host processes have been started, in both lanes. */
  get starts(): number {
    return this.lanes.interactive.starts + this.lanes.work.starts;
  }

  /** The lane a job runs in (for tests and diagnostics). */
  laneOf(job: HostJob): HostLane {
    return this.lanes[LANE_OF[job]];
  }

  /** How many timing jobs wait behind the one running. */
  get queuedTimingJobs(): number {
    return this.timingQueue.length;
  }

  /**
   * Starts the interactive lane's host now, not on the first call: a front door calls this as it
   * starts, so the first model a user opens is read by a host already up (starting one takes a
   * few hundred milliseconds, which a 125k-node open would otherwise wait for).
   */
  startInteractive(): void {
    if (!this.disposed) void this.lanes.interactive.ready();
  }

  /** Starts both lanes' hosts; resolves with the work lane's pid once both are up. */
  async ready(): Promise<number> {
    const [, work] = await Promise.all([this.lanes.interactive.ready(), this.lanes.work.ready()]);
    return work;
  }

  run(job: HostJob, params: unknown, opts: RunOptions = {}): Promise<unknown> {
    const lane = this.laneOf(job);
    if (this.disposed || !TIMING_JOBS.has(job)) return lane.run(job, params, opts);
    return new Promise((resolve, reject) => {
      const entry: Queued = {
        job,
        opts,
        reject,
        begin: () => {
          lane
            .run(job, params, opts)
            .then(resolve, reject)
            .finally(() => this.startNextTiming());
        },
      };
      if (!this.timingRunning) {
        this.timingRunning = true;
        entry.begin();
        return;
      }
      this.timingQueue.push(entry);
      this.announceQueue();
      opts.signal?.addEventListener(
        'abort',
        () => {
          const i = this.timingQueue.indexOf(entry);
          if (i < 0) return;
          this.timingQueue.splice(i, 1);
          reject(new KilnError('CANCELLED', `${job} was cancelled while it waited its turn`));
          this.announceQueue();
        },
        { once: true },
      );
    });
  }

  /** Stops both hosts and fails what is running or queued. */
  dispose(): void {
    this.disposed = true;
    const queued = this.timingQueue.splice(0);
    for (const q of queued) q.reject(new KilnError('UNAVAILABLE', `${q.job}: the engine host was shut down`));
    this.lanes.interactive.dispose();
    this.lanes.work.dispose();
  }

  private startNextTiming(): void {
    const next = this.timingQueue.shift();
    if (!next) {
      this.timingRunning = false;
      return;
    }
    this.announceQueue();
    next.begin();
  }

  private announceQueue(): void {
    this.timingQueue.forEach((q, i) => {
      const ahead = i + 1;
      q.opts.onProgress?.({
        fraction: null,
        stage: `Waiting: ${ahead} timing job${ahead === 1 ? '' : 's'} ahead (timing jobs run one at a time, so they do not slow each other's measurements)`,
      });
    });
  }
}
