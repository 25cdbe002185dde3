// The supervisor's bookkeeping, with a fake host channel: restarts, crash-loop back-off, cancel grace.
import { describe, expect, it } from 'vitest';
import { KilnError } from '../../../electron/shared/api/errors';
import type { HostChannel } from '../../../electron/dispatch/host-lane';
import { HostSupervisor } from '../../../electron/dispatch/supervisor';
import type { ToHost } from '../../../electron/shared/host-messages';

class FakeHost implements HostChannel {
  static started: FakeHost[] = [];
  readonly pid = 1000 + FakeHost.started.length;
  sent: ToHost[] = [];
  private messageListeners: Array<(m: unknown) => void> = [];
  private exitListeners: Array<(r: string) => void> = [];
  killed = false;
  /** A host whose event loop turns answers pings; a stuck one (the default here) does not. */
  static answersPings = false;
  constructor() {
    FakeHost.started.push(this);
    queueMicrotask(() => this.emit({ type: 'ready', pid: this.pid }));
  }
  send(m: ToHost) {
    this.sent.push(m);
    if (m.type === 'ping' && FakeHost.answersPings) queueMicrotask(() => this.emit({ type: 'pong', id: m.id }));
  }
  onMessage(l: (m: unknown) => void) {
    this.messageListeners.push(l);
  }
  onExit(l: (r: string) => void) {
    this.exitListeners.push(l);
  }
  kill() {
    this.killed = true;
    this.die('signal SIGKILL');
  }
  emit(m: unknown) {
    for (const l of this.messageListeners) l(m);
  }
  die(reason: string) {
    for (const l of this.exitListeners) l(reason);
  }
  lastRunId(): string {
    const run = [...this.sent].reverse().find((m) => m.type === 'run');
    if (!run) throw new Error('nothing was run');
    return run.id;
  }
}

const spawn = () => new FakeHost();

describe('HostSupervisor', () => {
  it('starts the host that opens models before the first call, and opens with it', async () => {
    const sup = new HostSupervisor(spawn);
    const before = FakeHost.started.length;
    sup.startInteractive();
    expect(sup.starts).toBe(1);
    expect(FakeHost.started.length).toBe(before + 1);
    const host = FakeHost.started.at(-1) as FakeHost;
    const p = sup.run('model.graph', { path: 'a' });
    // the same host, no second start
    expect(sup.starts).toBe(1);
    host.emit({ type: 'result', id: host.lastRunId(), ok: true, value: 'graph' });
    await expect(p).resolves.toBe('graph');
    sup.dispose();
    sup.startInteractive();
    expect(sup.starts).toBe(1);
  });

  it('forwards progress and results by job id', async () => {
    const sup = new HostSupervisor(spawn);
    const seen: string[] = [];
    const p = sup.run('model.open', { path: 'a' }, { onProgress: (pr) => seen.push(pr.stage) });
    const host = FakeHost.started.at(-1) as FakeHost;
    const id = host.lastRunId();
    host.emit({ type: 'progress', id, progress: { fraction: 0.5, stage: 'reading' } });
    host.emit({ type: 'result', id: 'unrelated', ok: true, value: 0 });
    host.emit({ type: 'result', id, ok: true, value: { done: true } });
    await expect(p).resolves.toEqual({ done: true });
    expect(seen).toEqual(['reading']);
    sup.dispose();
  });

  it('fails running jobs with HOST_CRASHED when the host dies, then starts a new host', async () => {
    const sup = new HostSupervisor(spawn);
    const a = sup.run('host.diagnose', {});
    const b = sup.run('model.compare', {});
    const host = FakeHost.started.at(-1) as FakeHost;
    await sup.ready();
    host.die('exit code 137');
    for (const p of [a, b]) {
      const err = await p.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KilnError);
      expect(err).toMatchObject({ code: 'HOST_CRASHED' });
      expect((err as Error).message).toContain('exit code 137');
    }
    const pid = await sup.ready();
    expect(pid).not.toBe(host.pid);
    expect(sup.laneOf('host.diagnose').starts).toBe(2);
    sup.dispose();
  });

  it('a cancelled job that never answers is failed after the grace period, and its host is restarted', async () => {
    const sup = new HostSupervisor(spawn, { cancelGraceMs: 20 });
    const controller = new AbortController();
    const p = sup.run('host.diagnose', {}, { signal: controller.signal });
    const bystander = sup.run('model.compare', {});
    const host = FakeHost.started.at(-1) as FakeHost;
    await sup.ready();
    controller.abort();
    expect(host.sent.at(-1)).toMatchObject({ type: 'cancel' });
    const err = (await p.catch((e: unknown) => e)) as KilnError;
    expect(err).toMatchObject({ code: 'CANCELLED' });
    expect(err.message).toMatch(/did not stop within 20 ms, so Kiln restarted the engine host/);
    // The stuck host is gone; what else ran in it says why, and a fresh host answers later jobs.
    expect(host.killed).toBe(true);
    const other = (await bystander.catch((e: unknown) => e)) as KilnError;
    expect(other).toMatchObject({ code: 'HOST_CRASHED' });
    expect(other.message).toContain('host.diagnose did not stop within 20 ms of being cancelled');
    const later = sup.run('host.diagnose', {});
    const fresh = FakeHost.started.at(-1) as FakeHost;
    expect(fresh).not.toBe(host);
    fresh.emit({ type: 'result', id: fresh.lastRunId(), ok: true, value: 'answered' });
    await expect(later).resolves.toBe('answered');
    sup.dispose();
  });

  it('a cancelled job slow to stop in a host that still answers: its caller is answered, the host and its other jobs are left alone', async () => {
    // Found by the soak (issue 20): 50 clients loaded one host, a cancelled compare missed its grace
    // period, and the watchdog killed the host with nine other users' jobs in it.
    FakeHost.answersPings = true;
    try {
      const sup = new HostSupervisor(spawn, { cancelGraceMs: 20, stuckMs: 10_000 });
      const controller = new AbortController();
      const p = sup.run('model.compare', {}, { signal: controller.signal });
      const bystander = sup.run('model.compare', {});
      const host = FakeHost.started.at(-1) as FakeHost;
      await sup.ready();
      const slowId = (host.sent.find((m) => m.type === 'run') as { id: string }).id;
      controller.abort();
      const err = (await p.catch((e: unknown) => e)) as KilnError;
      expect(err).toMatchObject({ code: 'CANCELLED', details: { stillStopping: true } });
      expect(host.sent.some((m) => m.type === 'ping')).toBe(true);
      expect(host.killed).toBe(false);
      // The slow job ends later (its result goes nowhere); the bystander is answered as usual.
      host.emit({ type: 'result', id: slowId, ok: false, error: { code: 'CANCELLED', message: 'stopped' } });
      host.emit({ type: 'result', id: host.lastRunId(), ok: true, value: 'done' });
      await expect(bystander).resolves.toBe('done');
      await new Promise((r) => setTimeout(r, 80));
      expect(host.killed).toBe(false);
      sup.dispose();
    } finally {
      FakeHost.answersPings = false;
    }
  });

  it('a cancelled job still running stuckMs after its cancel gets its host restarted, even if the host answers', async () => {
    FakeHost.answersPings = true;
    try {
      const sup = new HostSupervisor(spawn, { cancelGraceMs: 10, stuckMs: 60 });
      const controller = new AbortController();
      const p = sup.run('model.compare', {}, { signal: controller.signal });
      const bystander = sup.run('model.compare', {});
      const host = FakeHost.started.at(-1) as FakeHost;
      await sup.ready();
      controller.abort();
      await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
      const other = (await bystander.catch((e: unknown) => e)) as KilnError;
      expect(other).toMatchObject({ code: 'HOST_CRASHED' });
      expect(other.message).toMatch(/model\.compare was still running 60 ms after it was cancelled/);
      expect(host.killed).toBe(true);
      sup.dispose();
    } finally {
      FakeHost.answersPings = false;
    }
  });

  it('a cancelled job that stops in time leaves its host alone', async () => {
    const sup = new HostSupervisor(spawn, { cancelGraceMs: 50 });
    const controller = new AbortController();
    const p = sup.run('host.diagnose', {}, { signal: controller.signal });
    const host = FakeHost.started.at(-1) as FakeHost;
    controller.abort();
    host.emit({ type: 'result', id: host.lastRunId(), ok: false, error: { code: 'CANCELLED', message: 'stopped' } });
    await expect(p).rejects.toMatchObject({ code: 'CANCELLED', message: 'stopped' });
    await new Promise((r) => setTimeout(r, 80));
    expect(host.killed).toBe(false);
    sup.dispose();
  });

  it('interactive jobs run in their own host, so a long job does not hold up opening a model', async () => {
    const sup = new HostSupervisor(spawn);
    void sup.run('variant.make', {}).catch(() => undefined);
    const work = FakeHost.started.at(-1) as FakeHost;
    const open = sup.run('model.open', {});
    const interactive = FakeHost.started.at(-1) as FakeHost;
    expect(interactive).not.toBe(work);
    expect(interactive.sent.at(-1)).toMatchObject({ type: 'run', job: 'model.open' });
    interactive.emit({ type: 'result', id: interactive.lastRunId(), ok: true, value: 'opened' });
    await expect(open).resolves.toBe('opened');
    expect(sup.laneOf('model.graph')).toBe(sup.laneOf('model.open'));
    expect(sup.laneOf('model.profile')).toBe(sup.laneOf('variant.make'));
    sup.dispose();
  });

  it('timing jobs run one at a time, in order; a queued one says how many are ahead and can be cancelled', async () => {
    const sup = new HostSupervisor(spawn);
    const first = sup.run('model.profile', {});
    const host = FakeHost.started.at(-1) as FakeHost;
    const stages: string[] = [];
    const second = sup.run('model.build', {}, { onProgress: (p) => stages.push(p.stage) });
    const controller = new AbortController();
    const third = sup.run('variant.make', {}, { signal: controller.signal, onProgress: (p) => stages.push(p.stage) });
    const runs = () => host.sent.filter((m) => m.type === 'run').map((m) => (m.type === 'run' ? m.job : ''));
    expect(runs()).toEqual(['model.profile']);
    expect(sup.queuedTimingJobs).toBe(2);
    expect(stages).toContain(
      "Waiting: 2 timing jobs ahead (timing jobs run one at a time, so they do not slow each other's measurements)",
    );
    // A job that times nothing is not queued behind them.
    void sup.run('model.compare', {}).catch(() => undefined);
    expect(runs()).toEqual(['model.profile', 'model.compare']);
    controller.abort();
    await expect(third).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(sup.queuedTimingJobs).toBe(1);
    const profileRun = host.sent.find((m) => m.type === 'run' && m.job === 'model.profile');
    host.emit({ type: 'result', id: profileRun?.id, ok: true, value: 'p' });
    await expect(first).resolves.toBe('p');
    await new Promise((r) => setTimeout(r, 0));
    expect(runs()).toEqual(['model.profile', 'model.compare', 'model.build']);
    host.emit({ type: 'result', id: host.lastRunId(), ok: true, value: 'b' });
    await expect(second).resolves.toBe('b');
    expect(runs()).not.toContain('variant.make');
    sup.dispose();
  });

  it('dispose kills the host and refuses new work', async () => {
    const sup = new HostSupervisor(spawn);
    const p = sup.run('host.diagnose', {});
    const host = FakeHost.started.at(-1) as FakeHost;
    sup.dispose();
    expect(host.killed).toBe(true);
    await expect(p).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(sup.run('host.diagnose', {})).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});
