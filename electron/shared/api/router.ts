/**
 * The server side of the contract. Every front door (Electron IPC, WebSocket, CLI) hands incoming
 * messages to a Router, which validates the envelope and the arguments, runs the call (locally or
 * as a job in the engine host) and answers through `reply`. Nothing unvalidated gets past here.
 */
import type { Progress } from './app-info';
import type { Method } from './contract';
import { api, isMethod } from './contract';
import { KilnError, toErrorShape, type ErrorCode } from './errors';
import type { ServerMessage } from './protocol';
import { ClientMessageSchema } from './protocol';

export interface RunOptions {
  onProgress: (progress: Progress) => void;
  signal: AbortSignal;
}

/** Runs one validated call. A front door supplies one, usually a HostSupervisor plus local calls. */
export type CallHandler = (method: Method, params: unknown, options: RunOptions) => Promise<unknown>;

export class Router {
  private readonly running = new Map<string, AbortController>();

  constructor(
    private readonly handle: CallHandler,
    private readonly reply: (message: ServerMessage) => void,
  ) {}

  /** Feed one raw incoming message (already JSON-decoded). Never throws. */
  receive(raw: unknown): void {
    const envelope = ClientMessageSchema.safeParse(raw);
    if (!envelope.success) {
      const id =
        raw && typeof raw === 'object' && typeof (raw as { id?: unknown }).id === 'string'
          ? (raw as { id: string }).id
          : '';
      this.refuse(id, 'INVALID_ARGUMENT', `malformed message: ${envelope.error.issues[0]?.message ?? 'invalid'}`);
      return;
    }
    const message = envelope.data;
    if (message.type === 'cancel') {
      this.running.get(message.id)?.abort();
      return;
    }
    const { id, method } = message;
    if (this.running.has(id)) {
      this.refuse(id, 'INVALID_ARGUMENT', `call id ${id} is already running`);
      return;
    }
    if (!isMethod(method)) {
      this.refuse(id, 'UNKNOWN_METHOD', `unknown method: ${method}`);
      return;
    }
    const params = api[method].request.safeParse(message.params ?? {});
    if (!params.success) {
      const issue = params.error.issues[0];
      const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
      this.refuse(id, 'INVALID_ARGUMENT', `invalid arguments for ${method}${where}: ${issue?.message ?? 'invalid'}`);
      return;
    }
    const controller = new AbortController();
    this.running.set(id, controller);
    this.handle(method, params.data, {
      signal: controller.signal,
      onProgress: (progress) => {
        if (this.running.has(id)) this.reply({ type: 'progress', id, progress });
      },
    })
      .then((value) => this.reply({ type: 'result', id, ok: true, value }))
      .catch((err: unknown) => this.reply({ type: 'result', id, ok: false, error: toErrorShape(err) }))
      .finally(() => this.running.delete(id));
  }

  /** Answers call `id` with an error before it runs (a bad envelope, id, method or arguments). */
  private refuse(id: string, code: ErrorCode, message: string): void {
    this.reply({ type: 'result', id, ok: false, error: { code, message } });
  }

  /** Cancels everything (a window closed, a socket dropped). */
  cancelAll(): void {
    for (const controller of this.running.values()) controller.abort();
  }
}

export function assertNever(value: never): never {
  throw new KilnError('INTERNAL', `unexpected value ${String(value)}`);
}
