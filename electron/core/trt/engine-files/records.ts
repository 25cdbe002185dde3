/**
 * Lenient zod records for the engine-file readers: every field optional; a field of the wrong type
 * is reported, then ignored. Also the small value checks and descriptions the readers share when
 * they say what they skipped.
 */
import { z } from 'zod';
import type { JsonTextNotes } from './lenient-json';
import type { Warnings } from './warnings';

type Shape = Record<string, z.ZodType>;
type StrictShape<S extends Shape> = { [K in keyof S]: z.ZodOptional<S[K]> };
type LenientShape<S extends Shape> = { [K in keyof S]: z.ZodCatch<z.ZodOptional<S[K]>> };

export function lenientRecord<S extends Shape>(shape: S) {
  const strict: Record<string, z.ZodType> = {};
  const lenient: Record<string, z.ZodType> = {};
  for (const [key, schema] of Object.entries(shape)) {
    strict[key] = schema.optional();
    lenient[key] = schema.optional().catch(undefined);
  }
  return {
    strict: z.looseObject(strict as StrictShape<S>),
    lenient: z.looseObject(lenient as LenientShape<S>),
  };
}

type LenientPair<S extends Shape> = ReturnType<typeof lenientRecord<S>>;

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 4)
    .map((i) => `${i.path.map(String).join('.') || '(record)'}: ${i.message}`)
    .join('; ');
}

/** Reads `value` as the record, reporting fields of the wrong type; undefined when it is no object. */
export function readRecord<S extends Shape>(
  pair: LenientPair<S>,
  value: unknown,
  where: string,
  warnings: Warnings,
): z.output<LenientPair<S>['lenient']> | undefined {
  if (!isRecord(value)) {
    warnings.add(`${where} is ${describeJson(value)}, not an object; skipped`);
    return undefined;
  }
  const strict = pair.strict.safeParse(value);
  if (!strict.success) warnings.add(`${where}: ${describeIssues(strict.error)} (field ignored)`);
  return pair.lenient.parse(value);
}

export function describeJson(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return `${typeof v} ${String(v)}`;
}

export function isPartial(notes: JsonTextNotes, value: unknown): boolean {
  return typeof value === 'object' && value !== null && (notes.partial?.has(value) ?? false);
}
