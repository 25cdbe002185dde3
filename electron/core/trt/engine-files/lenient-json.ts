/**
 * JSON text the way TensorRT files need it read: strict first, then a reader that accepts trtexec's
 * bare `nan`/`inf` numbers and raw control characters and recovers what a truncated file holds. It
 * knows nothing about TensorRT; the readers get what it learned as JsonTextNotes.
 */
import { KilnError } from '../../../shared/api/errors';

/** What the text reader learned, passed on to the parsers (only parseEngineJsonText fills it). */
export interface JsonTextNotes {
  truncated?: boolean;
  /** Objects and arrays the file was cut off inside. */
  partial?: WeakSet<object>;
  warnings?: string[];
}

class EndOfInput extends Error {}

function escapeControlCharacters(s: string): string {
  let out = '';
  for (const ch of s) {
    const code = ch.charCodeAt(0);
    out += code < 32 ? `\\u${code.toString(16).padStart(4, '0')}` : ch;
  }
  return out;
}

const NON_FINITE_RE = /-?(?:nan|NaN|NAN|inf|Inf|INF|infinity|Infinity)(?![A-Za-z0-9_])/y;
const NUMBER_RE = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const MAX_DEPTH = 512;

interface LenientJson {
  value: unknown;
  truncated: boolean;
  partial: WeakSet<object>;
  nonFinite: number;
  rawControl: number;
}

class LenientReader {
  pos = 0;
  truncated = false;
  nonFinite = 0;
  rawControl = 0;
  readonly partial = new WeakSet<object>();
  constructor(
    private readonly text: string,
    private readonly fileName: string,
  ) {}

  read(): LenientJson {
    let value: unknown;
    try {
      value = this.value(0);
    } catch (e) {
      if (e instanceof EndOfInput) {
        throw new KilnError('INVALID_ARGUMENT', `${this.fileName} ends before its first JSON value is complete`, {
          file: this.fileName,
        });
      }
      throw e;
    }
    if (!this.truncated) {
      this.ws();
      if (this.pos < this.text.length) this.fail('unexpected text after the JSON value');
    }
    return {
      value,
      truncated: this.truncated,
      partial: this.partial,
      nonFinite: this.nonFinite,
      rawControl: this.rawControl,
    };
  }

  private fail(message: string): never {
    const before = this.text.slice(0, this.pos);
    const line = before.split('\n').length;
    const column = this.pos - before.lastIndexOf('\n');
    throw new KilnError(
      'INVALID_ARGUMENT',
      `${this.fileName} is not valid JSON: ${message} at line ${line}, column ${column}`,
      { file: this.fileName, details: { line, column, offset: this.pos } },
    );
  }

  private ws(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 32 || c === 10 || c === 13 || c === 9) this.pos++;
      else break;
    }
  }

  private need(): string {
    this.ws();
    if (this.pos >= this.text.length) throw new EndOfInput();
    return this.text[this.pos] as string;
  }

  private value(depth: number): unknown {
    if (depth > MAX_DEPTH) this.fail('nesting too deep');
    const c = this.need();
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') return this.string();
    if (c === 't') return this.literal('true', true);
    if (c === 'f') return this.literal('false', false);
    if (c === 'n' && this.text.startsWith('nu', this.pos)) return this.literal('null', null);
    if (c === '-' || c === 'n' || c === 'N' || c === 'i' || c === 'I' || (c >= '0' && c <= '9')) return this.number();
    return this.fail(`unexpected ${JSON.stringify(c)}`);
  }

  private literal<T>(word: string, value: T): T {
    const rest = this.text.slice(this.pos, this.pos + word.length);
    if (rest === word) {
      this.pos += word.length;
      return value;
    }
    if (this.pos + rest.length >= this.text.length && word.startsWith(rest)) throw new EndOfInput();
    return this.fail(`unexpected ${JSON.stringify(rest)}`);
  }

  private number(): number {
    const t = this.text;
    NON_FINITE_RE.lastIndex = this.pos;
    const nf = NON_FINITE_RE.exec(t);
    if (nf) {
      if (this.pos + nf[0].length >= t.length) throw new EndOfInput();
      this.pos += nf[0].length;
      this.nonFinite++;
      const word = nf[0].toLowerCase();
      if (word.includes('nan')) return NaN;
      return word.startsWith('-') ? -Infinity : Infinity;
    }
    NUMBER_RE.lastIndex = this.pos;
    const m = NUMBER_RE.exec(t);
    const end = m ? this.pos + m[0].length : this.pos;
    // A number that reaches the end of the text may have lost digits.
    if (end >= t.length || (t.length - end < 32 && /^[-.eE+\d]*$/.test(t.slice(end)))) throw new EndOfInput();
    if (!m || m[0] === '-') return this.fail('malformed number');
    this.pos = end;
    return Number(m[0]);
  }

  private string(): string {
    const t = this.text;
    const start = this.pos;
    let i = start + 1;
    let control = false;
    for (;;) {
      if (i >= t.length) throw new EndOfInput();
      const c = t.charCodeAt(i);
      if (c === 34) break;
      if (c === 92) {
        if (i + 1 >= t.length) throw new EndOfInput();
        i += 2;
        continue;
      }
      if (c < 32) control = true;
      i++;
    }
    let literal = t.slice(start, i + 1);
    if (control) {
      this.rawControl++;
      literal = escapeControlCharacters(literal);
    }
    try {
      const s = JSON.parse(literal) as string;
      this.pos = i + 1;
      return s;
    } catch {
      return this.fail('invalid escape in a string');
    }
  }

  private array(depth: number): unknown[] {
    const out: unknown[] = [];
    this.pos++;
    try {
      if (this.need() === ']') {
        this.pos++;
        return out;
      }
      for (;;) {
        out.push(this.value(depth + 1));
        const c = this.need();
        this.pos++;
        if (c === ']') return out;
        if (c !== ',') {
          this.pos--;
          this.fail("expected ',' or ']'");
        }
      }
    } catch (e) {
      return this.endedAt(e, out);
    }
  }

  /** The text ran out inside `out`: whatever was being read is dropped, and every enclosing container ends here too. */
  private endedAt<T extends object>(e: unknown, out: T): T {
    if (!(e instanceof EndOfInput)) throw e;
    this.pos = this.text.length;
    this.truncated = true;
    this.partial.add(out);
    return out;
  }

  private object(depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.pos++;
    try {
      if (this.need() === '}') {
        this.pos++;
        return out;
      }
      for (;;) {
        if (this.need() !== '"') this.fail('expected a property name');
        const key = this.string();
        if (this.need() !== ':') this.fail("expected ':'");
        this.pos++;
        const v = this.value(depth + 1);
        Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
        const c = this.need();
        this.pos++;
        if (c === '}') return out;
        if (c !== ',') {
          this.pos--;
          this.fail("expected ',' or '}'");
        }
      }
    } catch (e) {
      return this.endedAt(e, out);
    }
  }
}

/**
 * Parses JSON text the way TensorRT files need: strict JSON first; failing that, a reader that
 * accepts trtexec's bare `nan`/`inf` numbers and raw control characters in strings and, when the
 * text simply stops, keeps every complete value and marks the containers it was cut inside.
 * Throws KilnError (EMPTY_FILE or INVALID_ARGUMENT, naming the file) for anything else.
 */
export function readJsonText(text: string, fileName: string): { value: unknown; notes: JsonTextNotes } {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.trim() === '') throw new KilnError('EMPTY_FILE', `${fileName} is empty`, { file: fileName });
  if (body.slice(0, 4096).includes('\u0000')) {
    throw new KilnError(
      'INVALID_ARGUMENT',
      `${fileName} is binary, not JSON (a serialized engine? export layer information with trtexec --exportLayerInfo)`,
      { file: fileName },
    );
  }
  try {
    return { value: JSON.parse(body) as unknown, notes: {} };
  } catch {
    // fall through to the lenient reader, which says where the text goes wrong
  }
  const r = new LenientReader(body, fileName).read();
  const warnings: string[] = [];
  if (r.truncated) warnings.push(`${fileName} is truncated: the JSON stops before it is complete`);
  if (r.nonFinite > 0) warnings.push(`${r.nonFinite} numbers were written as nan/inf (not JSON); read as NaN/Infinity`);
  if (r.rawControl > 0) warnings.push(`${r.rawControl} strings hold raw control characters (not JSON); kept`);
  return { value: r.value, notes: { truncated: r.truncated, partial: r.partial, warnings } };
}
