/**
 * Typed errors that cross process boundaries. Every failure a user can see has a code (for
 * programs), a message (for people) and, where a file is involved, the file's name.
 */
export const ERROR_CODES = [
  'INVALID_ARGUMENT', // a request failed validation
  'UNKNOWN_METHOD',
  'FILE_NOT_FOUND',
  'FILE_UNREADABLE',
  'NOT_A_FILE', // a folder or a device
  'EMPTY_FILE',
  'TOO_LARGE', // over an upload or size limit
  'NOT_ONNX', // protobuf decode failed or the message is not a model
  'UNSAFE_PATH', // external data that escapes the model's folder
  'UNSUPPORTED', // valid ONNX that Kiln cannot handle yet
  'UNTRUSTED', // an engine Kiln did not build and no user trusted, or one changed since (engine.trust)
  'HOST_CRASHED', // the engine host died during the job
  'CANCELLED',
  'UNAVAILABLE', // a backend or feature that this machine lacks
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface KilnErrorShape {
  code: ErrorCode;
  message: string;
  file?: string;
  details?: Record<string, unknown>;
}

export class KilnError extends Error {
  readonly code: ErrorCode;
  readonly file?: string;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, opts: { file?: string; details?: Record<string, unknown> } = {}) {
    super(message);
    this.name = 'KilnError';
    this.code = code;
    if (opts.file !== undefined) this.file = opts.file;
    if (opts.details !== undefined) this.details = opts.details;
  }

  toJSON(): KilnErrorShape {
    const out: KilnErrorShape = { code: this.code, message: this.message };
    if (this.file !== undefined) out.file = this.file;
    if (this.details !== undefined) out.details = this.details;
    return out;
  }

  static from(shape: KilnErrorShape): KilnError {
    const opts: { file?: string; details?: Record<string, unknown> } = {};
    if (shape.file !== undefined) opts.file = shape.file;
    if (shape.details !== undefined) opts.details = shape.details;
    return new KilnError(shape.code, shape.message, opts);
  }
}

/** Turns anything thrown into the wire shape, without leaking stack traces to the UI. */
export function toErrorShape(err: unknown): KilnErrorShape {
  if (err instanceof KilnError) return err.toJSON();
  if (err && typeof err === 'object' && 'code' in err && 'message' in err) {
    const code = (err as { code: unknown }).code;
    const message = String((err as { message: unknown }).message);
    if (typeof code === 'string' && (ERROR_CODES as readonly string[]).includes(code)) {
      return { code: code as ErrorCode, message };
    }
    return { code: 'INTERNAL', message };
  }
  return { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) };
}
