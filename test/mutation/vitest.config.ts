/**
 * The Vitest project Stryker runs (test/stryker.config.mjs): only the test files that can kill the
 * mutated modules' mutants (test/mutation/modules.mjs), run in the order listed there (targeted
 * tests first; Vitest's own order puts the slowest file first, which every mutant would wait for)
 * and in one reused worker (`isolate: false`: Stryker switches mutants at run time, so a fresh
 * worker per run only costs time). The seeded fuzz runs (test/unit/onnx/fuzz.test.ts) are left out:
 * they cover the whole wire reader and take half a minute, which every surviving mutant would pay;
 * targeted tests kill what they would.
 */
import * as path from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { ALL_TESTS } from './modules.mjs';

const root = path.resolve(__dirname, '../..');

class ListedOrder extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => ALL_TESTS.indexOf(path.relative(root, f.moduleId).split(path.sep).join('/'));
    return [...files].sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    name: 'mutation',
    include: ALL_TESTS,
    testTimeout: 20_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    isolate: false,
    sequence: { sequencer: ListedOrder },
  },
});
