/**
 * Whatever a call threw, as the error shape the UI shows (code, message, file): KilnErrors keep
 * theirs, anything else is INTERNAL with its message. One place, so every panel and every job reads
 * errors, and tells a cancel from a failure, the same way.
 */
import { KilnError } from '../../../electron/shared/api/errors';
import type { KilnErrorShape } from '../../../electron/shared/api/errors';

export function errorShape(err: unknown): KilnErrorShape {
  if (err instanceof KilnError) return err.toJSON();
  return { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) };
}
