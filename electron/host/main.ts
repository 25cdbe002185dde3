/**
 * Entry point of the engine-host process. Under Electron it is a utilityProcess (messages via
 * process.parentPort); under `serve` and the CLI a forked Node child (process.send).
 */
import { removeAllTempDirs } from '../platform/temp-dirs';
import { removeOwnBulkDir } from '../platform/bulk-bytes';
import { toErrorShape } from '../shared/api/errors';
import { trace } from '../platform/trace';
import { jobs } from './jobs';
import { parentPort, send } from './outbox';
import type { ToHost } from '../shared/host-messages';

const running = new Map<string, AbortController>();

function receive(raw: unknown): void {
  if (!raw || typeof raw !== 'object') return;
  const message = raw as ToHost;
  if (message.type === 'cancel') {
    running.get(message.id)?.abort();
    return;
  }
  if (message.type === 'ping') {
    send({ type: 'pong', id: message.id });
    return;
  }
  if (message.type !== 'run') return;
  const { id, job, params } = message;
  const handler = jobs[job];
  if (!handler) {
    send({ type: 'result', id, ok: false, error: { code: 'UNKNOWN_METHOD', message: `unknown job: ${String(job)}` } });
    return;
  }
  const controller = new AbortController();
  running.set(id, controller);
  trace('job-start', { job, id });
  let lastProgress = 0;
  handler(params, {
    signal: controller.signal,
    progress: (progress) => {
      // Progress is for people; more than ~30 updates a second only costs messages.
      const now = Date.now();
      if (now - lastProgress < 30 && progress.fraction !== 1) return;
      lastProgress = now;
      send({ type: 'progress', id, progress });
    },
  })
    .then((value) => {
      trace('job-done', { job, id });
      send({ type: 'result', id, ok: true, value });
    })
    .catch((err: unknown) => send({ type: 'result', id, ok: false, error: toErrorShape(err) }))
    .finally(() => {
      running.delete(id);
      trace('job-sent', { job, id });
    });
}

if (parentPort) parentPort.on('message', (e) => receive(e.data));
else process.on('message', receive);
/**
 * Leaving on purpose (the front door went away, or asked us to stop): cancel what runs, remove the
 * scratch folders jobs still hold, then exit. A half-done INT8 conversion leaves nothing behind.
 */
function leave(code: number): void {
  for (const controller of running.values()) controller.abort();
  removeAllTempDirs();
  removeOwnBulkDir();
  process.exit(code);
}
// A forked host must not outlive its parent.
process.on('disconnect', () => leave(0));
// However it ends (a parent gone before this listened, an exit with nothing left to do): no bulk folder left behind.
process.on('exit', removeOwnBulkDir);
process.on('SIGTERM', () => leave(0));
process.on('SIGINT', () => leave(0));
send({ type: 'ready', pid: process.pid });
