/**
 * "Meet the thresholds": the button that starts the mixed-precision search for the thresholds above
 * (or cancels it, keeping the best so far), and what the search found. The search itself is the
 * compare store's.
 */
import { useCompare } from './store';
import type { CompareSetup } from './store';

export function SearchLauncher({ setup }: { setup: () => CompareSetup }) {
  const { searching, searchText, findMixed } = useCompare();
  return (
    <>
      <h3>Meet the thresholds</h3>
      <p className="muted">The fewest layers kept in FP32 for the variant that misses most to pass.</p>
      {searching ? (
        <button type="button" className="ghost" onClick={() => searching.cancel()}>
          Cancel search (keep the best so far)
        </button>
      ) : (
        <button type="button" className="ghost" onClick={() => void findMixed(setup())}>
          Find mixed precision
        </button>
      )}
      {searchText && <p data-testid="search-result">{searchText}</p>}
    </>
  );
}
