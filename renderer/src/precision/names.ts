/**
 * Variant names as the Precision tab lists them: the engine host names each variant by what its
 * recipe says (and keeps a name its user gave it); two variants listed side by side that would still
 * carry one name get a suffix, " (2)", " (3)", …, so every card, column and legend tells them apart.
 * Pure: the store keeps the list.
 */
import { VariantNameSchema } from '../../../electron/shared/api/variants';

/** `name`, or `name` with the first free " (n)" before its .onnx, when another listed variant has it. */
export function uniqueName(name: string, taken: ReadonlySet<string>): string {
  if (!taken.has(name)) return name;
  const ext = /\.onnx$/i.exec(name)?.[0] ?? '';
  const stem = name.slice(0, name.length - ext.length);
  for (let n = 2; ; n++) {
    const candidate = `${stem} (${n})${ext}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/** Why variant `id` cannot be renamed `name` in this list, or null when it can. */
export function renameProblem(
  name: string,
  id: string,
  listed: readonly { id: string; name: string }[],
): string | null {
  // The contract's own rule (no path separators, …), said as it says it, before the call is made.
  const valid = VariantNameSchema.safeParse(name);
  if (!valid.success) return valid.error.issues[0]?.message ?? 'not a name a variant can have';
  const trimmed = valid.data;
  const other = listed.find((v) => v.id !== id && v.name === trimmed);
  return other ? `another variant is already named ${trimmed}` : null;
}
