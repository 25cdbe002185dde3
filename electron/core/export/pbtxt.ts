/**
 * Protobuf text format, as far as Triton's config.pbtxt uses it: fields `name: value`, nested
 * messages `name { ... }`, lists `name: [ ... ]` and repeated fields. Written for Kiln's Triton
 * export and read back to check it (and to read configs users already have).
 */
export type PbValue = string | number | boolean | PbMessage | PbValue[];
export interface PbMessage {
  [field: string]: PbValue;
}

/** An enum value (TYPE_FP32, KIND_GPU) rather than a string. */
export class PbEnum {
  constructor(readonly name: string) {}
}
export type PbIn = string | number | boolean | PbEnum | PbIn[] | { [field: string]: PbIn | undefined };

function scalar(v: string | number | boolean | PbEnum): string {
  if (v instanceof PbEnum) return v.name;
  if (typeof v === 'string') return JSON.stringify(v);
  return String(v);
}

export function writePbtxt(msg: { [field: string]: PbIn | undefined }, indent = ''): string {
  let out = '';
  for (const [k, v] of Object.entries(msg)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) {
      if (v.length > 0 && typeof v[0] === 'object' && !(v[0] instanceof PbEnum)) {
        out += `${indent}${k} [\n`;
        v.forEach((m, i) => {
          out += `${indent}  {\n${writePbtxt(m as { [f: string]: PbIn }, `${indent}    `)}${indent}  }${i < v.length - 1 ? ',' : ''}\n`;
        });
        out += `${indent}]\n`;
      } else out += `${indent}${k}: [ ${v.map((x) => scalar(x as string)).join(', ')} ]\n`;
    } else if (typeof v === 'object' && !(v instanceof PbEnum)) {
      out += `${indent}${k} {\n${writePbtxt(v, `${indent}  `)}${indent}}\n`;
    } else out += `${indent}${k}: ${scalar(v)}\n`;
  }
  return out;
}

class Lexer {
  i = 0;
  constructor(readonly text: string) {}
  skip(): void {
    for (;;) {
      while (this.i < this.text.length && /\s/.test(this.text[this.i]!)) this.i++;
      if (this.text[this.i] === '#') while (this.i < this.text.length && this.text[this.i] !== '\n') this.i++;
      else return;
    }
  }
  peek(): string {
    this.skip();
    return this.text[this.i] ?? '';
  }
  expect(c: string): void {
    if (this.peek() !== c) throw new Error(`pbtxt: expected "${c}" at offset ${this.i}`);
    this.i++;
  }
  word(): string {
    this.skip();
    const m = /^[A-Za-z0-9_.+-]+/.exec(this.text.slice(this.i));
    if (!m) throw new Error(`pbtxt: expected a name or value at offset ${this.i}`);
    this.i += m[0].length;
    return m[0];
  }
  string(): string {
    this.skip();
    const q = this.text[this.i]!;
    let j = this.i + 1;
    let s = '';
    while (j < this.text.length && this.text[j] !== q) {
      if (this.text[j] === '\\') j++;
      s += this.text[j];
      j++;
    }
    if (j >= this.text.length) throw new Error(`pbtxt: unterminated string at offset ${this.i}`);
    this.i = j + 1;
    return s;
  }
}

function parseScalar(lx: Lexer): PbValue {
  const c = lx.peek();
  if (c === '"' || c === "'") return lx.string();
  if (c === '{') return parseBlock(lx, '}');
  const w = lx.word();
  if (w === 'true' || w === 'false') return w === 'true';
  const n = Number(w);
  return Number.isFinite(n) && /^[-+0-9.]/.test(w) ? n : w;
}

function parseBlock(lx: Lexer, end: string): PbMessage {
  if (end === '}') lx.expect('{');
  const msg: PbMessage = {};
  const add = (k: string, v: PbValue) => {
    const prev = msg[k];
    if (prev === undefined) msg[k] = v;
    else if (Array.isArray(prev) && Array.isArray(v)) msg[k] = [...prev, ...v];
    else msg[k] = Array.isArray(prev) ? [...prev, v] : [prev, v];
  };
  for (;;) {
    const c = lx.peek();
    if (c === '') {
      if (end === '') return msg;
      throw new Error('pbtxt: unexpected end of text');
    }
    if (c === end) {
      lx.i++;
      return msg;
    }
    const key = lx.word();
    if (lx.peek() === ':') lx.i++;
    if (lx.peek() === '[') {
      lx.i++;
      const list: PbValue[] = [];
      while (lx.peek() !== ']') {
        list.push(parseScalar(lx));
        if (lx.peek() === ',') lx.i++;
      }
      lx.i++;
      add(key, list);
    } else add(key, parseScalar(lx));
    if (lx.peek() === ',' || lx.peek() === ';') lx.i++;
  }
}

export function parsePbtxt(text: string): PbMessage {
  return parseBlock(new Lexer(text), '');
}
