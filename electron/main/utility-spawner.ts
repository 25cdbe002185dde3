/** Starts the engine host as an Electron utilityProcess (a Node child the app supervises). */
import { utilityProcess } from 'electron';
import { hostEntryPath } from '../dispatch/fork-spawner';
import type { HostChannel, HostSpawner } from '../dispatch/host-lane';

export function utilitySpawner(): HostSpawner {
  return () => {
    const child = utilityProcess.fork(hostEntryPath(), [], { serviceName: 'Kiln engine host', stdio: 'inherit' });
    let exited = false;
    let fatal = '';
    const exitListeners: Array<(reason: string) => void> = [];
    // A fatal V8 error comes as 'error' before the 'exit'. Unheard, an 'error' throws in the main
    // process and takes the app down with the host; heard, it names the exit (not where: that is a path).
    child.on('error', (type) => {
      fatal = ` (${type})`;
    });
    child.on('exit', (code) => {
      if (exited) return;
      exited = true;
      // utilityProcess reports a crash or kill as a non-zero code; there is no signal to name.
      for (const l of exitListeners) l(`exit code ${code}${fatal}`);
    });
    const channel: HostChannel = {
      get pid() {
        return child.pid;
      },
      send(message) {
        if (!exited) child.postMessage(message);
      },
      onMessage(listener) {
        child.on('message', listener);
      },
      onExit(listener) {
        exitListeners.push(listener);
      },
      kill() {
        if (!exited) child.kill();
      },
    };
    return channel;
  };
}
