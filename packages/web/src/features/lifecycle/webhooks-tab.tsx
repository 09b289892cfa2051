import { ActionIcon, Badge, Button, Code, CopyButton, Group, Menu, Modal, MultiSelect, Paper, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { IconDots } from '@tabler/icons-react';
import { useState } from 'react';
import { ErrorState, Forbidden, PageLoader } from '../../components/states';
import { withNotices } from '../../lib/notices';
import { useSession } from '../auth/require-auth';
import { useDeliveries, useWebhookMutations, useWebhooks, WEBHOOK_EVENTS, type Delivery, type Webhook } from './api';

const STATUS_COLOR: Record<Delivery['status'], string> = { delivered: 'green', pending: 'yellow', failed: 'red' };

function AddWebhookModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const { create } = useWebhookMutations();
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>(['token.revoked']);
  const [secret, setSecret] = useState<string | null>(null);
  const close = () => {
    setUrl('');
    setEvents(['token.revoked']);
    setSecret(null);
    create.reset();
    onClose();
  };
  return (
    <Modal opened={opened} onClose={close} title={secret ? 'Signing secret' : 'Add webhook endpoint'} centered size="lg">
      {secret ? (
        <Stack>
          <Text size="sm">Verify each request's <Code>webhook-signature</Code> with this secret (Standard Webhooks). It will not be shown again.</Text>
          <Code block>{secret}</Code>
          <Group justify="flex-end">
            <CopyButton value={secret}>{({ copied, copy }) => <Button variant="default" onClick={copy}>{copied ? 'Copied' : 'Copy'}</Button>}</CopyButton>
            <Button onClick={close}>Done</Button>
          </Group>
        </Stack>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate({ url, events }, { onSuccess: (w) => setSecret(w.secret) });
          }}
        >
          <Stack>
            <TextInput label="URL" placeholder="https://hooks.example.com/gatehouse" required value={url} onChange={(e) => setUrl(e.currentTarget.value)}
              error={create.error && (create.error as { field?: string }).field === 'url' ? create.error.message : null} />
            <MultiSelect label="Events" data={['*', ...WEBHOOK_EVENTS]} value={events} onChange={setEvents} required searchable />
            {create.error && (create.error as { field?: string }).field !== 'url' ? <Text c="red" size="sm">{create.error.message}</Text> : null}
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>Cancel</Button>
              <Button type="submit" loading={create.isPending} disabled={!url || events.length === 0}>Add endpoint</Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}

function Deliveries({ webhook }: { webhook: Webhook }) {
  const deliveries = useDeliveries(webhook.id);
  const { redeliver } = useWebhookMutations();
  if (deliveries.error) return <ErrorState error={deliveries.error} />;
  const items = deliveries.data?.items ?? [];
  return (
    <Paper withBorder p="md" radius="md">
      <Title order={3} size="h5" mb="sm">Deliveries to {webhook.url}</Title>
      {items.length === 0 ? (
        <Text c="dimmed" size="sm">No deliveries yet. Send a test event from the endpoint's menu.</Text>
      ) : (
        <Table striped aria-label="Deliveries">
          <Table.Thead>
            <Table.Tr><Table.Th>Event</Table.Th><Table.Th>Status</Table.Th><Table.Th>Response</Table.Th><Table.Th>Attempts</Table.Th><Table.Th>Created</Table.Th><Table.Th /></Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((d) => (
              <Table.Tr key={d.id}>
                <Table.Td><Code>{d.event}</Code></Table.Td>
                <Table.Td><Badge color={STATUS_COLOR[d.status]} variant="light">{d.status}</Badge></Table.Td>
                <Table.Td>{d.last_status_code ?? (d.last_error ? <Text size="xs" c="red">{d.last_error}</Text> : '—')}</Table.Td>
                <Table.Td>{d.attempts}</Table.Td>
                <Table.Td>{new Date(d.created).toLocaleString()}</Table.Td>
                <Table.Td>
                  <Button size="xs" variant="subtle" onClick={() => redeliver.mutate({ id: webhook.id, delivery: d.id }, withNotices('Delivery queued again', 'Could not redeliver'))}>
                    Redeliver
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Paper>
  );
}

/** Settings → Webhooks (Admin): endpoints, their deliveries (status, response code), redeliver, send test. */
export default function WebhooksTab() {
  const me = useSession();
  const webhooks = useWebhooks();
  const { update, remove, test } = useWebhookMutations();
  const [adding, setAdding] = useState(false);
  const [selected, setSelected] = useState<number | null>(null);
  if (me.role !== 'Admin') return <Forbidden>Webhooks are managed by Admins. Your role is {me.role}.</Forbidden>;
  if (webhooks.error) return <ErrorState error={webhooks.error} onRetry={() => void webhooks.refetch()} />;
  if (!webhooks.data) return <PageLoader />;
  const shown = webhooks.data.find((w) => w.id === selected) ?? webhooks.data[0];
  return (
    <Stack gap="lg">
      <Group justify="space-between">
        <Text size="sm" c="dimmed">Signed HTTP callbacks for token and user events (Standard Webhooks), retried for about 28 hours.</Text>
        <Button onClick={() => setAdding(true)}>Add endpoint</Button>
      </Group>
      <Table aria-label="Webhook endpoints" highlightOnHover>
        <Table.Thead>
          <Table.Tr><Table.Th>URL</Table.Th><Table.Th>Events</Table.Th><Table.Th>Status</Table.Th><Table.Th>Created</Table.Th><Table.Th /></Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {webhooks.data.length === 0 ? (
            <Table.Tr><Table.Td colSpan={5}><Text c="dimmed" size="sm">No endpoints yet.</Text></Table.Td></Table.Tr>
          ) : (
            webhooks.data.map((w) => (
              <Table.Tr key={w.id} onClick={() => setSelected(w.id)} style={{ cursor: 'pointer' }} bg={shown?.id === w.id ? 'var(--mantine-color-default-hover)' : undefined}>
                <Table.Td><Code>{w.url}</Code></Table.Td>
                <Table.Td>{w.events.join(', ')}</Table.Td>
                <Table.Td><Badge color={w.active ? 'green' : 'gray'} variant="light">{w.active ? 'Active' : 'Paused'}</Badge></Table.Td>
                <Table.Td>{new Date(w.created).toLocaleDateString()}</Table.Td>
                <Table.Td onClick={(e) => e.stopPropagation()}>
                  <Menu position="bottom-end">
                    <Menu.Target>
                      <ActionIcon variant="subtle" aria-label={`Actions for ${w.url}`}><IconDots size={16} /></ActionIcon>
                    </Menu.Target>
                    <Menu.Dropdown>
                      <Menu.Item onClick={() => { setSelected(w.id); test.mutate(w.id, withNotices('Test event queued', 'Could not send a test event')); }}>Send test</Menu.Item>
                      <Menu.Item onClick={() => update.mutate({ id: w.id, active: !w.active }, withNotices(w.active ? 'Endpoint paused' : 'Endpoint resumed', 'Could not change the endpoint'))}>
                        {w.active ? 'Pause' : 'Resume'}
                      </Menu.Item>
                      <Menu.Item color="red" onClick={() => remove.mutate(w.id, withNotices('Endpoint deleted', 'Could not delete the endpoint'))}>Delete</Menu.Item>
                    </Menu.Dropdown>
                  </Menu>
                </Table.Td>
              </Table.Tr>
            ))
          )}
        </Table.Tbody>
      </Table>
      {shown ? <Deliveries webhook={shown} /> : null}
      <AddWebhookModal opened={adding} onClose={() => setAdding(false)} />
    </Stack>
  );
}
