import { ActionIcon, Group, Menu, Skeleton, Stack, Table, Text, VisuallyHidden, type MantineSpacing } from '@mantine/core';
import { IconDotsVertical } from '@tabler/icons-react';
import type { CSSProperties, ReactNode } from 'react';
import { ListPagination } from './list-pagination';
import { ErrorState } from './states';
import { RelativeTime } from './time';

/** One column of a list's table: its header and what a row shows in it. */
export interface Column<T> {
  header: string;
  cell: (row: T) => ReactNode;
}

/** The usual first column: the item's name, in bold. */
export const nameColumn = <T extends { name: string }>(): Column<T> => ({
  header: 'Name',
  cell: (row) => (
    <Text size="sm" fw={600}>
      {row.name}
    </Text>
  ),
});

/** The usual last column: when the item was created, relative to now. */
export const createdColumn = <T extends { created: string }>(): Column<T> => ({ header: 'Created', cell: (row) => <RelativeTime iso={row.created} /> });

/** The ⋮ menu at the end of each row. */
export interface RowMenu<T> {
  /** The button's accessible name, e.g. "Actions for team Analytics". */
  label: (row: T) => string;
  /** The menu's `Menu.Item`s (and `Menu.Divider`s). */
  items: (row: T) => ReactNode;
  width?: number;
  /** Whether an action of the row is running (a spinner on its button). */
  busy?: (row: T) => boolean;
}

/**
 * The table of a list (SPEC §5): the columns' headers, a row per item with the columns' cells,
 * and, with `menu`, a ⋮ menu per row. `dimmed` while a new page loads; `nowrap` keeps each
 * cell on one line (the table scrolls sideways below `minWidth`).
 */
export function DataTable<T extends { id: number }>({
  label,
  rows,
  columns,
  menu,
  minWidth,
  nowrap = false,
  dimmed,
  verticalSpacing,
  rowProps,
}: {
  label: string;
  rows: readonly T[];
  columns: readonly Column<T>[];
  menu?: RowMenu<T> | undefined;
  minWidth: number;
  nowrap?: boolean;
  dimmed?: boolean;
  verticalSpacing?: MantineSpacing;
  /** Extra attributes of a row's `<tr>` (e.g. data-* for tests). */
  rowProps?: (row: T) => Record<`data-${string}`, string | number>;
}) {
  const style: CSSProperties = { ...(dimmed !== undefined ? { opacity: dimmed ? 0.6 : 1 } : {}), ...(nowrap ? { whiteSpace: 'nowrap' } : {}) };
  return (
    <Table.ScrollContainer minWidth={minWidth}>
      <Table highlightOnHover aria-label={label} verticalSpacing={verticalSpacing} style={style}>
        <Table.Thead>
          <Table.Tr>
            {columns.map((c) => (
              <Table.Th key={c.header}>{c.header}</Table.Th>
            ))}
            {menu ? (
              <Table.Th w={56}>
                <VisuallyHidden>Actions</VisuallyHidden>
              </Table.Th>
            ) : null}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((row) => (
            <Table.Tr key={row.id} {...rowProps?.(row)}>
              {columns.map((c) => (
                <Table.Td key={c.header}>{c.cell(row)}</Table.Td>
              ))}
              {menu ? (
                <Table.Td>
                  <Menu position="bottom-end" shadow="md" width={menu.width ?? 180}>
                    <Menu.Target>
                      <ActionIcon variant="subtle" color="gray" aria-label={menu.label(row)} loading={menu.busy?.(row) ?? false}>
                        <IconDotsVertical size={18} />
                      </ActionIcon>
                    </Menu.Target>
                    <Menu.Dropdown>{menu.items(row)}</Menu.Dropdown>
                  </Menu>
                </Table.Td>
              ) : null}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** What a list's query looks like (TanStack Query's result, with a page of items). */
export interface ListQuery<T> {
  isError: boolean;
  error: unknown;
  isPending: boolean;
  data?: { items: T[] } | undefined;
  refetch: () => unknown;
}

/**
 * A list's body, by the state of its query: the error with a retry, skeleton rows while it
 * loads, `empty` when there is nothing, else `children` with the items.
 */
export function ListBody<T>({ query, skeletons = 3, empty, children }: { query: ListQuery<T>; skeletons?: number; empty: ReactNode; children: (items: T[]) => ReactNode }) {
  if (query.isError) {
    return (
      <Stack p="md">
        <ErrorState error={query.error} onRetry={() => void query.refetch()} />
      </Stack>
    );
  }
  if (query.isPending || !query.data) {
    return (
      <Stack p="md" gap="sm">
        {Array.from({ length: skeletons }, (_, i) => (
          <Skeleton key={i} h={40} />
        ))}
      </Stack>
    );
  }
  return query.data.items.length === 0 ? empty : children(query.data.items);
}

/**
 * Under a list: how many there are (with `noun`, e.g. ["team", "teams"], once there are some)
 * and the page controls (when there is more than one page).
 */
export function ListFooter({ total, noun, page, pageSize, onPage }: { total: number | undefined; noun?: [one: string, many: string]; page: number; pageSize: number; onPage: (page: number) => void }) {
  const pages = total ? Math.max(1, Math.ceil(total / pageSize)) : 1;
  const pagination = pages > 1 ? <ListPagination total={pages} value={page} onChange={onPage} /> : null;
  if (!noun) {
    return pagination ? (
      <Group justify="flex-end" px="md" py="sm">
        {pagination}
      </Group>
    ) : null;
  }
  if (!total) return null;
  return (
    <Group justify="space-between" px="md" py="sm" style={{ borderTop: '1px solid var(--gh-border)' }}>
      <Text size="xs" c="dimmed">
        {total === 1 ? `1 ${noun[0]}` : `${total} ${noun[1]}`}
      </Text>
      {pagination}
    </Group>
  );
}
