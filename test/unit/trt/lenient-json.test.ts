/**
 * The lenient JSON reader under trtexec files (electron/core/trt/engine-files/lenient-json.ts): text
 * that stops inside an array or an object keeps every complete value, marks the containers it was
 * cut inside and says so naming the file; text wrong in another way is still refused by name.
 */
import { describe, expect, it } from 'vitest';
import { readJsonText } from '../../../electron/core/trt/engine-files/lenient-json';

describe('lenient JSON', () => {
  it('a file cut inside an array of objects keeps the complete values and marks the cut containers', () => {
    const { value, notes } = readJsonText(
      '{"Layers": [{"Name": "a", "t": 1}, {"Name": "b", "t": 2}, {"Name": "c", "t"',
      'cut.json',
    );
    const layers = (value as { Layers: Record<string, unknown>[] }).Layers;
    expect(layers.slice(0, 2)).toEqual([
      { Name: 'a', t: 1 },
      { Name: 'b', t: 2 },
    ]);
    expect(notes.truncated).toBe(true);
    expect(notes.partial!.has(layers)).toBe(true);
    expect(notes.partial!.has(value as object)).toBe(true);
    expect(notes.partial!.has(layers[0]!)).toBe(false);
    expect(notes.warnings).toContain('cut.json is truncated: the JSON stops before it is complete');
  });

  it('a file cut inside a bare array is read the same way', () => {
    const { value, notes } = readJsonText('[1, 2, [3, 4', 'times.json');
    expect((value as unknown[]).slice(0, 2)).toEqual([1, 2]);
    expect(notes.truncated).toBe(true);
    expect(notes.warnings!.join(' ')).toMatch(/times\.json is truncated/);
  });

  it('a complete file is not called truncated, and a wrong one is refused by name', () => {
    expect(readJsonText('{"a": [nan, 1]}', 'ok.json').notes.truncated).toBe(false);
    expect(() => readJsonText('{"a": [1, 2} ', 'bad.json')).toThrow(/bad\.json/);
  });
});
