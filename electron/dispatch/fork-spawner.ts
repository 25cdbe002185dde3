/**
 * Starts the engine host as a forked Node child (browser mode, the CLI, tests), with a private
 * folder for its big byte replies (platform/bulk-bytes.ts), removed when it exits.
 */
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { HostChannel, HostSpawner } from './host-lane';
import { BULK_DIR_ENV, isBulkRef, makeBulkDir, readBulk, removeBulkDir } from '../platform/bulk-bytes';
import type { FromHost } from '../shared/host-messages';
import { toErrorShape } from '../shared/api/errors';

/** A message from the host with the bytes of a bulk reply read back in place of its reference. */
function withBulk(dir: string, raw: unknown): unknown {
  const message = raw as FromHost;
  if (!message || message.type !== 'result' || !message.ok || !isBulkRef(message.value)) return raw;
  try {
    return { ...message, value: readBulk(dir, message.value) };
  } catch (err) {
    return { type: 'result', id: message.id, ok: false, error: toErrorShape(err) } satisfies FromHost;
  }
}

/** The compiled host entry. From sources (tests), use the build in dist/. */
export function hostEntryPath(): string {
  const beside = path.join(__dirname, '..', 'host', 'main.js');
  if (fs.existsSync(beside)) return beside;
  return path.resolve(__dirname, '../../dist/electron/host/main.js');
}

export function forkSpawner(options: { maxOldSpaceMb?: number } = {}): HostSpawner {
  return () => {
    const execArgv = options.maxOldSpaceMb ? [`--max-old-space-size=${options.maxOldSpaceMb}`] : [];
    const bulkDir = makeBulkDir();
    const child = fork(hostEntryPath(), [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      execArgv,
      serialization: 'advanced',
      env: { ...process.env, [BULK_DIR_ENV]: bulkDir },
    });
    let exited = false;
    const exitListeners: Array<(reason: string) => void> = [];
    const onGone = (reason: string) => {
      if (exited) return;
      exited = true;
      removeBulkDir(bulkDir);
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
        child.on('message', (message) => listener(withBulk(bulkDir, message)));
      },
      onExit(listener) {
        exitListeners.push(listener);
      },
      kill() {
        if (!exited) child.kill('SIGKILL');
        // now, not on 'exit': a parent that is itself stopping may not live to hear it
        removeBulkDir(bulkDir);
      },
    };
    return channel;
  };
}
