import {
  Alert,
  Badge,
  Checkbox,
  Group,
  Modal,
  MultiSelect,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  TagsInput,
  Text,
  TextInput,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconAlertCircle, IconDatabase } from '@tabler/icons-react';
import { useEffect, useState, type FormEvent } from 'react';
import { isApiError } from '../../api/client';
import { useAllConnections, useAllTeamNames, useDatastores, useDeleteDatastore, useSaveDatastore } from '../../api/hooks';
import type { Datastore, DatastoreInput } from '../../api/types';
import { FormActions } from '../../components/form-actions';
import { SearchableList, usePagedSearch } from '../../components/searchable-list';
import { useEditDeleteRows } from '../../components/edit-delete-rows';
import { createdColumn, DataTable, nameColumn, type Column } from '../../components/data-table';
import { TeamBadges } from '../../components/team-badges';
import { atLeast } from '../../lib/roles';
import { useSession } from '../auth/require-auth';
import { DATASTORE_TYPES, typeLabel } from './datastore-types';

const PAGE_SIZE = 20;

/** The Connection field's "none": the datastore keeps its own type, host and port. */
const NO_CONNECTION = '';

type Field = 'name' | 'connection_id' | 'type' | 'host' | 'port' | 'database' | 'schema' | 'teams' | 'tags';
const FIELDS: Field[] = ['name', 'connection_id', 'type', 'host', 'port', 'database', 'schema', 'teams', 'tags'];

function DatastoreModal({ datastore, opened, onClose }: { datastore: Datastore | null; opened: boolean; onClose: () => void }) {
  const me = useSession();
  const [v, setV] = useState({
    name: '', connection: NO_CONNECTION, type: 'postgresql', host: '', port: '' as number | string, database: '', schema: '', teams: [] as string[], tags: [] as string[], enrichmentOnly: false,
  });
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const allTeams = useAllTeamNames(opened && atLeast(me.role, 'Manager'));
  const connections = useAllConnections(opened);
  const save = useSaveDatastore();

  useEffect(() => {
    if (!opened) return;
    setV({
      name: datastore?.name ?? '',
      connection: datastore?.connection ? String(datastore.connection.id) : NO_CONNECTION,
      type: datastore?.type ?? 'postgresql',
      host: datastore?.host ?? '',
      port: datastore?.port ?? '',
      database: datastore?.database ?? '',
      schema: datastore?.schema ?? '',
      teams: datastore?.teams ?? [],
      tags: datastore?.tags ?? [],
      enrichmentOnly: datastore?.enrichment_only ?? false,
    });
    setErrors({});
    save.reset();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [opened, datastore]);

  // Editors pick among their own teams; Managers and Admins see every team.
  const teamOptions = [...new Set([...(allTeams.data ?? me.teams), ...v.teams])];
  const typeOptions = DATASTORE_TYPES.some((d) => d.value === v.type) ? DATASTORE_TYPES : [...DATASTORE_TYPES, { value: v.type, label: v.type }];
  const current = datastore?.connection;
  const connectionOptions = [
    { value: NO_CONNECTION, label: 'None: type, host and port below' },
    ...(connections.data?.items ?? []).map((c) => ({ value: String(c.id), label: `${c.name} (${typeLabel(c.type)})` })),
    ...(current && !connections.data?.items.some((c) => c.id === current.id) ? [{ value: String(current.id), label: current.name }] : []),
  ];
  const onConnection = v.connection !== NO_CONNECTION;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (save.isPending) return;
    const errs: typeof errors = {};
    if (!v.name.trim()) errs.name = 'Enter a name';
    if (!onConnection && !v.type) errs.type = 'Select a type';
    setErrors(errs);
    if (Object.keys(errs).length) return;
    const body: DatastoreInput = {
      name: v.name.trim(),
      // On a connection, type, host and port are the connection's.
      ...(onConnection
        ? { connection_id: Number(v.connection) }
        : { ...(current ? { connection_id: null } : {}), type: v.type, host: v.host.trim() || null, port: typeof v.port === 'number' ? v.port : null }),
      database: v.database.trim() || null,
      schema: v.schema.trim() || null,
      teams: v.teams,
      tags: v.tags,
      enrichment_only: v.enrichmentOnly,
    };
    save.mutate(
      { ...(datastore ? { id: datastore.id } : {}), ...body },
      {
        onSuccess: (d) => {
          notifications.show({ color: 'green', message: datastore ? `Datastore ${d.name} updated` : `Datastore ${d.name} added` });
          onClose();
        },
        onError: (err) => {
          if (isApiError(err) && err.field && (FIELDS as string[]).includes(err.field)) setErrors({ [err.field]: err.message });
        },
      },
    );
  };

  const banner = save.error && !(isApiError(save.error) && save.error.field && (FIELDS as string[]).includes(save.error.field)) ? save.error.message : null;
  const set = (k: 'name' | 'host' | 'database' | 'schema') => (e: React.ChangeEvent<HTMLInputElement>) => {
    const x = e.currentTarget.value;
    setV((s) => ({ ...s, [k]: x }));
  };

  return (
    <Modal opened={opened} onClose={onClose} title={datastore ? `Edit ${datastore.name}` : 'Add Datastore'} size="lg" centered>
      <form onSubmit={submit} noValidate aria-label={datastore ? 'Edit datastore' : 'Add datastore'}>
        <Stack gap="md">
          {banner ? (
            <Alert color="red" variant="light" icon={<IconAlertCircle size={18} />} role="alert">
              {banner}
            </Alert>
          ) : null}
          <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="md">
            <TextInput label="Name" required data-autofocus placeholder="e.g. Sales warehouse" value={v.name} onChange={set('name')} error={errors.name} autoComplete="off" />
            <Select label="Connection" data={connectionOptions} value={v.connection} onChange={(c) => setV((s) => ({ ...s, connection: c ?? NO_CONNECTION }))} searchable allowDeselect={false} error={errors.connection_id} />
            {onConnection ? null : (
              <>
                <Select label="Type" required data={typeOptions} value={v.type} onChange={(t) => t && setV((s) => ({ ...s, type: t }))} searchable allowDeselect={false} error={errors.type} />
                <TextInput label="Host" placeholder="db.internal.example.com" value={v.host} onChange={set('host')} error={errors.host} autoComplete="off" />
                <NumberInput label="Port" placeholder="5432" min={1} max={65535} allowDecimal={false} value={v.port} onChange={(p) => setV((s) => ({ ...s, port: p }))} error={errors.port} />
              </>
            )}
            <TextInput label="Database" value={v.database} onChange={set('database')} error={errors.database} autoComplete="off" />
            <TextInput label="Schema" value={v.schema} onChange={set('schema')} error={errors.schema} autoComplete="off" />
          </SimpleGrid>
          <MultiSelect
            label="Teams"
            description="Who can see this datastore. Without a team it belongs to Public (everyone)."
            data={teamOptions}
            value={v.teams}
            onChange={(t) => setV((s) => ({ ...s, teams: t }))}
            searchable
            clearable
            error={errors.teams}
            placeholder="Public"
          />
          <TagsInput label="Tags" description="Press Enter after each tag." value={v.tags} onChange={(t) => setV((s) => ({ ...s, tags: t }))} error={errors.tags} clearable />
          <Checkbox
            label="Enrichment only"
            checked={v.enrichmentOnly}
            onChange={(e) => {
              const checked = e.currentTarget.checked;
              setV((s) => ({ ...s, enrichmentOnly: checked }));
            }}
          />
          <Text size="xs" c="dimmed">
            Gatehouse stores no datastore passwords.
          </Text>
          <FormActions onCancel={onClose} submit={datastore ? 'Save' : 'Add datastore'} loading={save.isPending} />
        </Stack>
      </form>
    </Modal>
  );
}

/** The columns of the datastores table. */
const COLUMNS: Column<Datastore>[] = [
  nameColumn(),
  { header: 'Connection', cell: (d) => <Text size="sm">{d.connection?.name ?? '—'}</Text> },
  {
    header: 'Type',
    cell: (d) => (
      <Badge variant="light" color="cyan" tt="none">
        {typeLabel(d.type)}
      </Badge>
    ),
  },
  {
    header: 'Host',
    cell: (d) => (
      <Text size="sm" ff="monospace" fz="xs">
        {d.host ? `${d.host}${d.port ? `:${d.port}` : ''}` : '—'}
      </Text>
    ),
  },
  {
    header: 'Database',
    cell: (d) => (
      <Text size="sm">
        {d.database ?? '—'}
        {d.schema ? (
          <Text span c="dimmed" size="sm">
            {' '}
            / {d.schema}
          </Text>
        ) : null}
      </Text>
    ),
  },
  { header: 'Teams', cell: (d) => <TeamBadges teams={d.teams} /> },
  {
    header: 'Tags',
    cell: (d) =>
      d.tags.length ? (
        <Group gap={4} wrap="nowrap">
          {d.tags.map((t) => (
            <Badge key={t} variant="outline" color="gray" tt="none" size="sm">
              {t}
            </Badge>
          ))}
        </Group>
      ) : (
        <Text size="sm" c="dimmed">
          —
        </Text>
      ),
  },
  createdColumn(),
];

/** The datastores the caller may see; Editors and above manage them here. */
export function DatastoreList({ manage }: { manage: boolean }) {
  const me = useSession();
  const canEdit = manage && atLeast(me.role, 'Editor');
  const paged = usePagedSearch();
  const list = useDatastores({ page: paged.page, size: PAGE_SIZE, search: paged.debounced || undefined });
  const [editing, setEditing] = useState<Datastore | null>(null);
  const [adding, setAdding] = useState(false);
  const rows = useEditDeleteRows<Datastore>({
    noun: 'datastore',
    manage: canEdit,
    onEdit: setEditing,
    remove: useDeleteDatastore(),
    consequence: 'This cannot be undone.',
  });

  return (
    <SearchableList
      noun={['datastore', 'datastores']}
      icon={<IconDatabase size={28} stroke={1.6} />}
      paged={paged}
      query={list}
      pageSize={PAGE_SIZE}
      onAdd={canEdit ? () => setAdding(true) : undefined}
      emptyHint={canEdit ? 'Add the first datastore your teams will use.' : 'No datastore is shared with your teams yet.'}
      dialogs={
        canEdit ? (
          <>
            <DatastoreModal datastore={editing} opened={adding || editing !== null} onClose={() => { setAdding(false); setEditing(null); }} />
            {rows.confirm}
          </>
        ) : null
      }
    >
      {(items) => <DataTable label="Datastores" rows={items} columns={COLUMNS} minWidth={980} nowrap dimmed={list.isPlaceholderData} menu={rows.menu} />}
    </SearchableList>
  );
}
