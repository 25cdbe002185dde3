/**
 * Arithmetic on dimensions that may be symbolic.
 *
 * A symbolic dim is a string. Derived dims are written in one canonical form so equal expressions
 * compare equal as strings: a sum of terms, each an integer coefficient times a sorted product of
 * atoms, constant last ("2*batch*seq+1", "h-1"). Atoms are model symbols ("batch") or opaque
 * calls ("floor((h-1)/2)"). Plain numbers take fast paths and never touch the parser.
 * Anything unparseable or too large gives null (unknown) rather than a wrong answer.
 */
import type { SymDim } from './types';

interface Term {
  coef: number;
  /** Sorted atoms; the monomial's key is atoms.join('*'). */
  atoms: string[];
}
type Poly = Term[];

const MAX_TERMS = 12;
const MAX_ATOMS = 12;
const MAX_EXPR_LENGTH = 200;
const CACHE_LIMIT = 20_000;
const parseCache = new Map<string, Poly | null>();
/** Results of symbolic binary ops: models repeat the same arithmetic (b*s, s+1) in every layer. */
const opCache = new Map<string, SymDim>();

function cached(op: string, a: SymDim, b: SymDim, compute: (pa: Poly, pb: Poly) => Poly | null): SymDim {
  const k = op + String(a) + '\u0000' + String(b);
  const hit = opCache.get(k);
  if (hit !== undefined) return hit;
  const pa = toPoly(a);
  const pb = toPoly(b);
  let r: SymDim = null;
  if (pa && pb) {
    const p = compute(pa, pb);
    r = p ? format(p) : null;
  }
  if (opCache.size >= CACHE_LIMIT) opCache.clear();
  opCache.set(k, r);
  return r;
}

/** Largest integer kept exactly; beyond it a dim is treated as unknown. */
const SAFE = Number.MAX_SAFE_INTEGER;

function key(t: Term): string {
  return t.atoms.join('*');
}

function cmpTerms(a: Term, b: Term): number {
  // Constant term last, otherwise by monomial key.
  if (a.atoms.length === 0) return b.atoms.length === 0 ? 0 : 1;
  if (b.atoms.length === 0) return -1;
  const ka = key(a);
  const kb = key(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function normalize(terms: Term[]): Poly | null {
  const byKey = new Map<string, Term>();
  for (const t of terms) {
    if (t.coef === 0) continue;
    const k = key(t);
    const prev = byKey.get(k);
    if (prev) prev.coef += t.coef;
    else byKey.set(k, { coef: t.coef, atoms: t.atoms });
  }
  const out: Term[] = [];
  for (const t of byKey.values()) {
    if (t.coef === 0) continue;
    if (!Number.isSafeInteger(t.coef)) return null;
    out.push(t);
  }
  if (out.length > MAX_TERMS) return null;
  out.sort(cmpTerms);
  return out;
}

function format(p: Poly): SymDim {
  if (p.length === 0) return 0;
  if (p.length === 1 && p[0]!.atoms.length === 0) return p[0]!.coef;
  let s = '';
  for (let i = 0; i < p.length; i++) {
    const t = p[i]!;
    const neg = t.coef < 0;
    const mag = Math.abs(t.coef);
    if (i > 0 || neg) s += neg ? '-' : '+';
    if (t.atoms.length === 0) s += String(mag);
    else s += (mag === 1 ? '' : mag + '*') + t.atoms.join('*');
  }
  return s.length > MAX_EXPR_LENGTH ? null : s;
}

// ---- parser: expr := term (('+'|'-') term)*; term := factor ('*' factor)*; factor := int | atom | '(' expr ')'

class Parser {
  pos = 0;
  constructor(readonly s: string) {}

  skip(): void {
    while (this.pos < this.s.length && this.s.charCodeAt(this.pos) === 32) this.pos++;
  }

  expr(): Poly | null {
    let acc: Term[] = [];
    let sign = 1;
    this.skip();
    if (this.s[this.pos] === '-') {
      sign = -1;
      this.pos++;
    } else if (this.s[this.pos] === '+') this.pos++;
    for (;;) {
      const t = this.term();
      if (!t) return null;
      for (const x of t) acc.push({ coef: x.coef * sign, atoms: x.atoms });
      if (acc.length > MAX_TERMS * 4) return null;
      this.skip();
      const c = this.s[this.pos];
      if (c === '+') sign = 1;
      else if (c === '-') sign = -1;
      else break;
      this.pos++;
    }
    const n = normalize(acc);
    acc = [];
    return n;
  }

  term(): Poly | null {
    let acc: Poly | null = this.factor();
    for (;;) {
      if (!acc) return null;
      this.skip();
      if (this.s[this.pos] !== '*') return acc;
      this.pos++;
      const f = this.factor();
      if (!f) return null;
      acc = mulPoly(acc, f);
    }
  }

  factor(): Poly | null {
    this.skip();
    const s = this.s;
    const start = this.pos;
    if (start >= s.length) return null;
    if (s[start] === '(') {
      this.pos++;
      const inner = this.expr();
      this.skip();
      if (!inner || s[this.pos] !== ')') return null;
      this.pos++;
      return inner;
    }
    let i = start;
    let digits = true;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      // stop at space + - * ( )
      if (c === 32 || c === 43 || c === 45 || c === 42 || c === 40 || c === 41) break;
      if (c < 48 || c > 57) digits = false;
      i++;
    }
    if (i === start) return null;
    if (digits) {
      const v = Number(s.slice(start, i));
      this.pos = i;
      return Number.isSafeInteger(v) ? (v === 0 ? [] : [{ coef: v, atoms: [] }]) : null;
    }
    // A call such as floor(...): keep the balanced parenthesised part inside the atom.
    if (s[i] === '(') {
      let depth = 0;
      for (; i < s.length; i++) {
        if (s[i] === '(') depth++;
        else if (s[i] === ')' && --depth === 0) {
          i++;
          break;
        }
      }
      if (depth !== 0) return null;
    }
    this.pos = i;
    return [{ coef: 1, atoms: [s.slice(start, i)] }];
  }
}

function parse(s: string): Poly | null {
  const hit = parseCache.get(s);
  if (hit !== undefined) return hit;
  let p: Poly | null = null;
  if (s.length <= MAX_EXPR_LENGTH) {
    const parser = new Parser(s);
    p = parser.expr();
    parser.skip();
    if (parser.pos !== s.length) p = null;
  }
  if (parseCache.size >= CACHE_LIMIT) parseCache.clear();
  parseCache.set(s, p);
  return p;
}

function toPoly(d: SymDim): Poly | null {
  if (d === null) return null;
  if (typeof d === 'number') {
    if (!Number.isSafeInteger(d)) return null;
    return d === 0 ? [] : [{ coef: d, atoms: [] }];
  }
  return parse(d);
}

function mergeAtoms(a: string[], b: string[]): string[] | null {
  if (a.length + b.length > MAX_ATOMS) return null;
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  return [...a, ...b].sort();
}

function mulPoly(a: Poly, b: Poly): Poly | null {
  if (a.length * b.length > MAX_TERMS * 4) return null;
  const out: Term[] = [];
  for (const x of a) {
    for (const y of b) {
      const atoms = mergeAtoms(x.atoms, y.atoms);
      if (!atoms) return null;
      out.push({ coef: x.coef * y.coef, atoms });
    }
  }
  return normalize(out);
}

/** Removes `b`'s atoms from `a` (multiset), or null if `b` does not divide `a`. */
function divAtoms(a: string[], b: string[]): string[] | null {
  if (b.length === 0) return a;
  const rest = a.slice();
  for (const x of b) {
    const i = rest.indexOf(x);
    if (i < 0) return null;
    rest.splice(i, 1);
  }
  return rest;
}

/** Exact polynomial division when the quotient is a single monomial (what Reshape's -1 needs). */
function divPolyExact(a: Poly, b: Poly): Poly | null {
  if (b.length === 0) return null;
  if (a.length === 0) return [];
  if (a.length % b.length !== 0 && b.length > 1) return null;
  if (b.length === 1) {
    const d = b[0]!;
    const out: Term[] = [];
    for (const t of a) {
      if (t.coef % d.coef !== 0) return null;
      const atoms = divAtoms(t.atoms, d.atoms);
      if (!atoms) return null;
      out.push({ coef: t.coef / d.coef, atoms });
    }
    return normalize(out);
  }
  // Guess the quotient from the leading terms, then check q*b == a.
  const la = a[0]!;
  const lb = b[0]!;
  if (la.coef % lb.coef !== 0) return null;
  const qAtoms = divAtoms(la.atoms, lb.atoms);
  if (!qAtoms) return null;
  const q: Poly = [{ coef: la.coef / lb.coef, atoms: qAtoms }];
  const check = mulPoly(q, b);
  if (!check || format(check) !== format(a)) return null;
  return q;
}

function sumPoly(a: Poly, b: Poly, sign: number): Poly | null {
  const out: Term[] = a.slice();
  for (const t of b) out.push({ coef: t.coef * sign, atoms: t.atoms });
  return normalize(out);
}

function finite(n: number): SymDim {
  return Number.isFinite(n) && Math.abs(n) <= SAFE ? n : null;
}

/** a + b */
export function symAdd(a: SymDim, b: SymDim): SymDim {
  if (typeof a === 'number' && typeof b === 'number') return finite(a + b);
  if (a === null || b === null) return null;
  if (b === 0) return a;
  if (a === 0) return b;
  return cached('+', a, b, (pa, pb) => sumPoly(pa, pb, 1));
}

/** a - b */
export function symSub(a: SymDim, b: SymDim): SymDim {
  if (typeof a === 'number' && typeof b === 'number') return finite(a - b);
  if (a === null || b === null) return null;
  if (b === 0) return a;
  if (a === b) return 0;
  return cached('-', a, b, (pa, pb) => sumPoly(pa, pb, -1));
}

/** a * b (0 times anything, even unknown, is 0). */
export function symMul(a: SymDim, b: SymDim): SymDim {
  if (typeof a === 'number' && typeof b === 'number') return finite(a * b);
  if (a === 0 || b === 0) return 0;
  if (a === null || b === null) return null;
  if (a === 1) return b;
  if (b === 1) return a;
  return cached('*', a, b, mulPoly);
}

/** a / b when it divides exactly (Reshape's -1, Split's equal parts); null otherwise. */
export function symDivExact(a: SymDim, b: SymDim): SymDim {
  if (typeof a === 'number' && typeof b === 'number') return b !== 0 && a % b === 0 ? a / b : null;
  if (a === null || b === null || b === 0) return null;
  if (b === 1) return a;
  if (a === b) return 1;
  return cached('/', a, b, divPolyExact);
}

function divRound(a: SymDim, kIn: number, ceil: boolean): SymDim {
  let k = kIn;
  if (a === null || !Number.isSafeInteger(k) || k <= 0) return null;
  if (typeof a === 'number') return finite(ceil ? Math.ceil(a / k) : Math.floor(a / k));
  if (k === 1) return a;
  const exact = symDivExact(a, k);
  if (exact !== null) return exact;
  const pa = toPoly(a);
  if (!pa) return null;
  let inner = format(pa);
  if (typeof inner !== 'string') return null;
  // floor(floor(x/a)/b) = floor(x/(a*b)) for positive integers a, b (likewise ceil): keeps deep CNNs short.
  const head = ceil ? 'ceil((' : 'floor((';
  if (pa.length === 1 && pa[0]!.coef === 1 && pa[0]!.atoms.length === 1 && inner.startsWith(head)) {
    const cut = inner.lastIndexOf(')/');
    const k0 = Number(inner.slice(cut + 2, -1));
    const x = inner.slice(head.length, cut);
    if (cut > 0 && Number.isSafeInteger(k0) && k0 > 0 && parse(x) !== null && head + x + ')/' + k0 + ')' === inner) {
      inner = x;
      k *= k0;
    }
  }
  const s = head + inner + ')/' + k + ')';
  return s.length > MAX_EXPR_LENGTH ? null : s;
}

/** floor(a / k) for a positive integer k. */
export function symFloorDiv(a: SymDim, k: number): SymDim {
  return divRound(a, k, false);
}

/** ceil(a / k) for a positive integer k. */
export function symCeilDiv(a: SymDim, k: number): SymDim {
  return divRound(a, k, true);
}

/** Product of dims (1 for an empty list); null if any is unknown and none is 0. */
export function symProduct(dims: readonly SymDim[], from = 0, to = dims.length): SymDim {
  let numeric = 1;
  let sym: SymDim = 1;
  let unknown = false;
  for (let i = from; i < to; i++) {
    const d = dims[i];
    if (d === undefined) continue;
    if (typeof d === 'number') numeric *= d;
    else if (d === null) unknown = true;
    else if (sym !== null) sym = symMul(sym, d);
  }
  if (numeric === 0) return 0;
  if (unknown) return null;
  if (sym === 1) return finite(numeric);
  return symMul(sym, finite(numeric));
}

/** Whether two dims are known to be equal (same number or same canonical symbol). */
export function symEqual(a: SymDim, b: SymDim): boolean {
  return a !== null && a === b;
}

/** Clears the expression cache (tests; a long-running host between models). */
export function clearSymCache(): void {
  parseCache.clear();
  opCache.clear();
}

/**
 * Evaluates a dim for concrete values of its symbols (binding a dynamic model to one input shape,
 * e.g. for FLOPs at batch 8): null when a symbol is unbound or the expression is unparseable.
 */
export function symEval(d: SymDim, bind: (symbol: string) => number | undefined): number | null {
  if (typeof d === 'number') return d;
  if (d === null) return null;
  const p = parse(d);
  if (!p) return null;
  let total = 0;
  for (const t of p) {
    let v = t.coef;
    for (const atom of t.atoms) {
      const x = evalAtom(atom, bind);
      if (x === null) return null;
      v *= x;
    }
    total += v;
  }
  return Number.isSafeInteger(total) ? total : null;
}

function evalAtom(atom: string, bind: (symbol: string) => number | undefined): number | null {
  const floor = atom.startsWith('floor((');
  if ((floor || atom.startsWith('ceil((')) && atom.endsWith(')')) {
    const open = floor ? 7 : 6;
    const cut = atom.lastIndexOf(')/');
    const k = Number(atom.slice(cut + 2, -1));
    if (cut > open && Number.isSafeInteger(k) && k > 0) {
      const inner = symEval(atom.slice(open, cut), bind);
      if (inner === null) return null;
      return floor ? Math.floor(inner / k) : Math.ceil(inner / k);
    }
  }
  const v = bind(atom);
  return v === undefined ? null : v;
}
