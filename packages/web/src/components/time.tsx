import { Text, Tooltip } from '@mantine/core';
import { formatExact, formatRelative } from '../lib/format';

/** A relative time ("3 hours ago") with the exact time in a tooltip and a `<time>` element. */
export function RelativeTime({ iso, empty = '—' }: { iso: string | null; empty?: string }) {
  if (!iso) {
    return (
      <Text size="sm" c="dimmed" span>
        {empty}
      </Text>
    );
  }
  const exactText = formatExact(iso);
  return (
    <Tooltip label={exactText}>
      <Text size="sm" component="time" dateTime={iso} tabIndex={0}>
        {formatRelative(iso)}
      </Text>
    </Tooltip>
  );
}
