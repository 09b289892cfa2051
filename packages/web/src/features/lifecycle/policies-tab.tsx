import { Alert, Button, Checkbox, Group, NumberInput, Paper, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { ErrorState, Forbidden, PageLoader } from '../../components/states';
import { withNotices } from '../../lib/notices';
import { useSession } from '../auth/require-auth';
import { usePolicy, useSavePolicy, type Policy } from './api';

type Types = 'Personal' | 'Service';

/** A limit in days, or none (null) — a checkbox says which, so that "no limit" is explicit. */
function DaysLimit({ label, noneLabel, value, onChange }: { label: string; noneLabel: string; value: number | null; onChange: (v: number | null) => void }) {
  return (
    <Stack gap={6}>
      <NumberInput label={label} min={1} max={3650} value={value ?? ''} disabled={value === null} suffix=" days" onChange={(v) => onChange(typeof v === 'number' ? v : 1)} />
      <Checkbox size="xs" label={noneLabel} checked={value === null} onChange={(e) => onChange(e.currentTarget.checked ? null : 90)} />
    </Stack>
  );
}

/** Settings → Policies (Admin): SPEC §9's policy, applied to tokens created or rotated from now on. */
export default function PoliciesTab() {
  const me = useSession();
  const policy = usePolicy();
  const save = useSavePolicy();
  const [draft, setDraft] = useState<Policy | null>(null);
  const [reminders, setReminders] = useState('');
  useEffect(() => {
    if (policy.data) {
      setDraft(policy.data);
      setReminders(policy.data.expiry_reminder_days.join(', '));
    }
  }, [policy.data]);
  if (me.role !== 'Admin') return <Forbidden>Token policies are set by Admins. Your role is {me.role}.</Forbidden>;
  if (policy.error) return <ErrorState error={policy.error} onRetry={() => void policy.refetch()} />;
  if (!draft) return <PageLoader />;

  const set = (part: 'max_expiry_days' | 'idle_revoke_days', type: Types, v: number | null) => setDraft({ ...draft, [part]: { ...draft[part], [type]: v } });
  const days = reminders.split(/[\s,]+/).filter(Boolean).map(Number);
  const remindersValid = days.every((d) => Number.isInteger(d) && d >= 1 && d <= 365);

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate({ ...draft, expiry_reminder_days: days }, withNotices('Token policy saved', 'Could not save the policy'));
      }}
    >
      <Stack gap="lg" maw={760}>
        <Alert variant="light" color="blue">
          The policy applies to tokens created or rotated from now on. Existing tokens that break it keep working and are reported
          by the access review; idle tokens are warned 7 days before they are revoked.
        </Alert>
        {(['Personal', 'Service'] as const).map((type) => (
          <Paper key={type} withBorder p="md" radius="md">
            <Title order={3} size="h5" mb="sm">
              {type} tokens
            </Title>
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              <DaysLimit label="Maximum lifetime" noneLabel={'No limit ("Never" allowed)'} value={draft.max_expiry_days[type]} onChange={(v) => set('max_expiry_days', type, v)} />
              <DaysLimit label="Revoke when unused for" noneLabel="Never revoke unused tokens" value={draft.idle_revoke_days[type]} onChange={(v) => set('idle_revoke_days', type, v)} />
            </SimpleGrid>
          </Paper>
        ))}
        <TextInput
          label="Expiry reminders"
          description="Days before expiry at which owners are reminded (e-mail and token.expiring webhooks), e.g. 30, 7, 1"
          value={reminders}
          onChange={(e) => setReminders(e.currentTarget.value)}
          error={remindersValid ? null : 'Whole days from 1 to 365, separated by commas'}
        />
        {save.error ? <Text c="red" size="sm">{save.error.message}</Text> : null}
        <Group justify="flex-end">
          <Button type="submit" loading={save.isPending} disabled={!remindersValid}>
            Save policy
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
