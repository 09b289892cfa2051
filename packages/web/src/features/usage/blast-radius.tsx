import { Alert, Skeleton, Text } from '@mantine/core';
import { IconActivity, IconMoonStars } from '@tabler/icons-react';
import { useBlastRadius } from '../../api/usage-hooks';

/**
 * What a destructive action would stop, from the usage data (SPEC §10): "Used 1,204 times by 2
 * clients in the last 7 days: …", or "Not used in the last 90 days". Shown in every revoke,
 * rotate, revoke-all and deactivate confirmation.
 */
export function BlastRadiusNotice({ target, what }: { target: { token: number } | { user: number } | null; what: string }) {
  const radius = useBlastRadius(target);
  if (target === null) return null;
  if (radius.isPending) return <Skeleton h={52} aria-label="Loading recent usage" />;
  if (radius.isError) {
    return (
      <Text size="sm" c="dimmed">
        Recent usage could not be loaded: {radius.error.message}
      </Text>
    );
  }
  const r = radius.data;
  const used = r.requests > 0;
  const text = r.text.charAt(0).toUpperCase() + r.text.slice(1);
  return (
    <Alert
      variant="light"
      color={used ? 'orange' : 'gray'}
      icon={used ? <IconActivity size={18} /> : <IconMoonStars size={18} />}
      title={used ? `${what}: still in use` : `${what}: not in use`}
      data-testid="blast-radius"
    >
      <Text size="sm">{text}.</Text>
      {used ? (
        <Text size="xs" mt={4}>
          {r.clients.length === 1 ? 'This client stops working' : 'These clients stop working'} at once.
        </Text>
      ) : null}
    </Alert>
  );
}
