import { ActionIcon, Avatar, Badge, Button, Group, Loader, MultiSelect, Stack, Text, Tooltip } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconUserMinus, IconUserPlus } from '@tabler/icons-react';
import { useEffect, useRef, useState } from 'react';
import { useAddTeamMembers, useRemoveTeamMember, useTeamMembers, useUsers } from '../../api/hooks';
import type { Team } from '../../api/types';
import { CursorFooter } from '../../components/cursor-footer';
import { SearchInput } from '../../components/search-input';

/*
 * A team may hold every user (Public does: 200,000 people is a real case), so its members are
 * never loaded whole: they are paged and searched on the server, and added or removed one change
 * at a time (POST / DELETE /api/teams/{id}/members) instead of sending the whole list back.
 */

const MEMBERS_PAGE = 10;

/** Users picked by a search on the server; remembers the labels of those picked. */
export function UserPicker({ value, onChange, label, placeholder, exclude }: {
  value: string[];
  onChange: (ids: string[]) => void;
  label: string;
  placeholder: string;
  exclude?: (id: number) => boolean;
}) {
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search.trim(), 300);
  const users = useUsers({ page: 1, size: 20, ...(debounced ? { search: debounced } : {}) });
  const labels = useRef(new Map<string, string>());
  for (const u of users.data?.items ?? []) labels.current.set(String(u.id), `${u.name} (${u.user_id})`);
  const found = (users.data?.items ?? []).filter((u) => !exclude?.(u.id)).map((u) => String(u.id));
  const data = [...new Set([...value, ...found])].map((id) => ({ value: id, label: labels.current.get(id) ?? `#${id}` }));
  return (
    <MultiSelect
      label={label}
      data={data}
      value={value}
      onChange={onChange}
      searchable
      searchValue={search}
      onSearchChange={setSearch}
      // The server searched already (name, user_id or e-mail): show what it found.
      filter={({ options }) => options}
      clearable
      placeholder={placeholder}
      nothingFoundMessage={users.isFetching ? 'Searching…' : 'Nobody matches'}
      rightSection={users.isFetching ? <Loader size={14} /> : undefined}
    />
  );
}

/** A team's members: count, search, pages; with `canEdit`, add and remove (never for Public). */
export function TeamMembersPanel({ team, canEdit }: { team: Team; canEdit: boolean }) {
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search.trim(), 300);
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const [adding, setAdding] = useState<string[]>([]);
  useEffect(() => setCursor(undefined), [debounced]);
  const members = useTeamMembers(team.id, { cursor, size: MEMBERS_PAGE, ...(debounced ? { search: debounced } : {}) });
  const add = useAddTeamMembers();
  const remove = useRemoveTeamMember();

  const addPicked = () => {
    if (adding.length === 0 || add.isPending) return;
    add.mutate(
      { id: team.id, userIds: adding.map(Number) },
      {
        onSuccess: (t) => {
          notifications.show({ color: 'green', message: `${adding.length === 1 ? '1 member' : `${adding.length} members`} added to ${t.name}` });
          setAdding([]);
        },
        onError: (err) => notifications.show({ color: 'red', title: 'Could not add members', message: err.message }),
      },
    );
  };

  const page = members.data;
  return (
    <Stack gap="xs" aria-label={`Members of ${team.name}`} role="region">
      <Group justify="space-between" align="flex-end">
        <Text fw={600} size="sm">
          Members{' '}
          <Text span c="dimmed" size="sm">
            ({team.user_count.toLocaleString('en-US')})
          </Text>
        </Text>
        <Text size="xs" c="dimmed">
          {canEdit ? 'Adding and removing members applies at once.' : 'Everyone is in Public.'}
        </Text>
      </Group>
      {canEdit ? (
        <Group gap="xs" align="flex-end" wrap="nowrap">
          <div style={{ flex: 1 }}>
            <UserPicker label="Add members" placeholder="Search people or service accounts" value={adding} onChange={setAdding} />
          </div>
          <Button type="button" variant="default" leftSection={<IconUserPlus size={16} />} disabled={adding.length === 0} loading={add.isPending} onClick={addPicked}>
            Add
          </Button>
        </Group>
      ) : null}
      <SearchInput label="Search members" placeholder="Search members by name, id or e-mail" value={search} onChange={setSearch} busy={members.isFetching} w="100%" />
      <Stack gap={0} role="list" aria-label="Team members" style={{ border: '1px solid var(--gh-border)', borderRadius: 8, minHeight: 60 }}>
        {page && page.items.length === 0 ? (
          <Text size="sm" c="dimmed" p="sm">
            {debounced ? 'No member matches' : 'No members yet'}
          </Text>
        ) : null}
        {(page?.items ?? []).map((m) => (
          <Group key={m.id} role="listitem" justify="space-between" wrap="nowrap" px="sm" py={6} style={{ borderBottom: '1px solid var(--gh-border)' }}>
            <Group gap="sm" wrap="nowrap" style={{ minWidth: 0 }}>
              <Avatar size={26} radius="xl" color={m.user_type === 'Service' ? 'violet' : 'brand'} variant="light">
                {m.name.slice(0, 1).toUpperCase()}
              </Avatar>
              <Stack gap={0} style={{ minWidth: 0 }}>
                <Text size="sm" truncate>
                  {m.name}
                </Text>
                <Text size="xs" c="dimmed" truncate>
                  {m.email && m.email !== m.user_id ? `${m.user_id} · ${m.email}` : m.user_id}
                </Text>
              </Stack>
              {m.user_type === 'Service' ? <Badge size="xs" variant="light" color="violet">Service</Badge> : null}
              {!m.active ? <Badge size="xs" variant="light" color="gray">Deactivated</Badge> : null}
            </Group>
            {canEdit ? (
              <Tooltip label="Remove from team">
                <ActionIcon
                  type="button"
                  variant="subtle"
                  color="red"
                  aria-label={`Remove ${m.name} from ${team.name}`}
                  loading={remove.isPending && remove.variables?.userId === m.id}
                  onClick={() =>
                    remove.mutate(
                      { id: team.id, userId: m.id },
                      {
                        onSuccess: () => notifications.show({ color: 'green', message: `${m.name} removed from ${team.name}` }),
                        onError: (err) => notifications.show({ color: 'red', title: 'Could not remove the member', message: err.message }),
                      },
                    )
                  }
                >
                  <IconUserMinus size={16} />
                </ActionIcon>
              </Tooltip>
            ) : null}
          </Group>
        ))}
      </Stack>
      {page ? (
        // Unsearched, the team's own count is exact (a page's total stops counting at 10,000).
        <CursorFooter page={debounced ? page : { ...page, total: team.user_count, total_exact: true }} noun={['member', 'members']} onMove={setCursor} />
      ) : null}
    </Stack>
  );
}
