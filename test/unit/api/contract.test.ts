/**
 * The one call table after its split into subject files: every call is still there with its schemas,
 * a variant's id is read the same way wherever a call takes one, and the fields compare and search
 * share (judge, stream) parse alike in both.
 */
import { describe, expect, it } from 'vitest';
import { api, isMethod, METHODS } from '../../../electron/shared/api/contract';
import { ModelSourceSchema } from '../../../electron/shared/api/sources';

const ID = `${'a1'.repeat(8)}-${'0f'.repeat(8)}`;
const PATH = { kind: 'path', path: '/m.onnx' } as const;

describe('the call table', () => {
  it('lists every call once, each with a request and a reply schema', () => {
    expect(METHODS).toHaveLength(new Set(METHODS).size);
    expect(METHODS).toEqual(expect.arrayContaining(['model.open', 'variant.make', 'model.compare', 'model.profile']));
    for (const m of METHODS) {
      expect(isMethod(m)).toBe(true);
      expect(typeof api[m].request.safeParse).toBe('function');
      expect(typeof api[m].reply.safeParse).toBe('function');
    }
    expect(isMethod('model.delete')).toBe(false);
  });

  it('takes a variant id as variant.make hands it out, and nothing else, in every call that takes one', () => {
    expect(ModelSourceSchema.safeParse({ kind: 'variant', variantId: ID }).success).toBe(true);
    expect(api['variant.rename'].request.safeParse({ variantId: ID, name: 'mine' }).success).toBe(true);
    expect(api['model.compare'].request.safeParse({ source: PATH, variants: [ID] }).success).toBe(true);
    for (const bad of ['../../etc/passwd', ID.replace('-', '_'), ID.toUpperCase(), `${ID}0`, 'a'.repeat(33)]) {
      expect(ModelSourceSchema.safeParse({ kind: 'variant', variantId: bad }).success, bad).toBe(false);
      expect(api['variant.rename'].request.safeParse({ variantId: bad, name: 'mine' }).success, bad).toBe(false);
      expect(api['model.compare'].request.safeParse({ source: PATH, variants: [bad] }).success, bad).toBe(false);
    }
  });

  it('parses judge and stream alike in model.compare and variant.search', () => {
    const stream = [{ output: 'stateN', input: 'state' }];
    const compare = api['model.compare'].request.parse({ source: PATH, variants: [ID], judge: ['p'], stream });
    const search = api['variant.search'].request.parse({
      source: PATH,
      base: { precision: 'fp16' },
      judge: ['p'],
      stream,
    });
    expect(compare.judge).toEqual(['p']);
    expect(search.judge).toEqual(['p']);
    expect(compare.stream).toEqual(stream);
    expect(search.stream).toEqual(stream);
    expect(api['model.compare'].request.parse({ source: PATH, variants: [ID] }).stream).toEqual([]);
    const extra = [{ output: 'a', input: 'b', also: 1 }];
    expect(
      api['variant.search'].request.safeParse({ source: PATH, base: { precision: 'fp16' }, stream: extra }).success,
    ).toBe(false);
  });
});
