// The engine host's utilityProcess may report a fatal V8 error ('error') before it exits. An
// EventEmitter 'error' that no one hears throws, here in the Electron main process, which would take
// the whole app down with the host it is meant to restart. The channel hears it and names it in the
// exit reason instead (issue 20: every child process gets its error handler).
import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';

const forked: EventEmitter[] = [];
vi.mock('electron', () => ({
  utilityProcess: {
    fork: vi.fn(() => {
      const u = Object.assign(new EventEmitter(), { pid: 7, postMessage: vi.fn(), kill: vi.fn(() => true) });
      forked.push(u);
      return u;
    }),
  },
}));

import { utilitySpawner } from '../../../electron/main/utility-spawner';

describe('utilityProcess host channel', () => {
  it("a fatal 'error' from the host is heard, and named in the exit that follows", () => {
    const channel = utilitySpawner()();
    const child = forked.at(-1) as EventEmitter;
    const exits: string[] = [];
    channel.onExit((r) => exits.push(r));
    expect(() =>
      child.emit('error', 'FatalError', '/home/someone/kiln/dist/electron/host/main.js:1', '{}'),
    ).not.toThrow();
    child.emit('exit', 134);
    expect(exits).toEqual(['exit code 134 (FatalError)']);
    expect(exits[0]).not.toContain('/home'); // where it failed is for the log, not the message
  });
});
