import { Anchor, Badge, Checkbox, Group, NumberInput, SegmentedControl, Stack, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useState } from 'react';
import { Link } from 'react-router';
import { accessReviewCsvUrl, useAccessReview, type AccessReviewFilter, type AccessReviewRow } from '../../api/usage-hooks';
import { DataTable, type Column } from '../../components/data-table';
import { FilteredReport } from '../../components/filtered-report';
import { ErrorState, Forbidden } from '../../components/states';
import { RelativeTime } from '../../components/time';
import { formatDay } from '../../lib/format';
import { useSession } from '../auth/require-auth';

const STATUS_COLOR: Record<AccessReviewRow['status'], string> = { active: 'green', revoked: 'orange', expired: 'gray' };

const COLUMNS: Column<AccessReviewRow>[] = [
  {
    header: 'Token',
    cell: (r) => (
      <Anchor component={Link} to={`/settings/tokens/${r.id}`} underline="hover">
        <Text size="sm" fw={600} c="inherit">
          {r.name}
        </Text>
      </Anchor>
    ),
  },
  { header: 'Type', cell: (r) => <Text size="sm">{r.type}</Text> },
  {
    header: 'Owner',
    cell: (r) => (
      <Stack gap={0}>
        <Group gap={6} wrap="nowrap">
          <Text size="sm">{r.owner_name}</Text>
          {!r.owner_active ? (
            <Badge size="xs" color="gray" variant="outline">
              deactivated
            </Badge>
          ) : null}
        </Group>
        <Text size="xs" c="dimmed">
          {r.owner} · {r.owner_role}
        </Text>
      </Stack>
    ),
  },
  {
    header: 'Status',
    cell: (r) => (
      <Badge variant="light" color={STATUS_COLOR[r.status]}>
        {r.status}
      </Badge>
    ),
  },
  { header: 'Expires', cell: (r) => <Text size="sm">{r.expiration ? formatDay(r.expiration) : 'Never'}</Text> },
  { header: 'Last used', cell: (r) => <RelativeTime iso={r.last_used} empty="Not used" /> },
  { header: 'Idle', cell: (r) => <Text size="sm">{r.idle_days === 1 ? '1 day' : `${r.idle_days} days`}</Text> },
  {
    header: 'Policy',
    cell: (r) =>
      r.policy_violations.length === 0 ? (
        <Text size="sm" c="dimmed">
          OK
        </Text>
      ) : (
        <Stack gap={2}>
          {r.policy_violations.map((v) => (
            <Badge key={v} size="sm" color="red" variant="light" style={{ textTransform: 'none' }}>
              {v}
            </Badge>
          ))}
        </Stack>
      ),
  },
];

/** Settings → Access review (Admin, SPEC §10): every token, filtered, with a CSV download of the same rows. */
export default function AccessReviewTab() {
  const me = useSession();
  const [type, setType] = useState<'all' | 'Personal' | 'Service'>('all');
  const [owner, setOwner] = useState('');
  const [idle, setIdle] = useState<number | ''>('');
  const [flags, setFlags] = useState<string[]>([]);
  const [debouncedOwner] = useDebouncedValue(owner.trim(), 300);
  const filter: AccessReviewFilter = {
    ...(type !== 'all' ? { type } : {}),
    ...(debouncedOwner ? { owner: debouncedOwner } : {}),
    ...(idle !== '' ? { idle_days: idle } : {}),
    ...(flags.includes('never_used') ? { never_used: true } : {}),
    ...(flags.includes('never_expires') ? { never_expires: true } : {}),
    ...(flags.includes('owner_deactivated') ? { owner_deactivated: true } : {}),
  };
  const review = useAccessReview(filter);
  if (me.role !== 'Admin') return <Forbidden>The access review is for Admins.</Forbidden>;

  return (
    <FilteredReport
      title="Access review"
      description="Every token with its owner, last use and what it breaks of the policy: find what nobody uses any more before it leaks."
      csvHref={accessReviewCsvUrl(filter)}
      csvLabel="Download CSV"
      filters={
        <>
          <SegmentedControl
            aria-label="Token type"
            value={type}
            onChange={(v) => setType(v as typeof type)}
            data={[
              { value: 'all', label: 'All' },
              { value: 'Personal', label: 'Personal' },
              { value: 'Service', label: 'Service' },
            ]}
          />
          <TextInput label="Owner" placeholder="user ID, e.g. etl@service" value={owner} onChange={(e) => setOwner(e.currentTarget.value)} w={240} />
          <NumberInput label="Idle for more than (days)" min={0} max={36500} value={idle} onChange={(v) => setIdle(typeof v === 'number' ? v : '')} w={200} allowDecimal={false} />
          <Checkbox.Group label="Only tokens that" value={flags} onChange={setFlags}>
            <Group gap="md" mt={6}>
              <Checkbox value="never_used" label="were never used" />
              <Checkbox value="never_expires" label="never expire" />
              <Checkbox value="owner_deactivated" label="have a deactivated owner" />
            </Group>
          </Checkbox.Group>
        </>
      }
    >
      {review.isError ? (
        <Stack p="md">
          <ErrorState error={review.error} onRetry={() => void review.refetch()} />
        </Stack>
      ) : review.isPending ? (
        <Text p="md" size="sm" c="dimmed">
          Loading…
        </Text>
      ) : review.data.length === 0 ? (
        <Text p="md" size="sm" c="dimmed">
          No token matches these filters.
        </Text>
      ) : (
        <DataTable label="Access review" rows={review.data} columns={COLUMNS} minWidth={1100} nowrap dimmed={review.isFetching} />
      )}
      {review.data ? (
        <Text size="xs" c="dimmed" px="md" py="sm" style={{ borderTop: '1px solid var(--gh-border)' }}>
          {review.data.length === 1 ? '1 token' : `${review.data.length} tokens`}
        </Text>
      ) : null}
    </FilteredReport>
  );
}
