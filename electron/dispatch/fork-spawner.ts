/** Starts the engine host as a forked Node child (browser mode, the CLI, tests). */
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { HostChannel, HostSpawner } from './host-lane';

/** The compiled host entry. From sources (tests), use the build in dist/. */
export function hostEntryPath(): string {
  const beside = path.join(__dirname, '..', 'host', 'main.js');
  if (fs.existsSync(beside)) return beside;
  return path.resolve(__dirname, '../../dist/electron/host/main.js');
}

export function forkSpawner(options: { maxOldSpaceMb?: number } = {}): HostSpawner {
  return () => {
    const execArgv = options.maxOldSpaceMb ? [`--max-old-space-size=${options.maxOldSpaceMb}`] : [];
    const child = fork(hostEntryPath(), [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      execArgv,
      serialization: 'advanced',
    });
    let exited = false;
    const exitListeners: Array<(reason: string) => void> = [];
    const onGone = (reason: string) => {
      if (exited) return;
      exited = true;
      for (const l of exitListeners) l(reason);
    };
    child.on('exit', (code, signal) => onGone(signal ? `signal ${signal}` : `exit code ${code ?? 'unknown'}`));
    child.on('error', (err) => onGone(`failed to start: ${err.message}`));
    const channel: HostChannel = {
      get pid() {
        return child.pid;
      },
      send(message) {
        if (!exited && child.connected) child.send(message);
      },
      onMessage(listener) {
        child.on('message', listener);
      },
      onExit(listener) {
        exitListeners.push(listener);
      },
      kill() {
        if (!exited) child.kill('SIGKILL');
      },
    };
    return channel;
  };
}
