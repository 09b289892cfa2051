import { Badge, Select, Stack, Table, Text, TextInput, Tooltip } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useMemo, useState } from 'react';
import type { AuditEvent, UserListing } from '../../api/types';
import { auditCsvUrl, useAuditEvents, useUserDirectory, type AuditFilter } from '../../api/usage-hooks';
import { ListFooter } from '../../components/data-table';
import { FilteredReport } from '../../components/filtered-report';
import { ErrorState, Forbidden } from '../../components/states';
import { formatExact, formatRelative } from '../../lib/format';
import { useSession } from '../auth/require-auth';

const PAGE_SIZE = 25;

/** What an action did, as a verb phrase about its target (`{t}`: the target's readable name). */
const VERBS: Record<string, string> = {
  'auth.login': 'logged in',
  'auth.logout': 'logged out',
  'auth.failed': 'was refused',
  'auth.login_failed': 'failed to log in',
  'auth.session_ended': 'ended a session',
  'user.activated': 'reactivated {t}',
  'user.sessions_ended': 'ended the sessions of {t}',
  'auth.sessions_ended': 'ended the sessions of {t}',
  'token.created': 'created {t}',
  'token.revoked': 'revoked {t}',
  'token.restored': 'restored {t}',
  'token.deleted': 'deleted {t}',
  'token.rotated': 'rotated {t}',
  'token.renamed': 'renamed {t}',
  'token.new_ip': 'used {t} from a new client',
  'user.created': 'created {t}',
  'user.updated': 'changed {t}',
  'user.deactivated': 'deactivated {t}',
  'user.deleted': 'deleted {t}',
  'user.tokens_revoked': 'revoked every token of {t}',
  'team.created': 'created {t}',
  'team.updated': 'changed {t}',
  'team.deleted': 'deleted {t}',
  'datastore.created': 'created {t}',
  'datastore.updated': 'changed {t}',
  'datastore.deleted': 'deleted {t}',
};

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** "Ada Lovelace revoked token ci-deploy from 10.0.0.5" — one readable line per event. */
export function describeEvent(e: AuditEvent, users: ReadonlyMap<number, Pick<UserListing, 'name' | 'user_id'>>): string {
  const actor = e.actor_user_id === null ? (e.action.startsWith('auth.') ? 'Someone' : 'Gatehouse') : (users.get(e.actor_user_id)?.name ?? `user #${e.actor_user_id}`);
  const d = e.details ?? {};
  let target = e.target_type ? `${e.target_type} #${e.target_id ?? ''}` : '';
  if (e.target_type === 'token') target = `token ${str(d.name) ?? str(d.to) ?? `#${e.target_id}`}`;
  else if (e.target_type === 'user' && e.target_id) {
    const u = users.get(Number(e.target_id));
    target = u ? `${u.name} (${u.user_id})` : `user #${e.target_id}`;
  } else if (str(d.name)) target = `${e.target_type} ${str(d.name)}`;
  const verb = (VERBS[e.action] ?? `${e.action}${target ? ' {t}' : ''}`).replace('{t}', target);
  const extra = e.action === 'token.renamed' && str(d.from) ? ` (was ${str(d.from)})` : e.action === 'auth.failed' && str(d.reason) ? `: ${str(d.reason)}${typeof d.count === 'number' && d.count > 1 ? ` ×${d.count}` : ''}` : '';
  return `${actor} ${verb}${extra}${e.ip ? ` from ${e.ip}` : ''}`;
}

/** Settings → Audit (Admin, SPEC §10): the audit log, readable, with filters, paging and CSV export. */
export default function AuditTab() {
  const me = useSession();
  const isAdmin = me.role === 'Admin';
  const [actor, setActor] = useState<string | null>(null);
  const [action, setAction] = useState('');
  const [tokenId, setTokenId] = useState('');
  const [since, setSince] = useState('');
  const [until, setUntil] = useState('');
  const [page, setPage] = useState(1);
  const [debouncedAction] = useDebouncedValue(action.trim(), 300);
  const [debouncedToken] = useDebouncedValue(tokenId.trim(), 300);
  const filter: AuditFilter = {
    ...(actor ? { actor_id: Number(actor) } : {}),
    ...(debouncedAction ? { action: debouncedAction } : {}),
    ...(/^\d+$/.test(debouncedToken) ? { token_id: Number(debouncedToken) } : {}),
    ...(since ? { since: `${since}T00:00:00Z` } : {}),
    ...(until ? { until: `${until}T23:59:59Z` } : {}),
  };
  const events = useAuditEvents(filter, page, PAGE_SIZE);
  const directory = useUserDirectory(isAdmin);
  const users = useMemo(() => new Map((directory.data ?? []).map((u) => [u.id, u])), [directory.data]);
  const change = <T,>(set: (v: T) => void) => (v: T) => {
    set(v);
    setPage(1);
  };
  if (!isAdmin) return <Forbidden>The audit log is for Admins.</Forbidden>;

  return (
    <FilteredReport
      title="Audit"
      description="Who did what, to which token or account, when and from where: every change and every security event."
      csvHref={auditCsvUrl(filter)}
      csvLabel="Export CSV"
      filters={
        <>
          <Select
            label="Actor"
            placeholder="Anyone"
            searchable
            clearable
            data={(directory.data ?? []).map((u) => ({ value: String(u.id), label: `${u.name} (${u.user_id})` }))}
            value={actor}
            onChange={change(setActor)}
            w={260}
          />
          <TextInput label="Action" placeholder="e.g. token.revoked" value={action} onChange={(e) => change(setAction)(e.currentTarget.value)} w={190} />
          <TextInput label="Token id" placeholder="e.g. 12" value={tokenId} onChange={(e) => change(setTokenId)(e.currentTarget.value)} w={110} inputMode="numeric" />
          <TextInput label="From" type="date" value={since} onChange={(e) => change(setSince)(e.currentTarget.value)} w={160} />
          <TextInput label="To" type="date" value={until} onChange={(e) => change(setUntil)(e.currentTarget.value)} w={160} />
        </>
      }
    >
      {events.isError ? (
        <Stack p="md">
          <ErrorState error={events.error} onRetry={() => void events.refetch()} />
        </Stack>
      ) : events.isPending ? (
        <Text p="md" size="sm" c="dimmed">
          Loading…
        </Text>
      ) : events.data.items.length === 0 ? (
        <Text p="md" size="sm" c="dimmed">
          No event matches these filters.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={900}>
          <Table aria-label="Audit events" highlightOnHover style={{ opacity: events.isPlaceholderData ? 0.6 : 1 }}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th w={170}>When</Table.Th>
                <Table.Th>What happened</Table.Th>
                <Table.Th w={180}>Action</Table.Th>
                <Table.Th w={100}>Outcome</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {events.data.items.map((e) => (
                <Table.Tr key={e.id}>
                  <Table.Td>
                    <Tooltip label={formatExact(e.at)}>
                      <Text size="sm" component="time" dateTime={e.at} tabIndex={0}>
                        {formatRelative(e.at)}
                      </Text>
                    </Tooltip>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{describeEvent(e, users)}</Text>
                    {e.user_agent ? (
                      <Text size="xs" c="dimmed" lineClamp={1}>
                        {e.user_agent}
                      </Text>
                    ) : null}
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" ff="monospace">
                      {e.action}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Badge variant="light" color={e.outcome === 'success' ? 'green' : 'red'}>
                      {e.outcome}
                    </Badge>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <ListFooter total={events.data?.total} noun={['event', 'events']} page={page} pageSize={PAGE_SIZE} onPage={setPage} />
    </FilteredReport>
  );
}
