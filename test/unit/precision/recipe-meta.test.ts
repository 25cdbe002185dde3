/**
 * Reading the recipe a variant carries: whatever a user's model holds under `kiln.recipe` (it is
 * the user's file, not necessarily one Kiln wrote), the reader answers an object or null.
 */
import { describe, expect, it } from 'vitest';
import type { ModelProto } from '../../../electron/core/onnx/model';
import { RECIPE_KEY, recipeOf } from '../../../electron/core/onnx/recipe-meta';
import { GraphBuilder, model } from '../../builders/graph';

const withMeta = (value?: string): ModelProto => {
  const m = model(new GraphBuilder().graph(), { opset: 13 });
  m.metadataProps = value === undefined ? [] : [{ key: RECIPE_KEY, value }];
  return m;
};

describe('recipeOf', () => {
  it('reads the recipe Kiln wrote', () => {
    const recipe = { precision: 'int8', flavour: 'onnxruntime', fixedInputs: { sr: 16000 } };
    expect(recipeOf(withMeta(JSON.stringify(recipe)))).toEqual(recipe);
  });

  it('answers null for no recipe, broken JSON, or JSON that is not an object', () => {
    for (const v of [undefined, '', '{"precision": "int8"', 'null', '[1, 2]', '"int8"', '42'])
      expect(recipeOf(withMeta(v))).toBeNull();
  });
});
