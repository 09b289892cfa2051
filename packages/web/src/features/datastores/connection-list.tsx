import { Alert, Badge, Modal, NumberInput, Select, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconAlertCircle, IconPlugConnected } from '@tabler/icons-react';
import { useEffect, useState, type FormEvent } from 'react';
import { isApiError } from '../../api/client';
import { useConnections, useDeleteConnection, useSaveConnection } from '../../api/hooks';
import type { Connection, ConnectionInput } from '../../api/types';
import { createdColumn, DataTable, nameColumn, type Column } from '../../components/data-table';
import { useEditDeleteRows } from '../../components/edit-delete-rows';
import { FormActions } from '../../components/form-actions';
import { SearchableList, usePagedSearch } from '../../components/searchable-list';
import { atLeast } from '../../lib/roles';
import { useSession } from '../auth/require-auth';
import { DATASTORE_TYPES, typeLabel } from './datastore-types';

const PAGE_SIZE = 20;

type Field = 'name' | 'type' | 'host' | 'port';
const FIELDS: Field[] = ['name', 'type', 'host', 'port'];

function ConnectionModal({ connection, opened, onClose }: { connection: Connection | null; opened: boolean; onClose: () => void }) {
  const [v, setV] = useState({ name: '', type: 'postgresql', host: '', port: '' as number | string });
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const save = useSaveConnection();

  useEffect(() => {
    if (!opened) return;
    setV({ name: connection?.name ?? '', type: connection?.type ?? 'postgresql', host: connection?.host ?? '', port: connection?.port ?? '' });
    setErrors({});
    save.reset();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [opened, connection]);

  const typeOptions = DATASTORE_TYPES.some((d) => d.value === v.type) ? DATASTORE_TYPES : [...DATASTORE_TYPES, { value: v.type, label: v.type }];

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (save.isPending) return;
    const errs: typeof errors = {};
    if (!v.name.trim()) errs.name = 'Enter a name';
    if (!v.type) errs.type = 'Select a type';
    setErrors(errs);
    if (Object.keys(errs).length) return;
    const body: ConnectionInput = { name: v.name.trim(), type: v.type, host: v.host.trim() || null, port: typeof v.port === 'number' ? v.port : null };
    save.mutate(
      { ...(connection ? { id: connection.id } : {}), ...body },
      {
        onSuccess: (c) => {
          notifications.show({ color: 'green', message: connection ? `Connection ${c.name} updated` : `Connection ${c.name} added` });
          onClose();
        },
        onError: (err) => {
          if (isApiError(err) && err.field && (FIELDS as string[]).includes(err.field)) setErrors({ [err.field]: err.message });
        },
      },
    );
  };

  const banner = save.error && !(isApiError(save.error) && save.error.field && (FIELDS as string[]).includes(save.error.field)) ? save.error.message : null;
  const set = (k: 'name' | 'host') => (e: React.ChangeEvent<HTMLInputElement>) => {
    const x = e.currentTarget.value;
    setV((s) => ({ ...s, [k]: x }));
  };

  return (
    <Modal opened={opened} onClose={onClose} title={connection ? `Edit ${connection.name}` : 'Add Connection'} size="lg" centered>
      <form onSubmit={submit} noValidate aria-label={connection ? 'Edit connection' : 'Add connection'}>
        <Stack gap="md">
          {banner ? (
            <Alert color="red" variant="light" icon={<IconAlertCircle size={18} />} role="alert">
              {banner}
            </Alert>
          ) : null}
          <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="md">
            <TextInput label="Name" required data-autofocus placeholder="e.g. Sales warehouse" value={v.name} onChange={set('name')} error={errors.name} autoComplete="off" />
            <Select label="Type" required data={typeOptions} value={v.type} onChange={(t) => t && setV((s) => ({ ...s, type: t }))} searchable allowDeselect={false} error={errors.type} />
            <TextInput label="Host" placeholder="db.internal.example.com" value={v.host} onChange={set('host')} error={errors.host} autoComplete="off" />
            <NumberInput label="Port" placeholder="5432" min={1} max={65535} allowDecimal={false} value={v.port} onChange={(p) => setV((s) => ({ ...s, port: p }))} error={errors.port} />
          </SimpleGrid>
          <Text size="xs" c="dimmed">
            Gatehouse stores no credentials. Datastores on this connection take its type, host and port.
          </Text>
          <FormActions onCancel={onClose} submit={connection ? 'Save' : 'Add connection'} loading={save.isPending} />
        </Stack>
      </form>
    </Modal>
  );
}

const COLUMNS: Column<Connection>[] = [
  nameColumn(),
  {
    header: 'Type',
    cell: (c) => (
      <Badge variant="light" color="cyan" tt="none">
        {typeLabel(c.type)}
      </Badge>
    ),
  },
  {
    header: 'Host',
    cell: (c) => (
      <Text size="sm" ff="monospace" fz="xs">
        {c.host ? `${c.host}${c.port ? `:${c.port}` : ''}` : '—'}
      </Text>
    ),
  },
  createdColumn(),
];

/** Datastore connections (SPEC §12): everyone signed in sees them; Editors and above manage them. */
export function ConnectionList() {
  const me = useSession();
  const canEdit = atLeast(me.role, 'Editor');
  const paged = usePagedSearch();
  const list = useConnections({ page: paged.page, size: PAGE_SIZE, ...(paged.debounced ? { name: paged.debounced } : {}) });
  const [editing, setEditing] = useState<Connection | null>(null);
  const [adding, setAdding] = useState(false);
  const rows = useEditDeleteRows<Connection>({
    noun: 'connection',
    manage: canEdit,
    onEdit: setEditing,
    remove: useDeleteConnection(),
    consequence: 'Datastores that use it must be deleted or moved first.',
  });

  return (
    <SearchableList
      noun={['connection', 'connections']}
      icon={<IconPlugConnected size={28} stroke={1.6} />}
      paged={paged}
      query={list}
      pageSize={PAGE_SIZE}
      onAdd={canEdit ? () => setAdding(true) : undefined}
      emptyHint={canEdit ? 'Add the first connection your datastores will use.' : 'No connection has been added yet.'}
      dialogs={
        canEdit ? (
          <>
            <ConnectionModal connection={editing} opened={adding || editing !== null} onClose={() => { setAdding(false); setEditing(null); }} />
            {rows.confirm}
          </>
        ) : null
      }
    >
      {(items) => <DataTable label="Connections" rows={items} columns={COLUMNS} minWidth={640} nowrap dimmed={list.isPlaceholderData} menu={rows.menu} />}
    </SearchableList>
  );
}
