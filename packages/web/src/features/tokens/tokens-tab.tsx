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
} from '@mantine/core';
import { useDebouncedValue, useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconKey, IconPlus, IconSearch } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { useTokenAction, useTokenPage, type TokenAction, type TokenScope } from '../../api/hooks';
import type { Token } from '../../api/types';
import { ConfirmModal } from '../../components/confirm-modal';
import { SearchInput } from '../../components/search-input';
import { PageHeader } from '../../components/page-header';
import { CursorFooter } from '../../components/cursor-footer';
import { ErrorState } from '../../components/states';
import { useListView } from '../../lib/list-view';
import { useSession } from '../auth/require-auth';
import { BlastRadiusNotice } from '../usage/blast-radius';
import { GenerateTokenModal } from './generate-token-modal';
import { TokensTable } from './tokens-table';

type Filter = 'all' | 'personal' | 'service';
const FILTERS: readonly Filter[] = ['all', 'personal', 'service'];

const PAGE_SIZE = 50;
/** Keystrokes closer together than this make one search. */
const SEARCH_DEBOUNCE_MS = 250;

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
  const action = useTokenAction();
  // The view lives in the URL (?filter=&q=&cursor=): a reload or a shared link shows the same page.
  const view = useListView();
  const asked = view.get('filter') as Filter;
  const filter: Filter = FILTERS.includes(asked) && (asked !== 'service' || isAdmin) ? asked : 'all';
  const q = view.get('q');
  const cursor = view.get('cursor') || undefined;
  const [search, setSearch] = useState(q);
  const [debounced] = useDebouncedValue(search.trim(), SEARCH_DEBOUNCE_MS);
  const [generating, generate] = useDisclosure(false);
  const [toDelete, setToDelete] = useState<Token | null>(null);
  const [toRevoke, setToRevoke] = useState<Token | null>(null);
  const [busyId, setBusyId] = useState<number | null>(null);

  const setView = (change: { filter?: Filter; q?: string; cursor?: string | undefined }) =>
    view.set({ ...change, ...('filter' in change ? { filter: change.filter === 'all' ? undefined : change.filter } : {}) });

  useEffect(() => {
    if (debounced !== q) setView({ q: debounced });
    // eslint-disable-next-line react-hooks/exhaustive-deps -- runs when the debounced text settles
  }, [debounced]);

  const scope: TokenScope = filter === 'service' ? 'service' : filter === 'all' && isAdmin ? 'all' : 'own';
  const list = useTokenPage({ scope, size: PAGE_SIZE, ...(q ? { search: q } : {}), ...(cursor ? { cursor } : {}) });
  const tokens = list.data?.items ?? [];

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

  const loading = list.isPending;
  const error = list.error;

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
            onChange={(v) => setView({ filter: v as Filter })}
            data={filterData}
            size="sm"
          />
          <SearchInput label="Search tokens" placeholder="Search by token name" value={search} onChange={setSearch} w={{ base: '100%', xs: 280 }} />
        </Group>
        {error ? (
          <Stack p="md">
            <ErrorState error={error} onRetry={() => void list.refetch()} />
          </Stack>
        ) : loading ? (
          <Stack p="md" gap="sm" aria-busy="true" aria-label="Loading tokens">
            {[0, 1, 2].map((i) => (
              <Skeleton key={i} h={36} />
            ))}
          </Stack>
        ) : tokens.length === 0 ? (
          filter === 'all' && !q && !cursor ? (
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
          <TokensTable tokens={tokens} onAction={onAction} busyId={busyId} dimmed={list.isPlaceholderData} />
        )}
        {list.data && tokens.length > 0 ? (
          <CursorFooter page={list.data} noun={['token', 'tokens']} onMove={(c) => setView({ cursor: c })} />
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
