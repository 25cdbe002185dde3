/**
 * Wire messages shared by every transport. A call is answered by zero or more progress messages
 * and exactly one result. A cancel names the call it cancels.
 */
import { z } from 'zod';
import { ProgressSchema } from './app-info';
import type { KilnErrorShape } from './errors';
import { ERROR_CODES } from './errors';

export const CallMessageSchema = z.object({
  type: z.literal('call'),
  id: z.string().min(1).max(64),
  method: z.string().min(1).max(64),
  params: z.unknown(),
});
export const CancelMessageSchema = z.object({ type: z.literal('cancel'), id: z.string().min(1).max(64) });
export const ClientMessageSchema = z.discriminatedUnion('type', [CallMessageSchema, CancelMessageSchema]);
export type CallMessage = z.infer<typeof CallMessageSchema>;
export type ClientMessage = z.infer<typeof ClientMessageSchema>;

export const ErrorShapeSchema = z.object({
  code: z.enum(ERROR_CODES),
  message: z.string(),
  file: z.string().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});

export const ServerMessageSchema = z.union([
  z.object({ type: z.literal('progress'), id: z.string(), progress: ProgressSchema }),
  z.object({ type: z.literal('result'), id: z.string(), ok: z.literal(true), value: z.unknown() }),
  z.object({ type: z.literal('result'), id: z.string(), ok: z.literal(false), error: ErrorShapeSchema }),
]);
export type ServerMessage =
  | { type: 'progress'; id: string; progress: z.infer<typeof ProgressSchema> }
  | { type: 'result'; id: string; ok: true; value: unknown }
  | { type: 'result'; id: string; ok: false; error: KilnErrorShape };
