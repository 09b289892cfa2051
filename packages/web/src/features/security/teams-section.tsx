import {
  Alert,
  Avatar,
  Button,
  EmptyState,
  Group,
  Modal,
  Paper,
  Stack,
  Text,
  TextInput,
  Textarea,
  Tooltip,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconAlertCircle, IconPlus, IconUsersGroup } from '@tabler/icons-react';
import { useEffect, useState, type FormEvent } from 'react';
import { isApiError } from '../../api/client';
import { useDeleteTeam, useSaveTeam, useTeams } from '../../api/hooks';
import type { CursorPage, Team } from '../../api/types';
import { TeamMembersPanel, UserPicker } from './team-members';
import { FormActions } from '../../components/form-actions';
import { useEditDeleteRows } from '../../components/edit-delete-rows';
import { createdColumn, DataTable, ListBody, nameColumn, type Column } from '../../components/data-table';
import { CursorFooter } from '../../components/cursor-footer';
import { useListView } from '../../lib/list-view';

const PAGE_SIZE = 20;

function TeamModal({ team, teams, opened, onClose }: { team: Team | null; teams: CursorPage<Team> | undefined; opened: boolean; onClose: () => void }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  // The first members of a new team; an existing team's are changed one by one (TeamMembersPanel).
  const [members, setMembers] = useState<string[]>([]);
  const [errors, setErrors] = useState<{ name?: string }>({});
  const save = useSaveTeam();

  useEffect(() => {
    if (opened) {
      setName(team?.name ?? '');
      setDescription(team?.description ?? '');
      setMembers([]);
      setErrors({});
      save.reset();
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [opened, team]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (save.isPending) return;
    if (!name.trim()) {
      setErrors({ name: 'Enter a team name' });
      return;
    }
    save.mutate(
      {
        ...(team ? { id: team.id } : {}),
        name: name.trim(),
        description: description.trim(),
        ...(team ? {} : { user_ids: members.map(Number) }),
      },
      {
        onSuccess: (t) => {
          notifications.show({ color: 'green', message: team ? `Team ${t.name} updated` : `Team ${t.name} created` });
          onClose();
        },
        onError: (err) => {
          if (isApiError(err) && err.field === 'name') setErrors({ name: err.message });
        },
      },
    );
  };

  const banner = save.error && !(isApiError(save.error) && save.error.field === 'name') ? save.error.message : null;
  const isPublic = team?.name === 'Public';
  // The count follows adds and removals while the modal is open.
  const liveTeam = teams?.items.find((t) => t.id === team?.id);

  return (
    <Modal opened={opened} onClose={onClose} title={team ? `Edit team ${team.name}` : 'Create team'} size={team ? 'lg' : 'md'} centered>
      <form onSubmit={submit} noValidate aria-label={team ? 'Edit team' : 'Create team'}>
        <Stack gap="md">
          {banner ? (
            <Alert color="red" variant="light" icon={<IconAlertCircle size={18} />} role="alert">
              {banner}
            </Alert>
          ) : null}
          <TextInput label="Name" required data-autofocus value={name} onChange={(e) => setName(e.currentTarget.value)} error={errors.name} readOnly={isPublic} autoComplete="off" />
          <Textarea label="Description" autosize minRows={2} value={description} onChange={(e) => setDescription(e.currentTarget.value)} />
          {team ? <TeamMembersPanel team={liveTeam ?? team} canEdit={!isPublic} /> : (
            <UserPicker label="Members" placeholder="Add people or service accounts" value={members} onChange={setMembers} />
          )}
          <FormActions onCancel={onClose} submit={team ? 'Save' : 'Create team'} loading={save.isPending} />
        </Stack>
      </form>
    </Modal>
  );
}

/** The columns of the teams table. */
const COLUMNS: Column<Team>[] = [
  nameColumn(),
  {
    header: 'Description',
    cell: (t) => (
      <Text size="sm" c="dimmed" lineClamp={2}>
        {t.description || '—'}
      </Text>
    ),
  },
  {
    header: 'Members',
    cell: (t) => (
      <Group gap={8} wrap="nowrap">
        <Avatar.Group spacing="xs">
          {t.users.slice(0, 4).map((u) => (
            <Tooltip key={u.id} label={`${u.name} (${u.user_id})`}>
              <Avatar size={26} radius="xl" color={u.user_type === 'Service' ? 'violet' : 'brand'} variant="light">
                {u.name.slice(0, 1).toUpperCase()}
              </Avatar>
            </Tooltip>
          ))}
        </Avatar.Group>
        <Text size="sm" c="dimmed">
          {t.user_count === 1 ? '1 member' : `${t.user_count.toLocaleString('en-US')} members`}
        </Text>
      </Group>
    ),
  },
  createdColumn(),
];

export function TeamsSection({ isAdmin }: { isAdmin: boolean }) {
  const view = useListView('teams_');
  const teams = useTeams(view.get('cursor') || undefined, PAGE_SIZE);
  const [editing, setEditing] = useState<Team | null>(null);
  const [creating, setCreating] = useState(false);
  const rows = useEditDeleteRows<Team>({
    noun: 'team',
    manage: isAdmin,
    onEdit: setEditing,
    remove: useDeleteTeam(),
    confirmLabel: 'Delete team',
    consequence: 'Its members lose access to datastores that only this team could see.',
    kept: (t) => t.name === 'Public',
  });

  return (
    <Paper withBorder radius="lg" bg="var(--gh-surface)">
      <Group justify="space-between" p="md" gap="sm" align="flex-end">
        <Stack gap={2}>
          <Text fw={650} component="h3" m={0} fz="md">
            Teams
          </Text>
          <Text size="xs" c="dimmed">
            Teams decide which datastores an account can see. Everyone is in Public.
          </Text>
        </Stack>
        {isAdmin ? (
          <Button variant="default" leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)}>
            Create team
          </Button>
        ) : null}
      </Group>
      <ListBody query={teams} skeletons={2} empty={<EmptyState py={40} icon={<IconUsersGroup size={26} stroke={1.6} />} title="No teams" description="Create a team to group accounts." />}>
        {(items) => (
          <DataTable
            label="Teams"
            rows={items}
            columns={COLUMNS}
            minWidth={640}
            menu={rows.menu}
          />
        )}
      </ListBody>
      {teams.data && (teams.data.prev_cursor !== null || teams.data.next_cursor !== null) ? (
        <CursorFooter page={teams.data} noun={['team', 'teams']} onMove={(c) => view.set({ cursor: c })} />
      ) : null}
      <TeamModal team={editing} teams={teams.data} opened={editing !== null || creating} onClose={() => { setEditing(null); setCreating(false); }} />
      {rows.confirm}
    </Paper>
  );
}
