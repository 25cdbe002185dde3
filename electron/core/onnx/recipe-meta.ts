/**
 * The recipe a Kiln variant carries in its metadata_props, so the file says how it was made wherever
 * it goes (a comparison reads its frozen inputs, an engine's sidecar copies it).
 */
import type { ModelProto } from './model';

export const RECIPE_KEY = 'kiln.recipe';
export const SOURCE_KEY = 'kiln.source';

/** The recipe as written, or null when the model has none or it is not a JSON object (never throws). */
export function recipeOf(model: ModelProto): Record<string, unknown> | null {
  const text = model.metadataProps.find((p) => p.key === RECIPE_KEY)?.value;
  if (!text) return null;
  try {
    const r: unknown = JSON.parse(text);
    return r && typeof r === 'object' && !Array.isArray(r) ? (r as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Stamps `model` with the recipe (as JSON) and the source it was made from, replacing earlier stamps. */
export function stampRecipe(model: ModelProto, recipe: unknown, source: string): void {
  model.metadataProps = [
    ...model.metadataProps.filter((p) => p.key !== RECIPE_KEY && p.key !== SOURCE_KEY),
    { key: RECIPE_KEY, value: JSON.stringify(recipe) },
    { key: SOURCE_KEY, value: source },
  ];
}
