/**
 * The one client. The renderer (and tests) call `client.call(method, params, { onProgress,
 * signal })` and never know which transport carries the messages.
 */
import type { Progress } from './app-info';
import type { Method, ReplyOf, RequestOf } from './contract';
import { KilnError } from './errors';
import type { CallMessage, ClientMessage, ServerMessage } from './protocol';
import { ServerMessageSchema } from './protocol';
import { BYTE_REPLIES } from './wire-replies';

/** What a transport must offer: send a message, deliver incoming ones, report a broken link. */
export interface Transport {
  readonly kind: 'ipc' | 'websocket' | 'direct';
  send(message: ClientMessage): void;
  onMessage(listener: (message: unknown) => void): () => void;
  onClose?(listener: (reason: string) => void): () => void;
  /** The largest message this transport carries (UTF-8 bytes of its JSON); unlimited when absent. */
  readonly maxMessageBytes?: number;
}

export interface CallOptions {
  onProgress?: (progress: Progress) => void;
  signal?: AbortSignal;
}

interface Pending {
  method: Method;
  resolve: (value: unknown) => void;
  reject: (error: KilnError) => void;
  onProgress: ((progress: Progress) => void) | undefined;
}

export class ApiClient {
  private readonly pending = new Map<string, Pending>();
  private nextId = 1;
  private readonly prefix = Math.random().toString(36).slice(2, 8);

  constructor(private readonly transport: Transport) {
    transport.onMessage((raw) => this.receive(raw));
    transport.onClose?.((reason) => {
      for (const [id, p] of this.pending) {
        this.pending.delete(id);
        p.reject(new KilnError('UNAVAILABLE', `Connection to Kiln lost: ${reason}`));
      }
    });
  }

  get transportKind(): Transport['kind'] {
    return this.transport.kind;
  }

  call<M extends Method>(method: M, params: RequestOf<M>, options: CallOptions = {}): Promise<ReplyOf<M>> {
    const id = `${this.prefix}-${this.nextId++}`;
    return new Promise<ReplyOf<M>>((resolve, reject) => {
      if (options.signal?.aborted) {
        reject(new KilnError('CANCELLED', `${method} was cancelled`));
        return;
      }
      const message: CallMessage = { type: 'call', id, method, params };
      const tooLarge = this.oversize(message);
      if (tooLarge) {
        reject(tooLarge);
        return;
      }
      this.pending.set(id, {
        method,
        resolve: resolve as (v: unknown) => void,
        reject,
        onProgress: options.onProgress,
      });
      options.signal?.addEventListener('abort', () => this.transport.send({ type: 'cancel', id }), { once: true });
      this.transport.send(message);
    });
  }

  /** A call the transport could not carry is refused here, by name, instead of breaking the connection. */
  private oversize(message: CallMessage): KilnError | null {
    const limit = this.transport.maxMessageBytes;
    if (limit === undefined) return null;
    const bytes = new TextEncoder().encode(JSON.stringify(message)).byteLength;
    if (bytes <= limit) return null;
    const mb = (n: number) => `${(n / 1024 ** 2).toFixed(1)} MB`;
    return new KilnError(
      'TOO_LARGE',
      `The ${message.method} request is too large for the Kiln server (${mb(bytes)}; at most ${mb(limit)} per request); send fewer items at once`,
      { details: { bytes, limit } },
    );
  }

  private receive(raw: unknown): void {
    const parsed = ServerMessageSchema.safeParse(raw);
    if (!parsed.success) return; // not ours; a transport may carry other traffic
    const message = parsed.data as ServerMessage;
    const p = this.pending.get(message.id);
    if (!p) return;
    if (message.type === 'progress') {
      p.onProgress?.(message.progress);
      return;
    }
    this.pending.delete(message.id);
    if (!message.ok) {
      p.reject(KilnError.from(message.error));
      return;
    }
    const decode = BYTE_REPLIES[p.method];
    if (!decode || !(message.value instanceof Uint8Array)) {
      p.resolve(message.value);
      return;
    }
    try {
      p.resolve(decode(message.value));
    } catch (err) {
      p.reject(new KilnError('INTERNAL', `the reply to ${p.method} could not be read: ${String(err)}`));
    }
  }
}
