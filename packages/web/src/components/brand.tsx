import { Group, Text, ThemeIcon } from '@mantine/core';
import { IconBuildingCastle } from '@tabler/icons-react';

export function Brand({ size = 'md' }: { size?: 'md' | 'lg' }) {
  const icon = size === 'lg' ? 40 : 30;
  return (
    <Group gap={10} wrap="nowrap">
      <ThemeIcon size={icon} radius="md" variant="gradient" gradient={{ from: 'brand.7', to: 'violet.6', deg: 135 }} aria-hidden>
        <IconBuildingCastle size={icon * 0.6} stroke={1.8} />
      </ThemeIcon>
      <Text fw={700} fz={size === 'lg' ? 22 : 17} lts={-0.3}>
        Gatehouse
      </Text>
    </Group>
  );
}
