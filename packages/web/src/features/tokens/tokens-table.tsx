import { Anchor, Badge, Group, Menu, Stack, Text, Tooltip } from '@mantine/core';
import { Link } from 'react-router';
import { IconPlayerPlay, IconBan, IconTrash, IconRobot, IconUser } from '@tabler/icons-react';
import type { Token } from '../../api/types';
import type { TokenAction } from '../../api/hooks';
import { createdColumn, DataTable, type Column } from '../../components/data-table';
import { RelativeTime } from '../../components/time';
import { formatDay, formatExact, formatRelative } from '../../lib/format';
import { expiringSoon, STATUS_COLOR, tokenStatus } from '../../lib/token-status';

function Expiration({ iso }: { iso: string | null }) {
  if (!iso) {
    return (
      <Text size="sm" c="dimmed" span>
        Never
      </Text>
    );
  }
  return (
    <Tooltip label={`${formatExact(iso)} (${formatRelative(iso)})`}>
      <Text size="sm" component="time" dateTime={iso} tabIndex={0}>
        {formatDay(iso)}
      </Text>
    </Tooltip>
  );
}

/** The columns of the token list; the status is computed for `now`. */
const columnsAt = (now: number): Column<Token>[] => [
  {
    header: 'Name',
    cell: (t) => (
      <Group gap={8} wrap="nowrap">
        <Anchor component={Link} to={`/settings/tokens/${t.id}`} underline="hover" title="Usage and details">
          <Text size="sm" fw={600} c="inherit">
            {t.name}
          </Text>
        </Anchor>
        {t.scim_endpoints_only ? (
          <Tooltip label="Restricted to the SCIM endpoints">
            <Badge size="xs" variant="outline" color="violet" tabIndex={0}>
              SCIM
            </Badge>
          </Tooltip>
        ) : null}
        {t.scopes ? (
          <Tooltip label={`Scopes: ${t.scopes.join(', ')}`}>
            <Badge size="xs" variant="outline" color="teal" tabIndex={0} aria-label={`Scoped: ${t.scopes.join(', ')}`}>
              Scoped
            </Badge>
          </Tooltip>
        ) : null}
        {t.allowed_ips ? (
          <Tooltip label={`Only from ${t.allowed_ips.join(', ')}`}>
            <Badge size="xs" variant="outline" color="orange" tabIndex={0} aria-label={`IP allowlist: ${t.allowed_ips.join(', ')}`}>
              IP allowlist
            </Badge>
          </Tooltip>
        ) : null}
      </Group>
    ),
  },
  {
    header: 'Type',
    cell: (t) => (
      <Badge variant="light" color={t.type === 'Service' ? 'violet' : 'blue'} leftSection={t.type === 'Service' ? <IconRobot size={12} /> : <IconUser size={12} />}>
        {t.type}
      </Badge>
    ),
  },
  {
    header: 'User',
    cell: (t) => (
      <Stack gap={0}>
        <Text size="sm">{t.user.name}</Text>
        <Text size="xs" c="dimmed">
          {t.user.user_id}
        </Text>
      </Stack>
    ),
  },
  {
    header: 'Status',
    cell: (t) => {
      const status = tokenStatus(t, now);
      const soon = expiringSoon(t, now);
      return (
        <>
          <Badge color={STATUS_COLOR[status]} variant="light">
            {status}
          </Badge>
          {soon !== null ? (
            <Badge color="yellow" variant="light" ml={6} title={`Expires in ${soon} day${soon === 1 ? '' : 's'}: rotate it`}>
              Expires in {soon}d
            </Badge>
          ) : null}
        </>
      );
    },
  },
  { header: 'Expiration', cell: (t) => <Expiration iso={t.expiration} /> },
  {
    header: 'Last used',
    cell: (t) =>
      t.last_used ? (
        <Stack gap={0}>
          <RelativeTime iso={t.last_used} />
          {t.last_used_ip ? (
            <Text size="xs" c="dimmed">
              from {t.last_used_ip}
            </Text>
          ) : null}
        </Stack>
      ) : (
        <Text size="sm" c="dimmed">
          Not used
        </Text>
      ),
  },
  createdColumn(),
];

/** The token list (SPEC §5): one row per token with its ⋮ menu. Presentational only. */
export function TokensTable({
  tokens,
  onAction,
  busyId,
  dimmed,
}: {
  tokens: Token[];
  onAction: (token: Token, action: TokenAction) => void;
  busyId?: number | null;
  /** While the next page loads. */
  dimmed?: boolean;
}) {
  return (
    <DataTable
      label="Tokens"
      rows={tokens}
      columns={columnsAt(Date.now())}
      minWidth={880}
      nowrap
      {...(dimmed !== undefined ? { dimmed } : {})}
      verticalSpacing="sm"
      rowProps={(t) => ({ 'data-token-id': t.id })}
      menu={{
        label: (t) => `Actions for token ${t.name}`,
        width: 200,
        busy: (t) => busyId === t.id,
        items: (t) => (
          <>
            {t.active ? (
              <Menu.Item color="orange" leftSection={<IconBan size={16} />} onClick={() => onAction(t, 'revoke')}>
                Revoke
              </Menu.Item>
            ) : (
              <Menu.Item leftSection={<IconPlayerPlay size={16} />} onClick={() => onAction(t, 'restore')}>
                Restore
              </Menu.Item>
            )}
            <Menu.Item color="red" leftSection={<IconTrash size={16} />} disabled={t.active} onClick={() => onAction(t, 'delete')}>
              {t.active ? 'Delete (revoke first)' : 'Delete'}
            </Menu.Item>
          </>
        ),
      }}
    />
  );
}
