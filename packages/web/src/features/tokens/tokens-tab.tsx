import {
  Button,
  EmptyState,
  Group,
  Modal,
  Paper,
  SegmentedControl,
  Skeleton,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconKey, IconPlus, IconSearch } from '@tabler/icons-react';
import { useMemo, useState } from 'react';
import { useOwnTokens, useServiceTokens, useTokenAction, type TokenAction } from '../../api/hooks';
import type { Token } from '../../api/types';
import { ConfirmModal } from '../../components/confirm-modal';
import { PageHeader } from '../../components/page-header';
import { ErrorState } from '../../components/states';
import { useSession } from '../auth/require-auth';
import { BlastRadiusNotice } from '../usage/blast-radius';
import { GenerateTokenModal } from './generate-token-modal';
import { TokensTable } from './tokens-table';

type Filter = 'all' | 'personal' | 'service';

const PAST: Record<TokenAction, string> = {
  revoke: 'revoked',
  restore: 'restored',
  delete: 'deleted',
};

/** "User token successfully revoked" / "Service token successfully deleted" (SPEC §5). */
export function actionToast(token: Pick<Token, 'type'>, action: TokenAction): string {
  return `${token.type === 'Service' ? 'Service' : 'User'} token successfully ${PAST[action]}`;
}

export default function TokensTab() {
  const me = useSession();
  const isAdmin = me.role === 'Admin';
  const own = useOwnTokens();
  const service = useServiceTokens(isAdmin);
  const action = useTokenAction();
  const [filter, setFilter] = useState<Filter>('all');
  const [search, setSearch] = useState('');
  const [generating, generate] = useDisclosure(false);
  const [toDelete, setToDelete] = useState<Token | null>(null);
  const [toRevoke, setToRevoke] = useState<Token | null>(null);
  const [busyId, setBusyId] = useState<number | null>(null);

  const tokens = useMemo(() => {
    const byId = new Map<number, Token>();
    for (const t of own.data ?? []) byId.set(t.id, t);
    if (isAdmin) for (const t of service.data ?? []) byId.set(t.id, t);
    const q = search.trim().toLowerCase();
    return [...byId.values()]
      .filter((t) => filter === 'all' || (filter === 'service') === (t.type === 'Service'))
      .filter(
        (t) =>
          !q ||
          t.name.toLowerCase().includes(q) ||
          t.user.name.toLowerCase().includes(q) ||
          t.user.user_id.toLowerCase().includes(q),
      )
      .sort((a, b) => b.created.localeCompare(a.created) || b.id - a.id);
  }, [own.data, service.data, isAdmin, filter, search]);

  const run = (token: Token, act: TokenAction) => {
    setBusyId(token.id);
    action.mutate(
      { token, action: act },
      {
        onSuccess: () => {
          notifications.show({ color: 'green', message: actionToast(token, act) });
          setToDelete(null);
          setToRevoke(null);
        },
        onError: (error) => {
          notifications.show({
            color: 'red',
            title: `Could not ${act} the token`,
            message: error.message,
          });
        },
        onSettled: () => setBusyId(null),
      },
    );
  };

  const onAction = (token: Token, act: TokenAction) => {
    if (act === 'delete') setToDelete(token);
    else if (act === 'revoke') setToRevoke(token);
    else run(token, act);
  };

  const loading = own.isPending || (isAdmin && service.isPending);
  const error = own.error ?? (isAdmin ? service.error : null);
  const total = (own.data?.length ?? 0) + (isAdmin ? (service.data?.length ?? 0) : 0);

  const filterData = [
    { value: 'all', label: 'All tokens' },
    { value: 'personal', label: 'Personal tokens' },
    ...(isAdmin ? [{ value: 'service', label: 'Service tokens' }] : []),
  ];

  return (
    <>
      <PageHeader
        order={2}
        title="Tokens"
        description={
          isAdmin
            ? 'Personal access tokens act as their owner; service tokens act as a service account. A token is shown once, when it is generated.'
            : 'Personal access tokens let scripts and tools call the API as you. A token is shown once, when it is generated.'
        }
        actions={
          <Button leftSection={<IconPlus size={16} />} onClick={generate.open}>
            Generate Token
          </Button>
        }
      />
      <Paper withBorder radius="lg" bg="var(--gh-surface)">
        <Group justify="space-between" p="md" gap="sm" wrap="wrap">
          <SegmentedControl
            aria-label="Filter tokens by type"
            value={filter}
            onChange={(v) => setFilter(v as Filter)}
            data={filterData}
            size="sm"
          />
          <TextInput
            aria-label="Search tokens"
            placeholder="Search by name or user"
            leftSection={<IconSearch size={16} />}
            value={search}
            onChange={(e) => setSearch(e.currentTarget.value)}
            w={{ base: '100%', xs: 280 }}
          />
        </Group>
        {error ? (
          <Stack p="md">
            <ErrorState error={error} onRetry={() => void Promise.all([own.refetch(), service.refetch()])} />
          </Stack>
        ) : loading ? (
          <Stack p="md" gap="sm" aria-busy="true" aria-label="Loading tokens">
            {[0, 1, 2].map((i) => (
              <Skeleton key={i} h={36} />
            ))}
          </Stack>
        ) : tokens.length === 0 ? (
          total === 0 ? (
            <EmptyState
              py={56}
              icon={<IconKey size={28} stroke={1.6} />}
              variant="light"
              title="No tokens yet"
              description="Generate a token to call the Gatehouse API from scripts, CI pipelines or other services."
            >
              <EmptyState.Actions>
                <Button leftSection={<IconPlus size={16} />} onClick={generate.open} variant="light">
                  Generate your first token
                </Button>
              </EmptyState.Actions>
            </EmptyState>
          ) : (
            <EmptyState
              py={48}
              icon={<IconSearch size={26} stroke={1.6} />}
              title="No matching tokens"
              description="No token matches this filter."
            />
          )
        ) : (
          <TokensTable tokens={tokens} onAction={onAction} busyId={busyId} />
        )}
        {tokens.length > 0 ? (
          <Text size="xs" c="dimmed" px="md" py="sm" style={{ borderTop: '1px solid var(--gh-border)' }}>
            {tokens.length === 1 ? '1 token' : `${tokens.length} tokens`}
          </Text>
        ) : null}
      </Paper>

      <GenerateTokenModal opened={generating} onClose={generate.close} isAdmin={isAdmin} />

      <ConfirmModal
        opened={toRevoke !== null}
        title="Revoke Token"
        confirmLabel="Revoke"
        loading={action.isPending}
        onClose={() => setToRevoke(null)}
        onConfirm={() => toRevoke && run(toRevoke, 'revoke')}
      >
        <Stack gap="sm">
          <span>
            Revoke the token <b>{toRevoke?.name}</b>
            {toRevoke ? ` of ${toRevoke.user.name}` : ''}? Requests using it fail at once, on every server.
          </span>
          <BlastRadiusNotice target={toRevoke ? { token: toRevoke.id } : null} what="This token" />
        </Stack>
      </ConfirmModal>

      <Modal
        opened={toDelete !== null}
        onClose={() => setToDelete(null)}
        title="Delete Token"
        centered
      >
        <Stack gap="lg">
          <Text size="sm">
            Delete the token <b>{toDelete?.name}</b>
            {toDelete ? ` of ${toDelete.user.name}` : ''}? It is already revoked; deleting removes
            it from the list for good. This cannot be undone.
          </Text>
          <Group justify="flex-end" gap="sm">
            <Button variant="default" onClick={() => setToDelete(null)} data-autofocus>
              Cancel
            </Button>
            <Button
              color="red.9"
              loading={action.isPending}
              onClick={() => toDelete && run(toDelete, 'delete')}
            >
              Delete
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
