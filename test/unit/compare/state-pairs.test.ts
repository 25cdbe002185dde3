/** Guessing which outputs of a recurrent model feed which inputs, from the names exporters use. */
import { describe, expect, it } from 'vitest';
import { statePairs } from '../../../electron/shared/compare/state-pairs';

const names = (...xs: string[]) => xs.map((name) => ({ name }));

describe('statePairs', () => {
  it('pairs silero VAD v5 and the older LSTM VAD, and a transformer cache', () => {
    expect(statePairs(names('input', 'state', 'sr'), names('output', 'stateN'))).toEqual([
      { output: 'stateN', input: 'state' },
    ]);
    expect(statePairs(names('input', 'sr', 'h', 'c'), names('output', 'hn', 'cn'))).toEqual([
      { output: 'hn', input: 'h' },
      { output: 'cn', input: 'c' },
    ]);
    expect(statePairs(names('input_ids', 'past_key_values.0.key'), names('logits', 'present.0.key'))).toEqual([
      { output: 'present.0.key', input: 'past_key_values.0.key' },
    ]);
  });

  it('finds nothing in a feed-forward model', () => {
    expect(statePairs(names('x'), names('softmax_0.tmp_0'))).toEqual([]);
    expect(statePairs(names('images'), names('output0', 'imagesX'))).toEqual([]);
  });
});
