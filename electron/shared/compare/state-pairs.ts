/**
 * Which outputs of a recurrent model feed which inputs on the next step, guessed from names the
 * exporters use (state → stateN, h → hn, c → cn, past → past_out, …), so the UI can offer to
 * compare such a model as a stream. Pure: the renderer uses it on a model's summary.
 */
const SUFFIXES = ['N', 'n', '_out', '_new', '.out', 'Out'];
const PREFIXES = ['new_', 'next_', 'present_'];

export function statePairs(
  inputs: readonly { name: string }[],
  outputs: readonly { name: string }[],
): { output: string; input: string }[] {
  const outs = new Set(outputs.map((o) => o.name));
  const pairs: { output: string; input: string }[] = [];
  for (const { name } of inputs) {
    const candidates = [
      ...SUFFIXES.map((s) => name + s),
      ...PREFIXES.map((p) => p + name),
      // past_key_values.0.key → present.0.key (transformer caches)
      ...(name.startsWith('past_key_values') ? [name.replace('past_key_values', 'present')] : []),
    ];
    const hit = candidates.find((c) => outs.has(c));
    if (hit) pairs.push({ output: hit, input: name });
  }
  return pairs;
}
