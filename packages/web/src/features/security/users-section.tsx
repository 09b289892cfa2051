import {
  Avatar,
  Badge,
  Button,
  EmptyState,
  Group,
  Menu,
  Paper,
  SegmentedControl,
  Stack,
  Text,
} from '@mantine/core';
import { useDebouncedValue, useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import {
  IconChevronDown,
  IconEdit,
  IconKeyOff,
  IconPlus,
  IconRobot,
  IconUser,
  IconUserCheck,
  IconUserOff,
  IconUsers,
} from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { api } from '../../api/client';
import { useDeactivateUser, useUpdateUser, useUsers } from '../../api/hooks';
import type { User } from '../../api/types';
import { SearchInput } from '../../components/search-input';
import { ConfirmModal } from '../../components/confirm-modal';
import { createdColumn, DataTable, ListBody, type Column } from '../../components/data-table';
import { CursorFooter } from '../../components/cursor-footer';
import { useListView } from '../../lib/list-view';
import { TeamBadges } from '../../components/team-badges';
import { withNotices } from '../../lib/notices';
import { RelativeTime } from '../../components/time';
import { HumanUserModal, EditUserModal } from './user-modals';
import { HandoverModal } from '../lifecycle/handover-modal';
import { ServiceUserWizard } from './service-user-wizard';
import { BlastRadiusNotice } from '../usage/blast-radius';

const PAGE_SIZE = 20;
type TypeFilter = 'all' | 'Human' | 'Service';

/** The columns of the accounts table. */
const COLUMNS: Column<User>[] = [
  {
    header: 'Name',
    cell: (u) => (
      <Group gap="sm" wrap="nowrap">
        <Avatar size={30} radius="xl" color={u.user_type === 'Service' ? 'violet' : 'brand'} variant="light" aria-hidden>
          {u.user_type === 'Service' ? <IconRobot size={16} /> : u.name.slice(0, 1).toUpperCase()}
        </Avatar>
        <Stack gap={0}>
          <Group gap={8} wrap="nowrap">
            <Text size="sm" fw={600}>
              {u.name}
            </Text>
            {u.user_type === 'Service' ? (
              <Badge size="sm" variant="light" color="violet">
                Service
              </Badge>
            ) : null}
          </Group>
          <Text size="xs" c="dimmed">
            {u.user_id}
          </Text>
        </Stack>
      </Group>
    ),
  },
  { header: 'Role', cell: (u) => <Text size="sm">{u.role}</Text> },
  { header: 'Teams', cell: (u) => <TeamBadges teams={u.teams} max={3} /> },
  {
    header: 'Status',
    cell: (u) => (
      <Badge color={u.active ? 'green' : 'gray'} variant="light">
        {u.active ? 'Active' : 'Inactive'}
      </Badge>
    ),
  },
  {
    header: 'Last login',
    cell: (u) =>
      u.user_type === 'Service' ? (
        <Text size="sm" c="dimmed">
          —
        </Text>
      ) : (
        <RelativeTime iso={u.last_login} empty="Never" />
      ),
  },
  createdColumn(),
];

export function UsersSection({ isAdmin, meId }: { isAdmin: boolean; meId: number }) {
  // The view lives in the URL (?users_q=&users_type=&users_cursor=), beside the teams'.
  const view = useListView('users_');
  const asked = view.get('type');
  const type: TypeFilter = asked === 'Human' || asked === 'Service' ? asked : 'all';
  const q = view.get('q');
  const cursor = view.get('cursor') || undefined;
  const [search, setSearch] = useState(q);
  const [debounced] = useDebouncedValue(search.trim(), 250);
  useEffect(() => {
    if (debounced !== q) view.set({ q: debounced });
    // eslint-disable-next-line react-hooks/exhaustive-deps -- runs when the debounced text settles
  }, [debounced]);
  const users = useUsers({
    size: PAGE_SIZE,
    ...(cursor ? { cursor } : {}),
    search: q || undefined,
    type: type === 'all' ? undefined : type,
  });
  const [wizard, wizardCtl] = useDisclosure(false);
  const [addHuman, addHumanCtl] = useDisclosure(false);
  const [editing, setEditing] = useState<User | null>(null);
  const [handingOver, setHandingOver] = useState<User | null>(null);
  const [deactivating, setDeactivating] = useState<User | null>(null);
  const [revoking, setRevoking] = useState<User | null>(null);
  const [revokeBusy, setRevokeBusy] = useState(false);
  const deactivate = useDeactivateUser();
  const update = useUpdateUser();

  const reactivate = (u: User) =>
    update.mutate({ id: u.id, active: true }, withNotices(`${u.name} reactivated`, 'Could not reactivate'));

  const revokeAll = async (u: User) => {
    setRevokeBusy(true);
    try {
      await api<unknown>(`/users/${u.id}/revoke-tokens`, { method: 'POST' });
      notifications.show({ color: 'green', message: `Every token of ${u.name} was revoked` });
      setRevoking(null);
    } catch (e) {
      notifications.show({ color: 'red', title: 'Could not revoke the tokens', message: (e as Error).message });
    } finally {
      setRevokeBusy(false);
    }
  };

  return (
    <Paper withBorder radius="lg" bg="var(--gh-surface)">
      <Group justify="space-between" p="md" gap="sm" wrap="wrap" align="flex-end">
        <Stack gap={2}>
          <Text fw={650} component="h3" m={0} fz="md">
            Users and service accounts
          </Text>
          <Text size="xs" c="dimmed">
            People log in; service accounts call the API with their tokens.
          </Text>
        </Stack>
        {isAdmin ? (
          <Menu position="bottom-end" shadow="md" width={220}>
            <Menu.Target>
              <Button leftSection={<IconPlus size={16} />} rightSection={<IconChevronDown size={14} />}>
                Add
              </Button>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Item leftSection={<IconRobot size={16} />} onClick={wizardCtl.open}>
                Service User
              </Menu.Item>
              <Menu.Item leftSection={<IconUser size={16} />} onClick={addHumanCtl.open}>
                User
              </Menu.Item>
            </Menu.Dropdown>
          </Menu>
        ) : null}
      </Group>
      <Group px="md" pb="md" gap="sm" wrap="wrap">
        <SearchInput
          label="Search users"
          placeholder="Search by name or user ID"
          value={search}
          onChange={setSearch}
        />
        <SegmentedControl
          aria-label="Filter by account type"
          value={type}
          onChange={(v) => view.set({ type: v === 'all' ? undefined : v })}
          data={[
            { value: 'all', label: 'All' },
            { value: 'Human', label: 'People' },
            { value: 'Service', label: 'Service accounts' },
          ]}
        />
      </Group>

      <ListBody
        query={users}
        empty={
          <EmptyState
            py={48}
            icon={<IconUsers size={26} stroke={1.6} />}
            title={q || type !== 'all' ? 'No matching accounts' : 'No accounts yet'}
            description={q || type !== 'all' ? 'Try another search.' : 'Add a user or a service account.'}
          />
        }
      >
        {(items) => (
          <DataTable
            label="Users and service accounts"
            rows={items}
            columns={COLUMNS}
            minWidth={860}
            nowrap
            dimmed={users.isPlaceholderData}
            menu={
              isAdmin
                ? {
                    label: (u) => `Actions for ${u.name}`,
                    width: 210,
                    items: (u) => (
                      <>
                        <Menu.Item leftSection={<IconEdit size={16} />} onClick={() => setEditing(u)}>
                          Edit
                        </Menu.Item>
                        <Menu.Item leftSection={<IconKeyOff size={16} />} onClick={() => setRevoking(u)}>
                          Revoke all tokens
                        </Menu.Item>
                        <Menu.Divider />
                        {u.active ? (
                          <Menu.Item color="red" leftSection={<IconUserOff size={16} />} disabled={u.id === meId} onClick={() => setDeactivating(u)}>
                            Deactivate
                          </Menu.Item>
                        ) : (
                          <>
                            <Menu.Item leftSection={<IconUserCheck size={16} />} onClick={() => reactivate(u)}>
                              Reactivate
                            </Menu.Item>
                            {u.user_type === 'Human' ? (
                              <Menu.Item leftSection={<IconRobot size={16} />} onClick={() => setHandingOver(u)}>
                                Hand over automation
                              </Menu.Item>
                            ) : null}
                          </>
                        )}
                      </>
                    ),
                  }
                : undefined
            }
          />
        )}
      </ListBody>
      {users.data && users.data.items.length > 0 ? (
        <CursorFooter page={users.data} noun={['account', 'accounts']} onMove={(c) => view.set({ cursor: c })} />
      ) : null}

      <ServiceUserWizard opened={wizard} onClose={wizardCtl.close} />
      <HumanUserModal opened={addHuman} onClose={addHumanCtl.close} />
      <HandoverModal user={handingOver} onClose={() => setHandingOver(null)} />
      <EditUserModal user={editing} onClose={() => setEditing(null)} />
      <ConfirmModal
        opened={deactivating !== null}
        title="Deactivate account"
        confirmLabel="Deactivate"
        loading={deactivate.isPending}
        onClose={() => setDeactivating(null)}
        onConfirm={() =>
          deactivating &&
          deactivate.mutate(deactivating.id, withNotices(`${deactivating.name} deactivated`, 'Could not deactivate', () => setDeactivating(null)))
        }
      >
        <Stack gap="sm">
          <span>
            Deactivate <b>{deactivating?.name}</b> ({deactivating?.user_id})? Every token of the account is
            revoked at once and {deactivating?.user_type === 'Service' ? 'automations using it stop working' : 'the person can no longer log in'}.
          </span>
          <BlastRadiusNotice target={deactivating ? { user: deactivating.id } : null} what="Their tokens" />
        </Stack>
      </ConfirmModal>
      <ConfirmModal
        opened={revoking !== null}
        title="Revoke all tokens"
        confirmLabel="Revoke all tokens"
        color="red.9"
        loading={revokeBusy}
        onClose={() => setRevoking(null)}
        onConfirm={() => revoking && void revokeAll(revoking)}
      >
        <Stack gap="sm">
          <span>
            Revoke every token of <b>{revoking?.name}</b>? Requests using them fail immediately. You can
            restore single tokens afterwards from the Tokens tab.
          </span>
          <BlastRadiusNotice target={revoking ? { user: revoking.id } : null} what="Their tokens" />
        </Stack>
      </ConfirmModal>
    </Paper>
  );
}
