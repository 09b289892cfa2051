import '@mantine/charts/styles.css';
import { BarChart } from '@mantine/charts';
import {
  Anchor,
  Badge,
  Button,
  Group,
  Modal,
  Paper,
  SegmentedControl,
  Select,
  SimpleGrid,
  Skeleton,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconArrowLeft, IconBan, IconEdit, IconPlayerPlay, IconRefresh, IconTrash } from '@tabler/icons-react';
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useTokenAction } from '../../api/hooks';
import type { CreatedToken } from '../../api/types';
import { useRenameToken, useRotateToken, useToken, useTokenUsage, type TokenClient } from '../../api/usage-hooks';
import { ConfirmModal } from '../../components/confirm-modal';
import { FormActions } from '../../components/form-actions';
import { ErrorState, PageLoader } from '../../components/states';
import { RelativeTime } from '../../components/time';
import { formatDay } from '../../lib/format';
import { STATUS_COLOR, tokenStatus } from '../../lib/token-status';
import { TokenReveal } from '../tokens/token-reveal';
import { actionToast } from '../tokens/tokens-tab';
import { BlastRadiusNotice } from './blast-radius';

/** Rotate's grace choices (SPEC §9 grace_hours 0–168): how long the current secret keeps working. */
const GRACE_CHOICES = [
  { value: '0', label: 'Stop it at once' },
  { value: '1', label: '1 hour' },
  { value: '24', label: '24 hours' },
  { value: '72', label: '3 days' },
  { value: '168', label: '7 days (longest)' },
];

const RANGES = [
  { value: '7', label: '7 days' },
  { value: '30', label: '30 days' },
  { value: '90', label: '90 days' },
];

function Stat({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <Paper withBorder radius="md" p="md" bg="var(--gh-surface)">
      <Text size="xs" c="dimmed" tt="uppercase" fw={600} lts={0.4}>
        {label}
      </Text>
      <Text size="lg" fw={650} component="div" mt={4}>
        {children}
      </Text>
    </Paper>
  );
}

function ClientsTable({ clients }: { clients: TokenClient[] }) {
  if (clients.length === 0) {
    return (
      <Text size="sm" c="dimmed" p="md">
        No client has used this token yet.
      </Text>
    );
  }
  return (
    <Table.ScrollContainer minWidth={720}>
      <Table aria-label="Clients" highlightOnHover>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>IP address</Table.Th>
            <Table.Th>User agent</Table.Th>
            <Table.Th>First seen</Table.Th>
            <Table.Th>Last seen</Table.Th>
            <Table.Th style={{ textAlign: 'right' }}>Requests</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {clients.map((c) => (
            <Table.Tr key={`${c.ip ?? ''} ${c.user_agent ?? ''}`}>
              <Table.Td ff="monospace">{c.ip ?? 'unknown'}</Table.Td>
              <Table.Td>{c.user_agent ?? <Text span c="dimmed" size="sm">none sent</Text>}</Table.Td>
              <Table.Td>
                <RelativeTime iso={c.first_seen} />
              </Table.Td>
              <Table.Td>
                <RelativeTime iso={c.last_seen} />
              </Table.Td>
              <Table.Td style={{ textAlign: 'right' }}>{c.requests.toLocaleString('en-US')}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function RenameModal({ opened, name, id, onClose }: { opened: boolean; name: string; id: number; onClose: () => void }) {
  const [value, setValue] = useState(name);
  const [error, setError] = useState<string | null>(null);
  const rename = useRenameToken();
  useEffect(() => {
    if (opened) {
      setValue(name);
      setError(null);
    }
  }, [opened, name]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!value.trim()) return setError('Enter a name');
    rename.mutate(
      { id, name: value.trim() },
      {
        onSuccess: () => {
          notifications.show({ color: 'green', message: 'Token renamed' });
          onClose();
        },
        onError: (err) => setError(err.message),
      },
    );
  };
  return (
    <Modal opened={opened} onClose={onClose} title="Rename Token" centered>
      <form onSubmit={submit} noValidate>
        <Stack gap="lg">
          <TextInput label="Name" required value={value} onChange={(e) => setValue(e.currentTarget.value)} error={error} data-autofocus maxLength={100} />
          <FormActions onCancel={onClose} submit="Rename" loading={rename.isPending} />
        </Stack>
      </form>
    </Modal>
  );
}

/** A token's page (SPEC §10): requests per day, its clients, rename, rotate, revoke/restore, delete. */
export default function TokenPage() {
  const id = Number(useParams().id);
  const navigate = useNavigate();
  const token = useToken(id);
  const [days, setDays] = useState('30');
  const usage = useTokenUsage(id, Number(days));
  const action = useTokenAction();
  const rotate = useRotateToken();
  const [dialog, setDialog] = useState<'rename' | 'rotate' | 'revoke' | 'delete' | null>(null);
  const [rotated, setRotated] = useState<CreatedToken | null>(null);
  const [graceHours, setGraceHours] = useState('0');

  useEffect(() => {
    if (token.data) document.title = `${token.data.name} · Tokens · Gatehouse`;
  }, [token.data]);

  if (token.isPending) return <PageLoader label="Loading the token" />;
  if (token.isError) return <ErrorState error={token.error} onRetry={() => void token.refetch()} />;
  const t = token.data;
  const status = tokenStatus(t);
  const total = usage.data?.daily.reduce((n, d) => n + d.requests, 0) ?? 0;
  const close = () => setDialog(null);

  const act = (kind: 'revoke' | 'restore' | 'delete') =>
    action.mutate(
      { token: t, action: kind },
      {
        onSuccess: () => {
          notifications.show({ color: 'green', message: actionToast(t, kind) });
          close();
          if (kind === 'delete') void navigate('/settings/tokens');
          else void token.refetch();
        },
        onError: (e) => notifications.show({ color: 'red', title: `Could not ${kind} the token`, message: e.message }),
      },
    );
  /** Revoke and Delete ask first; confirming runs the action. */
  const confirmation = (kind: 'revoke' | 'delete', title: string, confirmLabel: string, body: ReactNode) => (
    <ConfirmModal opened={dialog === kind} title={title} confirmLabel={confirmLabel} loading={action.isPending} onClose={close} onConfirm={() => act(kind)}>
      {body}
    </ConfirmModal>
  );

  return (
    <Stack gap="lg">
      <Anchor component={Link} to="/settings/tokens" size="sm">
        <Group gap={4}>
          <IconArrowLeft size={14} aria-hidden /> All tokens
        </Group>
      </Anchor>
      <Group justify="space-between" align="flex-start" wrap="wrap" gap="md">
        <Stack gap={4}>
          <Group gap="sm">
            <Title order={2}>{t.name}</Title>
            <Badge variant="light" color={t.type === 'Service' ? 'violet' : 'blue'}>
              {t.type}
            </Badge>
            <Badge variant="light" color={STATUS_COLOR[status]}>
              {status}
            </Badge>
          </Group>
          <Text size="sm" c="dimmed">
            {t.user.name} · {t.user.user_id}
          </Text>
          {t.idle_revoke_days ? (
            <Text size="sm" c="dimmed">
              Revoked automatically after {t.idle_revoke_days} days without use (its own limit, within the policy).
            </Text>
          ) : null}
          {t.previous_secret_expires_at && new Date(t.previous_secret_expires_at) > new Date() ? (
            <Text size="sm" c="dimmed">
              The previous secret keeps working until {formatDay(t.previous_secret_expires_at)}.
            </Text>
          ) : null}
        </Stack>
        <Group gap="sm">
          <Button variant="default" leftSection={<IconEdit size={16} />} onClick={() => setDialog('rename')}>
            Rename
          </Button>
          <Button variant="default" leftSection={<IconRefresh size={16} />} onClick={() => setDialog('rotate')} disabled={!t.active}>
            Rotate
          </Button>
          {t.active ? (
            <Button variant="default" leftSection={<IconBan size={16} color="var(--mantine-color-red-6)" />} onClick={() => setDialog('revoke')}>
              Revoke
            </Button>
          ) : (
            <>
              <Button variant="default" leftSection={<IconPlayerPlay size={16} />} loading={action.isPending} onClick={() => act('restore')}>
                Restore
              </Button>
              <Button color="red.9" leftSection={<IconTrash size={16} />} onClick={() => setDialog('delete')}>
                Delete
              </Button>
            </>
          )}
        </Group>
      </Group>

      <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} spacing="md">
        <Stat label={`Requests, last ${days} days`}>{usage.data ? total.toLocaleString('en-US') : '…'}</Stat>
        <Stat label="Clients">{usage.data ? usage.data.clients.length : '…'}</Stat>
        <Stat label="Last used">{t.last_used ? <RelativeTime iso={t.last_used} /> : 'Not used'}</Stat>
        <Stat label="Expires">{t.expiration ? formatDay(t.expiration) : 'Never'}</Stat>
      </SimpleGrid>

      <Paper withBorder radius="lg" p="md" bg="var(--gh-surface)">
        <Group justify="space-between" mb="md" wrap="wrap">
          <Title order={3} fz="md">
            Requests per day
          </Title>
          <SegmentedControl aria-label="Days shown" size="xs" value={days} onChange={setDays} data={RANGES} />
        </Group>
        {usage.isPending ? (
          <Skeleton h={220} aria-label="Loading usage" />
        ) : usage.isError ? (
          <ErrorState error={usage.error} onRetry={() => void usage.refetch()} />
        ) : (
          <div role="img" aria-label={`Requests per day over the last ${days} days: ${total.toLocaleString('en-US')} in all`}>
            <BarChart
              h={220}
              data={usage.data.daily.map((d) => ({ date: d.date.slice(5), requests: d.requests }))}
              dataKey="date"
              series={[{ name: 'requests', label: 'Requests', color: 'brand.6' }]}
              tickLine="none"
              gridAxis="x"
              withTooltip
            />
          </div>
        )}
      </Paper>

      <Paper withBorder radius="lg" bg="var(--gh-surface)">
        <Stack gap={2} p="md" pb={0}>
          <Title order={3} fz="md">
            Clients
          </Title>
          <Text size="xs" c="dimmed">
            The 10 most recent distinct IP address and user agent pairs.
          </Text>
        </Stack>
        {usage.data ? <ClientsTable clients={usage.data.clients} /> : <Skeleton h={80} m="md" />}
      </Paper>

      <RenameModal opened={dialog === 'rename'} name={t.name} id={t.id} onClose={close} />

      {confirmation(
        'revoke',
        'Revoke Token',
        'Revoke',
        <Stack gap="sm">
          <span>
            Revoke <b>{t.name}</b> of {t.user.name}? Requests using it fail at once, on every server.
          </span>
          <BlastRadiusNotice target={dialog === 'revoke' ? { token: t.id } : null} what="This token" />
        </Stack>,
      )}

      {confirmation(
        'delete',
        'Delete Token',
        'Delete',
        <>
          Delete the token <b>{t.name}</b> of {t.user.name}? It is already revoked; deleting removes it for good. This cannot be undone.
        </>,
      )}

      <Modal opened={dialog === 'rotate'} onClose={() => { close(); setRotated(null); }} title="Rotate Token" centered size="lg">
        {rotated ? (
          <Stack gap="lg">
            <TokenReveal token={rotated} />
            <Group justify="flex-end">
              <Button onClick={() => { close(); setRotated(null); }}>Done</Button>
            </Group>
          </Stack>
        ) : (
          <Stack gap="lg">
            <Text size="sm" component="div">
              Rotate <b>{t.name}</b>? A new secret is made and shown once;{' '}
              {graceHours === '0' ? 'the current one stops working at once.' : `the current one keeps working for ${GRACE_CHOICES.find((g) => g.value === graceHours)?.label ?? `${graceHours} hours`}, so that what uses it can move over.`}
            </Text>
            <Select
              label="Keep the current secret working"
              description="A grace period lets you deploy the new secret before the old one stops (on every server)."
              data={GRACE_CHOICES}
              value={graceHours}
              onChange={(v) => setGraceHours(v ?? '0')}
              allowDeselect={false}
              w={280}
            />
            <BlastRadiusNotice target={dialog === 'rotate' ? { token: t.id } : null} what="The current secret" />
            <Group justify="flex-end" gap="sm">
              <Button variant="default" onClick={close} data-autofocus>
                Cancel
              </Button>
              <Button
                color="red.9"
                loading={rotate.isPending}
                onClick={() =>
                  rotate.mutate(
                    { id: t.id, graceHours: Number(graceHours) },
                    {
                      onSuccess: (created) => {
                        setRotated(created);
                        setGraceHours('0');
                        notifications.show({ color: 'green', message: 'Token rotated: copy the new secret now' });
                      },
                      onError: (e) => notifications.show({ color: 'red', title: 'Could not rotate the token', message: e.message }),
                    },
                  )
                }
              >
                Rotate
              </Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </Stack>
  );
}
