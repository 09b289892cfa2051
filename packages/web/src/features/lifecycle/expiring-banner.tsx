import { Alert, Anchor } from '@mantine/core';
import { IconClockExclamation } from '@tabler/icons-react';
import { Link } from 'react-router';
import { useOwnTokens } from '../../api/hooks';
import { expiringSoon } from '../../lib/token-status';

/** A banner while any of the signed-in person's own tokens expires within 7 days (SPEC §9). */
export function ExpiringTokensBanner() {
  const own = useOwnTokens();
  const now = Date.now();
  const soon = (own.data ?? []).flatMap((t) => {
    const days = expiringSoon(t, now);
    return days === null ? [] : [{ name: t.name, days }];
  });
  if (soon.length === 0) return null;
  const first = soon.sort((a, b) => a.days - b.days)[0]!;
  const more = soon.length > 1 ? ` and ${soon.length - 1} more` : '';
  return (
    <Alert color="yellow" variant="light" mb="lg" icon={<IconClockExclamation size={18} />} title="Tokens expiring soon">
      Your token “{first.name}” expires in {first.days} day{first.days === 1 ? '' : 's'}{more}. Rotate{' '}
      <Anchor component={Link} to="/settings/tokens" c="inherit" underline="always" fw={600}>
        in Settings → Tokens
      </Anchor>{' '}
      (or <code>gatehouse tokens rotate --self --grace-hours 24</code>) before then.
    </Alert>
  );
}
