/**
 * What every long piece of model work receives from the engine host: a way to report progress and
 * a signal that says the user cancelled. One definition for core and host, and one way to stop:
 * `throwIfCancelled` raises the CANCELLED error the front doors recognise ("<what> was cancelled"),
 * so a cancelled job never looks like a failure.
 */
import type { Progress } from '../../shared/api/app-info';
import { KilnError } from '../../shared/api/errors';

export interface JobContext {
  progress(p: Progress): void;
  signal: AbortSignal;
}

/** Throws CANCELLED ("`what` was cancelled") when the job's signal has fired. */
export function throwIfCancelled(ctx: Pick<JobContext, 'signal'>, what: string): void {
  if (ctx.signal.aborted) throw new KilnError('CANCELLED', `${what} was cancelled`);
}
