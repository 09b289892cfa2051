import { Alert, Button, Code, CopyButton, Group, Modal, Select, Stack, Table, Text, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api/client';
import { useServiceAccounts } from '../../api/hooks';
import type { CreatedToken, User } from '../../api/types';

interface Candidate {
  id: number;
  name: string;
  expiration: string | null;
  last_used: string | null;
  clients: Array<{ ip: string; last_seen: string | null }>;
}

const NEW = 'new';

/**
 * "Broken automation" (SPEC §9 owner departure): the tokens a deactivated person used in the last
 * 30 days, and the action that moves them onto a service account, new secrets shown once.
 */
export function HandoverModal({ user, onClose }: { user: User | null; onClose: () => void }) {
  const qc = useQueryClient();
  const candidates = useQuery({
    queryKey: ['handover', user?.id],
    queryFn: () => api<{ tokens: Candidate[] }>(`/users/${user!.id}/handover`),
    enabled: user !== null,
  });
  const accounts = useServiceAccounts(user !== null);
  const [target, setTarget] = useState<string>(NEW);
  const [name, setName] = useState('');
  const move = useMutation({
    mutationFn: () =>
      api<{ tokens: CreatedToken[] }>(`/users/${user!.id}/handover`, {
        method: 'POST',
        body: target === NEW ? { service_account: { name, role: user!.role } } : { service_account_id: Number(target) },
      }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['users'] }),
  });
  const close = () => {
    move.reset();
    setName('');
    setTarget(NEW);
    onClose();
  };
  const tokens = candidates.data?.tokens ?? [];
  return (
    <Modal opened={user !== null} onClose={close} title={`Broken automation of ${user?.name ?? ''}`} centered size="xl">
      {move.data ? (
        <Stack>
          <Alert color="yellow" variant="light">Copy each new token into the automation that used the old one. They will not be shown again.</Alert>
          {move.data.tokens.map((t) => (
            <Stack key={t.id} gap={4}>
              <Text fw={600} size="sm">{t.name}</Text>
              <Group wrap="nowrap" align="flex-start">
                <Code block style={{ flex: 1, wordBreak: 'break-all' }}>{t.bearer_token}</Code>
                <CopyButton value={t.bearer_token}>{({ copied, copy }) => <Button size="xs" variant="default" onClick={copy}>{copied ? 'Copied' : 'Copy'}</Button>}</CopyButton>
              </Group>
            </Stack>
          ))}
          <Group justify="flex-end"><Button onClick={close}>Done</Button></Group>
        </Stack>
      ) : (
        <Stack>
          <Text size="sm">
            These tokens of {user?.name} were used in the last 30 days and stopped when the account was deactivated. Move them onto a
            service account: one Service token each, same name and expiry within policy.
          </Text>
          {tokens.length === 0 ? (
            <Text c="dimmed" size="sm">{candidates.isLoading ? 'Loading…' : 'No token of this person was used in the last 30 days.'}</Text>
          ) : (
            <Table aria-label="Broken automation">
              <Table.Thead><Table.Tr><Table.Th>Token</Table.Th><Table.Th>Last used</Table.Th><Table.Th>Client</Table.Th><Table.Th>Expiration</Table.Th></Table.Tr></Table.Thead>
              <Table.Tbody>
                {tokens.map((t) => (
                  <Table.Tr key={t.id}>
                    <Table.Td>{t.name}</Table.Td>
                    <Table.Td>{t.last_used ? new Date(t.last_used).toLocaleString() : '—'}</Table.Td>
                    <Table.Td>{t.clients.map((c) => c.ip).join(', ') || '—'}</Table.Td>
                    <Table.Td>{t.expiration ? new Date(t.expiration).toLocaleDateString() : 'Never'}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
          <Select
            label="Service account"
            data={[{ value: NEW, label: 'A new service account…' }, ...(accounts.data ?? []).map((a) => ({ value: String(a.id), label: `${a.name} (${a.user_id})` }))]}
            value={target}
            onChange={(v) => setTarget(v ?? NEW)}
            allowDeselect={false}
          />
          {target === NEW ? <TextInput label="Name of the new service account" required value={name} onChange={(e) => setName(e.currentTarget.value)} /> : null}
          {move.error ? <Text c="red" size="sm">{move.error.message}</Text> : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>Cancel</Button>
            <Button onClick={() => move.mutate()} loading={move.isPending} disabled={tokens.length === 0 || (target === NEW && !name.trim())}>
              Move to service account
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
