import { useSearchParams } from 'react-router';

/**
 * A list's view (filters, search, page cursor) kept in the URL, so that a reload or a shared
 * link shows the same view. `prefix` keeps two lists of one page apart (e.g. `users_`). Any
 * change but the cursor's starts at the first page, and replaces the history entry; moving to
 * another page adds one (Back returns to the previous page).
 */
export function useListView(prefix = '') {
  const [params, setParams] = useSearchParams();
  const get = (key: string): string => params.get(prefix + key) ?? '';
  const set = (change: Record<string, string | undefined>) => {
    const paging = 'cursor' in change;
    setParams(
      (prev) => {
        const next = new URLSearchParams(prev);
        for (const [k, v] of Object.entries({ ...change, cursor: change.cursor })) {
          if (v) next.set(prefix + k, v);
          else next.delete(prefix + k);
        }
        return next;
      },
      { replace: !paging },
    );
  };
  return { get, set };
}
