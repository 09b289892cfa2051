import { Group, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';

export function PageHeader({
  title,
  description,
  actions,
  order = 1,
}: {
  title: string;
  description?: ReactNode;
  actions?: ReactNode;
  order?: 1 | 2;
}) {
  return (
    <Group justify="space-between" align="flex-start" wrap="wrap" gap="md" mb={order === 1 ? 'lg' : 'md'}>
      <Stack gap={4} style={{ minWidth: 0, flex: '1 1 320px' }}>
        <Title order={order}>{title}</Title>
        {description ? (
          <Text size="sm" c="dimmed" maw={720}>
            {description}
          </Text>
        ) : null}
      </Stack>
      {actions ? <Group gap="sm">{actions}</Group> : null}
    </Group>
  );
}
