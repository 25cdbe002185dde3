/**
 * Integer inputs that index a table (token ids into an embedding) are found, with the table's rows,
 * and seeded samples stay below them: BERT's two token types ran out of bounds at [0, 8).
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { randomFeeds } from '../../../electron/core/inputs/feeds';
import { modelInputs } from '../../../electron/core/inputs/specs';
import { analyzeModel } from '../../../electron/core/onnx/analyze';
import { indexRows } from '../../../electron/core/onnx/index-inputs';
import { DT, GraphBuilder, model } from '../../builders/graph';

const BERT = path.resolve(__dirname, '../../fixtures/zoo/bert-tiny.onnx');

describe('index inputs', () => {
  it('bert-tiny: token ids index 1,000 rows, token types 2; the mask is not an index', async () => {
    const a = await analyzeModel(BERT);
    expect(Object.fromEntries(indexRows(a.opened.model.graph!))).toEqual({ input_ids: 1000, token_type_ids: 2 });
    expect(a.summary.inputs.map((i) => [i.name, i.indexRows])).toEqual([
      ['input_ids', 1000],
      ['attention_mask', undefined],
      ['token_type_ids', 2],
    ]);
    expect(modelInputs(a.opened.model.graph!).find((i) => i.name === 'token_type_ids')?.indexRows).toBe(2);
    const shapes = { input_ids: [1, 16], attention_mask: [1, 16], token_type_ids: [1, 16] };
    for (let seed = 1; seed <= 20; seed++) {
      const feeds = randomFeeds(a.summary.inputs, shapes, seed);
      for (const v of feeds.token_type_ids!.data as BigInt64Array) expect(v === 0n || v === 1n).toBe(true);
      // Inputs with room keep the values they always had: [0, 8).
      expect(Math.max(...Array.from(feeds.input_ids!.data as BigInt64Array, Number))).toBeLessThan(8);
    }
    // The same seed gives the same ids as before for an input that indexes 8 rows or more.
    const before = randomFeeds([{ name: 'ids', dtype: 'int64', dims: [1, 16] }], { ids: [1, 16] }, 5);
    const now = randomFeeds([{ name: 'ids', dtype: 'int64', dims: [1, 16], indexRows: 1000 }], { ids: [1, 16] }, 5);
    expect(now.ids!.data).toEqual(before.ids!.data);
  });

  it('found through a Cast and an Unsqueeze, on a Constant table, at a negative axis; the fewest rows win', () => {
    const b = new GraphBuilder();
    const ids = b.input('ids', DT.int32, [4]);
    const wide = b.init('wide', DT.float32, [3, 50], new Array(150).fill(0));
    const narrow = b.node('Constant', [], {
      name: 'narrow',
      attrs: {
        value: {
          name: '',
          dataType: DT.float32,
          dims: [5, 2],
          data: { kind: 'bytes', bytes: new Uint8Array(40) },
          externalData: [],
          docString: '',
        },
      },
    });
    const cast = b.node('Cast', [ids], { attrs: { to: DT.int64 } });
    const un = b.node('Unsqueeze', [cast, b.init('axes', DT.int64, [1], [0])]);
    b.node('Gather', [wide, un], { attrs: { axis: -1 }, outputs: ['a'] });
    b.node('Gather', [narrow, ids], { outputs: ['b'] });
    b.output('a', DT.float32, null);
    b.output('b', DT.float32, null);
    expect(Object.fromEntries(indexRows(model(b.graph()).graph!))).toEqual({ ids: 5 });
  });
});
