import { ActionIcon, Group, Text, Tooltip } from '@mantine/core';
import { IconChevronLeft, IconChevronRight, IconChevronsLeft, IconChevronsRight } from '@tabler/icons-react';
import type { CursorPage } from '../api/types';

/** "1 token", "2,345 tokens", or "10,000+ tokens" when the server stopped counting. */
export function countLabel(page: Pick<CursorPage<unknown>, 'total' | 'total_exact'>, [one, many]: [string, string]): string {
  if (page.total_exact && page.total === 1) return `1 ${one}`;
  return `${page.total.toLocaleString('en-US')}${page.total_exact ? '' : '+'} ${many}`;
}

/**
 * Under a list paged by cursors: how many there are, and First / Previous / Next / Last, which
 * hand the cursor to go to (undefined = the first page) to `onMove`.
 */
export function CursorFooter({ page, noun, onMove }: { page: CursorPage<unknown>; noun: [one: string, many: string]; onMove: (cursor: string | undefined) => void }) {
  const control = (label: string, icon: React.ReactNode, cursor: string | null | undefined, enabled: boolean) => (
    <Tooltip label={label}>
      <ActionIcon variant="default" size="md" aria-label={label} disabled={!enabled} onClick={() => onMove(cursor ?? undefined)}>
        {icon}
      </ActionIcon>
    </Tooltip>
  );
  const hasPrev = page.prev_cursor !== null;
  const hasNext = page.next_cursor !== null;
  return (
    <Group justify="space-between" px="md" py="sm" style={{ borderTop: '1px solid var(--gh-border)' }}>
      <Text size="xs" c="dimmed" aria-live="polite">
        {countLabel(page, noun)}
      </Text>
      {hasPrev || hasNext ? (
        <Group gap={6} role="navigation" aria-label="Pages">
          {control('First page', <IconChevronsLeft size={16} />, undefined, hasPrev)}
          {control('Previous page', <IconChevronLeft size={16} />, page.prev_cursor, hasPrev)}
          {control('Next page', <IconChevronRight size={16} />, page.next_cursor, hasNext)}
          {control('Last page', <IconChevronsRight size={16} />, 'last', hasNext)}
        </Group>
      ) : null}
    </Group>
  );
}
