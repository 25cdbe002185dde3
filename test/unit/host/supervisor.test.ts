// The supervisor's bookkeeping, with a fake host channel: restarts, crash-loop back-off, cancel grace.
import { describe, expect, it } from 'vitest';
import { KilnError } from '../../../electron/shared/api/errors';
import type { HostChannel } from '../../../electron/dispatch/supervisor';
import { HostSupervisor } from '../../../electron/dispatch/supervisor';
import type { ToHost } from '../../../electron/shared/host-messages';

class FakeHost implements HostChannel {
  static started: FakeHost[] = [];
  readonly pid = 1000 + FakeHost.started.length;
  sent: ToHost[] = [];
  private messageListeners: Array<(m: unknown) => void> = [];
  private exitListeners: Array<(r: string) => void> = [];
  killed = false;
  constructor() {
    FakeHost.started.push(this);
    queueMicrotask(() => this.emit({ type: 'ready', pid: this.pid }));
  }
  send(m: ToHost) {
    this.sent.push(m);
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
    const b = sup.run('model.open', {});
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
    expect(sup.starts).toBe(2);
    sup.dispose();
  });

  it('a cancelled job that never answers is failed after the grace period', async () => {
    const sup = new HostSupervisor(spawn, { cancelGraceMs: 20 });
    const controller = new AbortController();
    const p = sup.run('host.diagnose', {}, { signal: controller.signal });
    const host = FakeHost.started.at(-1) as FakeHost;
    controller.abort();
    expect(host.sent.at(-1)).toMatchObject({ type: 'cancel' });
    await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
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
