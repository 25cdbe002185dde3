/**
 * One engine-host process and the jobs running in it, kept alive. Model work (parsing, ONNX
 * Runtime, TensorRT builds) can crash or run out of memory; when the host dies, every job it was
 * running fails with HOST_CRASHED naming the cause, a new host starts, and the app goes on.
 * A watchdog covers the host that does not die but stops listening: a cancelled job that has not
 * stopped within the grace period is answered CANCELLED, and its host is asked whether it still
 * listens (a ping). A host that does not answer (stuck in synchronous work, where the cancel cannot
 * reach it) is killed and restarted, so the jobs after it are answered. A host that answers is
 * only busy — other users' jobs share it, and a loaded machine slows every job's next check of its
 * cancel — so it is left alone with the jobs it runs; the cancelled one winds down there, and only
 * if it is still running `stuckMs` after its cancel is its host restarted after all.
 */
import type { Progress } from '../shared/api/app-info';
import { removeTempDirsOf } from '../platform/temp-dirs';
import { KilnError } from '../shared/api/errors';
import type { FromHost, HostJob, ToHost } from '../shared/host-messages';

/** A started host process, as the parent sees it. Node's fork and Electron's utilityProcess both fit. */
export interface HostChannel {
  readonly pid: number | undefined;
  send(message: ToHost): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Called once when the process is gone; `reason` reads like "exit code 1" or "signal SIGKILL". */
  onExit(listener: (reason: string) => void): void;
  kill(): void;
}
export type HostSpawner = () => HostChannel;

interface RunningJob {
  job: HostJob;
  resolve: (value: unknown) => void;
  reject: (error: KilnError) => void;
  onProgress: ((progress: Progress) => void) | undefined;
  cancelTimer?: ReturnType<typeof setTimeout>;
  /** Its caller has been answered (CANCELLED) while it winds down in a host that still listens. */
  answered?: boolean;
}

export interface SupervisorOptions {
  /** How long a cancelled job may take to stop before its caller is answered and its host is pinged. */
  cancelGraceMs?: number;
  /** How long a pinged host has to answer before it counts as stuck (default: the grace period). */
  pingTimeoutMs?: number;
  /** How long after its cancel a job may still run in a host that listens before that host is restarted. */
  stuckMs?: number;
  /** Crashes within `crashWindowMs` beyond which restarts are delayed, so a crash loop cannot spin. */
  maxQuickCrashes?: number;
  crashWindowMs?: number;
  log?: (line: string) => void;
}

export class HostLane {
  private channel: HostChannel | undefined;
  private readonly jobs = new Map<string, RunningJob>();
  private nextId = 1;
  private crashTimes: number[] = [];
  private restartTimer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;
  private readyWaiters: Array<() => void> = [];
  private readyPid: number | undefined;
  private readonly pongWaiters = new Map<string, () => void>();
  private nextPing = 1;
  /** How many times the host has been started (1 after the first start). */
  starts = 0;

  constructor(
    private readonly spawn: HostSpawner,
    private readonly options: SupervisorOptions = {},
  ) {}

  /** The host's pid once it has said it is ready (tests kill it through this). */
  get pid(): number | undefined {
    return this.readyPid;
  }

  /** Resolves when a host process is up and has said so. */
  ready(): Promise<number> {
    this.ensureStarted();
    if (this.readyPid !== undefined) return Promise.resolve(this.readyPid);
    return new Promise((resolve) => this.readyWaiters.push(() => resolve(this.readyPid as number)));
  }

  run(
    job: HostJob,
    params: unknown,
    opts: { onProgress?: (p: Progress) => void; signal?: AbortSignal } = {},
  ): Promise<unknown> {
    if (this.disposed) return Promise.reject(new KilnError('UNAVAILABLE', 'The engine host has been shut down'));
    if (opts.signal?.aborted) return Promise.reject(new KilnError('CANCELLED', `${job} was cancelled`));
    const channel = this.ensureStarted();
    const id = String(this.nextId++);
    return new Promise((resolve, reject) => {
      const running: RunningJob = { job, resolve, reject, onProgress: opts.onProgress };
      this.jobs.set(id, running);
      opts.signal?.addEventListener(
        'abort',
        () => {
          if (!this.jobs.has(id)) return;
          this.channel?.send({ type: 'cancel', id });
          running.cancelTimer = setTimeout(() => this.watch(id, running, Date.now()), this.graceMs);
        },
        { once: true },
      );
      channel.send({ type: 'run', id, job, params });
    });
  }

  private get graceMs(): number {
    return this.options.cancelGraceMs ?? 5_000;
  }

  /**
   * A cancelled job past its grace period: its caller is answered, and its host is pinged. No answer
   * means the host is stuck (restarted); an answer means it is busy, and the job is looked at again
   * after another grace period, until `stuckMs` after its cancel.
   */
  private watch(id: string, running: RunningJob, cancelledAt: number): void {
    if (this.jobs.get(id) !== running) return;
    const channel = this.channel;
    if (!channel) return;
    const grace = this.graceMs;
    const seconds = duration(grace);
    const ping = `ping-${this.nextPing++}`;
    const stuck = setTimeout(() => {
      this.pongWaiters.delete(ping);
      if (this.jobs.get(id) !== running || this.channel !== channel) return;
      if (!running.answered) {
        this.jobs.delete(id);
        running.reject(
          new KilnError(
            'CANCELLED',
            `${running.job} was cancelled; it did not stop within ${seconds}, so Kiln restarted the engine host`,
            { details: { hostRestarted: true } },
          ),
        );
      }
      this.restartStuckHost(`${running.job} did not stop within ${seconds} of being cancelled`);
    }, this.options.pingTimeoutMs ?? grace);
    this.pongWaiters.set(ping, () => {
      clearTimeout(stuck);
      if (this.jobs.get(id) !== running || this.channel !== channel) return;
      if (!running.answered) {
        running.answered = true;
        running.reject(
          new KilnError(
            'CANCELLED',
            `${running.job} was cancelled; the engine host is busy and stops it as soon as it can`,
            { details: { stillStopping: true } },
          ),
        );
      }
      const stuckMs = this.options.stuckMs ?? 60_000;
      if (Date.now() - cancelledAt >= stuckMs) {
        this.restartStuckHost(`${running.job} was still running ${duration(stuckMs)} after it was cancelled`);
        return;
      }
      running.cancelTimer = setTimeout(() => this.watch(id, running, cancelledAt), grace);
    });
    channel.send({ type: 'ping', id: ping });
  }

  /** Stops the host and fails what is still running. */
  dispose(): void {
    this.disposed = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.failAll('The engine host was shut down');
    const channel = this.channel;
    this.channel = undefined;
    channel?.kill();
    // Now, not when its exit is heard: a parent that is itself stopping may not live to hear it.
    if (channel?.pid !== undefined) removeTempDirsOf(channel.pid);
  }

  /** True while a job is running in this lane's host. */
  get busy(): boolean {
    return this.jobs.size > 0;
  }

  /** Detaches the stuck host at once (later jobs go to a fresh one, not to it), fails what ran in it, kills it. */
  private restartStuckHost(reason: string): void {
    const channel = this.channel;
    if (!channel) return;
    this.channel = undefined;
    this.readyPid = undefined;
    this.options.log?.(`engine host restarted: ${reason}`);
    this.failAll(
      `Kiln restarted the engine host because ${reason}, and this job was running in it. You can try again.`,
      `restarted: ${reason}`,
    );
    channel.kill();
    if (!this.disposed) this.ensureStarted();
  }

  private ensureStarted(): HostChannel {
    if (this.channel) return this.channel;
    const channel = this.spawn();
    this.channel = channel;
    this.starts += 1;
    this.readyPid = undefined;
    channel.onMessage((message) => this.receive(channel, message));
    channel.onExit((reason) => this.exited(channel, reason));
    return channel;
  }

  private receive(channel: HostChannel, raw: unknown): void {
    if (channel !== this.channel || !raw || typeof raw !== 'object') return;
    const message = raw as FromHost;
    if (message.type === 'pong') {
      const waiter = this.pongWaiters.get(message.id);
      this.pongWaiters.delete(message.id);
      waiter?.();
      return;
    }
    if (message.type === 'ready') {
      this.readyPid = message.pid;
      const waiters = this.readyWaiters;
      this.readyWaiters = [];
      for (const w of waiters) w();
      return;
    }
    const running = this.jobs.get(message.id);
    if (!running) return;
    if (message.type === 'progress') {
      running.onProgress?.(message.progress);
      return;
    }
    if (message.type === 'result') {
      this.jobs.delete(message.id);
      if (running.cancelTimer) clearTimeout(running.cancelTimer);
      if (message.ok) running.resolve(message.value);
      else running.reject(KilnError.from(message.error));
    }
  }

  private exited(channel: HostChannel, reason: string): void {
    // What the host could not remove itself (killed, or crashed mid-job), its supervisor removes.
    if (channel.pid !== undefined) removeTempDirsOf(channel.pid);
    if (channel !== this.channel) return;
    this.channel = undefined;
    this.readyPid = undefined;
    if (this.disposed) return;
    this.options.log?.(`engine host stopped (${reason}); restarting`);
    this.failAll(
      `The engine host stopped (${reason}) while running this job, so the job failed. ` +
        'Kiln restarted the host; you can try again. If it happens again, the model may need more memory than this machine has.',
      reason,
    );
    const now = Date.now();
    const windowMs = this.options.crashWindowMs ?? 10_000;
    this.crashTimes = this.crashTimes.filter((t) => now - t < windowMs);
    this.crashTimes.push(now);
    const delay = this.crashTimes.length > (this.options.maxQuickCrashes ?? 5) ? 2_000 : 0;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (!this.disposed && !this.channel) this.ensureStarted();
    }, delay);
  }

  private failAll(message: string, reason?: string): void {
    const jobs = [...this.jobs.values()];
    this.jobs.clear();
    for (const running of jobs) {
      if (running.cancelTimer) clearTimeout(running.cancelTimer);
      running.reject(
        new KilnError(reason === undefined ? 'UNAVAILABLE' : 'HOST_CRASHED', `${running.job}: ${message}`, {
          details: reason === undefined ? {} : { reason },
        }),
      );
    }
  }
}

/** "5 s", or "20 ms" under a second. */
function duration(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`;
}
