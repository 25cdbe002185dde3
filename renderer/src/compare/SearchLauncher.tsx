/**
 * "Meet a target": the target cosine, the button that starts the mixed-precision search (or cancels
 * it, keeping the best so far), and what the search found. The search itself is the compare store's.
 */
import { useCompare } from './store';
import type { CompareSetup } from './store';

export function SearchLauncher({ setup }: { setup: () => CompareSetup }) {
  const { target, searching, searchText, edit, findMixed } = useCompare();
  return (
    <>
      <h3>Meet a target</h3>
      <label>
        Target cosine
        <input value={target} onChange={(e) => edit({ target: e.target.value })} aria-label="Target cosine" />
      </label>
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
