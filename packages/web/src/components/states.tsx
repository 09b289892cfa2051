import { Alert, Button, Center, EmptyState, Loader, Stack, Text } from '@mantine/core';
import { IconAlertTriangle, IconLock } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { isApiError } from '../api/client';

export function PageLoader({ label = 'Loading' }: { label?: string }) {
  return (
    <Center mih={240} role="status" aria-live="polite">
      <Stack align="center" gap="xs">
        <Loader size="md" aria-hidden />
        <Text size="sm" c="dimmed">
          {label}…
        </Text>
      </Stack>
    </Center>
  );
}

/** A 403 is a message, never a blank page. */
export function Forbidden({ children }: { children?: ReactNode }) {
  return (
    <EmptyState
      py={48}
      icon={<IconLock size={28} stroke={1.6} />}
      withIndicatorBackground
      title="You don't have access to this"
      description={
        children ??
        'Your role does not allow this. Ask a Gatehouse administrator if you need access.'
      }
    />
  );
}

export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  if (isApiError(error) && error.status === 403) return <Forbidden>{error.message}</Forbidden>;
  const message = error instanceof Error ? error.message : 'Something went wrong.';
  return (
    <Alert
      variant="light"
      color="red"
      icon={<IconAlertTriangle size={18} />}
      title="Could not load this page"
      role="alert"
    >
      <Stack gap="xs" align="flex-start">
        <Text size="sm">{message}</Text>
        {isApiError(error) && error.requestId ? (
          <Text size="xs" c="dimmed">
            Request id: {error.requestId}
          </Text>
        ) : null}
        {onRetry ? (
          <Button size="xs" variant="default" onClick={onRetry}>
            Try again
          </Button>
        ) : null}
      </Stack>
    </Alert>
  );
}
