import { ActionIcon, Badge, Group, Menu, Stack, Table, Text, Tooltip, VisuallyHidden } from '@mantine/core';
import {
  IconDotsVertical,
  IconPlayerPlay,
  IconBan,
  IconTrash,
  IconRobot,
  IconUser,
} from '@tabler/icons-react';
import type { Token } from '../../api/types';
import type { TokenAction } from '../../api/hooks';
import { RelativeTime } from '../../components/time';
import { formatDay, formatExact, formatRelative } from '../../lib/format';
import { STATUS_COLOR, tokenStatus } from '../../lib/token-status';

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

/** The token list (SPEC §5): one row per token with its ⋮ menu. Presentational only. */
export function TokensTable({
  tokens,
  onAction,
  busyId,
}: {
  tokens: Token[];
  onAction: (token: Token, action: TokenAction) => void;
  busyId?: number | null;
}) {
  const now = Date.now();
  return (
    <Table.ScrollContainer minWidth={880}>
      <Table highlightOnHover aria-label="Tokens" verticalSpacing="sm" style={{ whiteSpace: 'nowrap' }}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Name</Table.Th>
            <Table.Th>Type</Table.Th>
            <Table.Th>User</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th>Expiration</Table.Th>
            <Table.Th>Last used</Table.Th>
            <Table.Th>Created</Table.Th>
            <Table.Th w={56}>
              <VisuallyHidden>Actions</VisuallyHidden>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {tokens.map((t) => {
            const status = tokenStatus(t, now);
            return (
              <Table.Tr key={t.id} data-token-id={t.id}>
                <Table.Td>
                  <Group gap={8} wrap="nowrap">
                    <Text size="sm" fw={600}>
                      {t.name}
                    </Text>
                    {t.scim_endpoints_only ? (
                      <Tooltip label="Restricted to the SCIM endpoints">
                        <Badge size="xs" variant="outline" color="violet" tabIndex={0}>
                          SCIM
                        </Badge>
                      </Tooltip>
                    ) : null}
                  </Group>
                </Table.Td>
                <Table.Td>
                  <Badge
                    variant="light"
                    color={t.type === 'Service' ? 'violet' : 'blue'}
                    leftSection={t.type === 'Service' ? <IconRobot size={12} /> : <IconUser size={12} />}
                  >
                    {t.type}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  <Stack gap={0}>
                    <Text size="sm">{t.user.name}</Text>
                    <Text size="xs" c="dimmed">
                      {t.user.user_id}
                    </Text>
                  </Stack>
                </Table.Td>
                <Table.Td>
                  <Badge color={STATUS_COLOR[status]} variant="light">
                    {status}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  <Expiration iso={t.expiration} />
                </Table.Td>
                <Table.Td>
                  {t.last_used ? (
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
                  )}
                </Table.Td>
                <Table.Td>
                  <RelativeTime iso={t.created} />
                </Table.Td>
                <Table.Td>
                  <Menu position="bottom-end" withinPortal shadow="md" width={200}>
                    <Menu.Target>
                      <ActionIcon
                        variant="subtle"
                        color="gray"
                        aria-label={`Actions for token ${t.name}`}
                        loading={busyId === t.id}
                      >
                        <IconDotsVertical size={18} />
                      </ActionIcon>
                    </Menu.Target>
                    <Menu.Dropdown>
                      {t.active ? (
                        <Menu.Item
                          color="orange"
                          leftSection={<IconBan size={16} />}
                          onClick={() => onAction(t, 'revoke')}
                        >
                          Revoke
                        </Menu.Item>
                      ) : (
                        <Menu.Item
                          leftSection={<IconPlayerPlay size={16} />}
                          onClick={() => onAction(t, 'restore')}
                        >
                          Restore
                        </Menu.Item>
                      )}
                      <Menu.Item
                        color="red"
                        leftSection={<IconTrash size={16} />}
                        disabled={t.active}
                        onClick={() => onAction(t, 'delete')}
                      >
                        {t.active ? 'Delete (revoke first)' : 'Delete'}
                      </Menu.Item>
                    </Menu.Dropdown>
                  </Menu>
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
