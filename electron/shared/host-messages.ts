/** Messages between a front door (parent) and the engine-host process (child). */
import type { Progress } from './api/app-info';
import type { KilnErrorShape } from './api/errors';

/** Host-side job names. They mirror the API's job calls, with sources already resolved to paths. */
export type HostJob =
  | 'model.open'
  | 'model.graph'
  | 'model.node'
  | 'model.compare'
  | 'variant.search'
  | 'model.export'
  | 'model.check'
  | 'model.diff'
  | 'engine.import'
  | 'engine.diff'
  | 'engine.trust'
  | 'variant.make'
  | 'model.build'
  | 'model.profile'
  | 'model.edit'
  | 'model.fix'
  | 'native.probe'
  | 'host.diagnose';

export type ToHost =
  | { type: 'run'; id: string; job: HostJob; params: unknown }
  | { type: 'cancel'; id: string }
  /** Are you listening? A host whose event loop turns answers `pong` at once, whatever its jobs do. */
  | { type: 'ping'; id: string };

export type FromHost =
  | { type: 'ready'; pid: number }
  | { type: 'pong'; id: string }
  | { type: 'progress'; id: string; progress: Progress }
  | { type: 'result'; id: string; ok: true; value: unknown }
  | { type: 'result'; id: string; ok: false; error: KilnErrorShape };
