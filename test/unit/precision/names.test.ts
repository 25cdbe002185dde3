/** Variant names as the Precision tab lists them: unique side by side, and a rename checked before it is sent. */
import { describe, expect, it } from 'vitest';
import { renameProblem, uniqueName } from '../../../renderer/src/precision/names';

describe('variant names in the list', () => {
  it('a name another listed variant has gets the first free " (n)" before .onnx', () => {
    expect(uniqueName('m.fp16.onnx', new Set())).toBe('m.fp16.onnx');
    expect(uniqueName('m.fp16.onnx', new Set(['m.fp16.onnx']))).toBe('m.fp16 (2).onnx');
    expect(uniqueName('m.fp16.onnx', new Set(['m.fp16.onnx', 'm.fp16 (2).onnx']))).toBe('m.fp16 (3).onnx');
    expect(uniqueName('mine', new Set(['mine']))).toBe('mine (2)');
  });

  it('a rename is refused when empty, when it holds a path separator, or when another variant has the name', () => {
    const listed = [
      { id: 'a', name: 'm.int8.onnx' },
      { id: 'b', name: 'INT8 on set B' },
    ];
    expect(renameProblem('INT8 on set A', 'a', listed)).toBeNull();
    expect(renameProblem('  m.int8.onnx ', 'a', listed)).toBeNull(); // its own name, trimmed
    expect(renameProblem('INT8 on set B', 'a', listed)).toBe('another variant is already named INT8 on set B');
    expect(renameProblem('   ', 'a', listed)).toBe('a variant name cannot be empty');
    expect(renameProblem('calib/a', 'a', listed)).toMatch(/cannot hold \//);
  });
});
