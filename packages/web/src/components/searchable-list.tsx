import { Button, EmptyState, Group, Paper } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconPlus } from '@tabler/icons-react';
import { useState, type ReactNode } from 'react';
import { ListBody, ListFooter, type ListQuery } from './data-table';
import { SearchInput } from './search-input';

/** The page and the search text of a paged list searched by name; a new search starts at page 1. */
export function usePagedSearch() {
  const [page, setPage] = useState(1);
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search.trim(), 300);
  const searchFor = (text: string) => {
    setSearch(text);
    setPage(1);
  };
  return { page, setPage, search, searchFor, debounced };
}

/**
 * A paged list searched by name (connections, datastores): the search box and, with `onAdd`,
 * the Add button above the rows; an empty state that tells a fruitless search from an empty
 * list; the count and pages below. `children` draws the rows, `dialogs` go after the list.
 */
export function SearchableList<T>({
  noun: [one, many],
  icon,
  paged,
  query,
  pageSize,
  onAdd,
  emptyHint,
  children,
  dialogs,
}: {
  /** e.g. ['connection', 'connections']. */
  noun: [one: string, many: string];
  icon: ReactNode;
  paged: ReturnType<typeof usePagedSearch>;
  query: ListQuery<T> & { data?: { items: T[]; total: number } | undefined };
  pageSize: number;
  /** Absent when the caller may not add. */
  onAdd?: (() => void) | undefined;
  /** The empty state's line when nothing was searched for. */
  emptyHint: string;
  children: (items: T[]) => ReactNode;
  dialogs?: ReactNode;
}) {
  const add = `Add ${one.charAt(0).toUpperCase()}${one.slice(1)}`;
  return (
    <Paper withBorder radius="lg" bg="var(--gh-surface)">
      <Group justify="space-between" p="md" gap="sm" wrap="wrap">
        <SearchInput label={`Search ${many}`} placeholder="Search by name" value={paged.search} onChange={paged.searchFor} />
        {onAdd ? (
          <Button leftSection={<IconPlus size={16} />} onClick={onAdd}>
            {add}
          </Button>
        ) : null}
      </Group>
      <ListBody
        query={query}
        empty={
          <EmptyState
            py={56}
            icon={icon}
            variant="light"
            title={paged.debounced ? `No matching ${many}` : `No ${many} yet`}
            description={paged.debounced ? 'Try another search.' : emptyHint}
          >
            {onAdd && !paged.debounced ? (
              <EmptyState.Actions>
                <Button variant="light" leftSection={<IconPlus size={16} />} onClick={onAdd}>
                  {add}
                </Button>
              </EmptyState.Actions>
            ) : null}
          </EmptyState>
        }
      >
        {children}
      </ListBody>
      <ListFooter total={query.data?.total} noun={[one, many]} page={paged.page} pageSize={pageSize} onPage={paged.setPage} />
      {dialogs}
    </Paper>
  );
}
