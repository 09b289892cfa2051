import { Box, Center, Paper, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { Brand } from '../../components/brand';
import { ColorSchemeToggle } from '../../components/color-scheme-toggle';

/** The centred card used by the login and setup pages. */
export function AuthFrame({
  title,
  subtitle,
  children,
}: {
  title: string;
  subtitle?: ReactNode;
  children: ReactNode;
}) {
  return (
    <Box mih="100vh" bg="var(--gh-page-bg)" pos="relative">
      <Box pos="absolute" top={16} right={16}>
        <ColorSchemeToggle />
      </Box>
      <Center mih="100vh" px="md" py={48} component="main">
        <Stack w="100%" maw={420} gap="lg">
          <Center>
            <Brand size="lg" />
          </Center>
          <Paper withBorder shadow="sm" p={32}>
            <Stack gap={4} mb="lg">
              <Title order={1} fz={22}>
                {title}
              </Title>
              {subtitle ? (
                <Text size="sm" c="dimmed">
                  {subtitle}
                </Text>
              ) : null}
            </Stack>
            {children}
          </Paper>
          <Text size="xs" c="dimmed" ta="center">
            Service accounts and API tokens, self-hosted.
          </Text>
        </Stack>
      </Center>
    </Box>
  );
}

/** Only same-origin paths are followed after login (no open redirect). */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  if (next.startsWith('/login') || next.startsWith('/setup')) return '/';
  return next;
}

/** Paths the server renders itself (not SPA routes): reached with a full page load. */
export const isServerPath = (path: string): boolean => path.startsWith('/api/');
