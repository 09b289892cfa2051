import { Badge, Group, Text } from '@mantine/core';

/** A row's teams as badges; with `max`, the first ones and "+N" for the rest. */
export function TeamBadges({ teams, max }: { teams: readonly string[]; max?: number }) {
  const shown = max === undefined ? teams : teams.slice(0, max);
  return (
    <Group gap={4}>
      {shown.map((t) => (
        <Badge key={t} size="sm" variant="default" tt="none" fw={500}>
          {t}
        </Badge>
      ))}
      {teams.length > shown.length ? (
        <Text size="xs" c="dimmed">
          +{teams.length - shown.length}
        </Text>
      ) : null}
    </Group>
  );
}
