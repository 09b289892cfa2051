import { Anchor, Button, Checkbox, Select, SimpleGrid, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { IconChevronDown, IconChevronRight } from '@tabler/icons-react';
import { useEffect, useId, useState } from 'react';
import { Link } from 'react-router';
import { useTokenLifetimes } from '../lifecycle/api';
import type { CreateTokenBody, Scope, UserListing } from '../../api/types';
import { formatDay } from '../../lib/format';
import { EXPIRATION_CHOICES, expiresInDays } from '../../lib/token-status';

export interface TokenFormValues {
  name: string;
  type: 'Personal' | 'Service';
  serviceUserId: string | null;
  expiration: string;
  scim: boolean;
  /** SPEC §11: empty = everything the owner's role allows. */
  scopes: Scope[];
  /** CIDRs, one per line (or comma-separated); empty = anywhere. */
  allowedIps: string;
  /** SPEC §9: revoke after this many days unused (a number as text); '' = the policy's limit alone. */
  idleDays: string;
}

export type TokenFormErrors = Partial<Record<keyof TokenFormValues, string>>;

export const EMPTY_TOKEN_FORM: TokenFormValues = {
  name: '',
  type: 'Personal',
  serviceUserId: null,
  expiration: '30',
  scim: false,
  scopes: [],
  allowedIps: '',
  idleDays: '',
};

/** Idle limits offered for a token's own `idle_revoke_days`; only those within the policy's are shown. */
export const IDLE_CHOICES = [7, 14, 30, 60, 90, 180, 365] as const;

/** The idle choices allowed under a policy limit (null: none), as Select options; '' = the policy's. */
export function idleChoicesFor(policyDays: number | null): Array<{ value: string; label: string }> {
  return [
    { value: '', label: policyDays === null ? 'Never (no policy limit)' : `Policy: ${policyDays} days` },
    ...IDLE_CHOICES.filter((d) => policyDays === null || d < policyDays).map((d) => ({ value: String(d), label: `${d} days` })),
  ];
}

/** The scopes offered (SPEC §11), with what each allows. */
export const SCOPE_CHOICES: Array<{ value: Scope; label: string }> = [
  { value: 'read', label: 'read — everything, read-only' },
  { value: 'datastores:read', label: 'datastores:read' },
  { value: 'datastores:write', label: 'datastores:write' },
  { value: 'users:read', label: 'users:read' },
  { value: 'users:write', label: 'users:write' },
  { value: 'teams:read', label: 'teams:read' },
  { value: 'teams:write', label: 'teams:write' },
  { value: 'tokens:read', label: 'tokens:read' },
  { value: 'tokens:write', label: 'tokens:write' },
  { value: 'audit:read', label: 'audit:read' },
];

/** The request's restriction fields: only what the user chose (absent = unrestricted). */
export function restrictionsOf(v: TokenFormValues): Pick<CreateTokenBody, 'scopes' | 'allowed_ips' | 'idle_revoke_days'> {
  const ips = v.allowedIps.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);
  return {
    ...(v.scopes.length > 0 ? { scopes: v.scopes } : {}),
    ...(ips.length > 0 ? { allowed_ips: ips } : {}),
    ...(v.idleDays ? { idle_revoke_days: Number(v.idleDays) } : {}),
  };
}

/** Maps the API's `field` (wire name) to the form field that shows the message. */
export function formFieldOf(apiField: string | undefined): keyof TokenFormValues | null {
  // Array fields may name an item (`allowed_ips.1`).
  if (apiField?.startsWith('allowed_ips')) return 'allowedIps';
  if (apiField?.startsWith('scopes')) return 'scopes';
  if (apiField === 'idle_revoke_days') return 'idleDays';
  switch (apiField) {
    case 'name':
      return 'name';
    case 'user_id':
    case 'user':
      return 'serviceUserId';
    case 'expires_in_days':
    case 'expiration':
      return 'expiration';
    case 'scim_endpoints_only':
      return 'scim';
    case 'type':
      return 'type';
    default:
      return null;
  }
}

export function validateTokenForm(v: TokenFormValues): TokenFormErrors {
  const errors: TokenFormErrors = {};
  if (!v.name.trim()) errors.name = 'Enter a name for the token';
  else if (v.name.trim().length > 100) errors.name = 'Use at most 100 characters';
  if (v.type === 'Service' && !v.serviceUserId) errors.serviceUserId = 'Select the service user';
  return errors;
}

function expirationHint(value: string): string {
  const days = expiresInDays(value);
  if (days === null) return 'The token never expires. Prefer an expiry and rotate it.';
  const at = new Date(Date.now() + days * 86_400_000);
  return `The token will expire on ${formatDay(at)}.`;
}

/**
 * The token fields in the seed page's order: Name, Type, Service User, Expiration, SCIM.
 * `locked` fixes Type = Service and the service user (the wizard's second step).
 */
export function TokenFormFields({
  values,
  errors,
  onChange,
  isAdmin,
  serviceAccounts,
  serviceAccountsLoading,
  onServiceAccountSearch,
  locked,
  disabled,
  autoFocus = true,
}: {
  values: TokenFormValues;
  errors: TokenFormErrors;
  onChange: (patch: Partial<TokenFormValues>) => void;
  isAdmin: boolean;
  serviceAccounts: UserListing[] | undefined;
  serviceAccountsLoading?: boolean;
  /** The text typed in the Service User picker (not a picked option's label), to search on the server. */
  onServiceAccountSearch?: (text: string) => void;
  locked?: { id: number; name: string; user_id: string };
  disabled?: boolean;
  autoFocus?: boolean;
}) {
  const typeOptions = isAdmin || locked ? ['Personal', 'Service'] : ['Personal'];
  const accountOptions = locked
    ? [{ value: String(locked.id), label: `${locked.name} (${locked.user_id})` }]
    : (serviceAccounts ?? []).map((a) => ({ value: String(a.id), label: `${a.name} (${a.user_id})` }));
  const [accountSearch, setAccountSearch] = useState('');
  const searching = accountSearch !== '' && !accountOptions.some((o) => o.label === accountSearch);
  const noAccounts = !locked && !serviceAccountsLoading && !searching && serviceAccounts?.length === 0;
  // Only the lifetimes the policy allows for this type (SPEC §9); unknown policy = every choice.
  const lifetimes = useTokenLifetimes();
  const maxDays = lifetimes.data?.[locked ? 'Service' : values.type] ?? null;
  const allowed = EXPIRATION_CHOICES.filter((c) => (c.days === null ? maxDays === null : maxDays === null || c.days <= maxDays)).map(({ value, label }) => ({ value, label }));
  const choices = allowed.length > 0 || maxDays === null ? allowed : [{ value: String(maxDays), label: `${maxDays} days` }];
  useEffect(() => {
    if (choices.length > 0 && !choices.some((c) => c.value === values.expiration)) onChange({ expiration: choices[0]!.value });
  }, [choices, values.expiration, onChange]);
  const idlePolicyDays = lifetimes.data?.idle_revoke_days?.[locked ? 'Service' : values.type] ?? null;
  const idleChoices = idleChoicesFor(idlePolicyDays);
  // A type change (or a stricter policy) may leave a choice the policy no longer allows.
  useEffect(() => {
    if (!idleChoices.some((c) => c.value === values.idleDays)) onChange({ idleDays: '' });
  }, [idleChoices, values.idleDays, onChange]);

  return (
    <Stack gap="md">
      <TextInput
        label="Name"
        placeholder="e.g. svc-token-prod"
        description="A descriptive name, unique among this user's tokens."
        required
        data-autofocus={autoFocus || undefined}
        maxLength={100}
        value={values.name}
        onChange={(e) => onChange({ name: e.currentTarget.value })}
        error={errors.name}
        disabled={disabled}
        autoComplete="off"
      />
      <Select
        label="Type"
        required
        data={typeOptions}
        value={locked ? 'Service' : values.type}
        onChange={(v) =>
          onChange({ type: v === 'Service' ? 'Service' : 'Personal', serviceUserId: null })
        }
        allowDeselect={false}
        readOnly={Boolean(locked) || typeOptions.length === 1}
        description={
          locked
            ? undefined
            : isAdmin
              ? 'Personal tokens act as you; Service tokens act as a service account.'
              : 'Personal tokens act as you, with your role and teams.'
        }
        error={errors.type}
        disabled={disabled}
        withCheckIcon={false}
      />
      {locked || values.type === 'Service' ? (
        <Select
          label="Service User"
          required
          searchable={!locked}
          placeholder={serviceAccountsLoading ? 'Loading service accounts…' : 'Select a service account'}
          data={accountOptions}
          value={locked ? String(locked.id) : values.serviceUserId}
          onChange={(v) => onChange({ serviceUserId: v })}
          onSearchChange={(text) => {
            setAccountSearch(text);
            if (!accountOptions.some((o) => o.label === text)) onServiceAccountSearch?.(text.trim());
          }}
          readOnly={Boolean(locked)}
          nothingFoundMessage="No service account matches"
          error={errors.serviceUserId}
          disabled={disabled}
          description={
            noAccounts ? (
              <>
                No service accounts yet.{' '}
                <Anchor component={Link} to="/settings/security" size="xs">
                  Create one in Security
                </Anchor>
                .
              </>
            ) : undefined
          }
        />
      ) : null}
      <Select
        label="Expiration"
        required
        data={choices}
        value={values.expiration}
        onChange={(v) => onChange({ expiration: v ?? '30' })}
        allowDeselect={false}
        description={`${expirationHint(values.expiration)}${maxDays !== null ? ` Policy: at most ${maxDays} days.` : ''}`}
        error={errors.expiration}
        disabled={disabled}
      />
      {isAdmin ? (
        <Checkbox
          label="SCIM Administration Token"
          description="Restricts the token to the SCIM provisioning endpoints (/api/scim/v2) for your identity provider; it cannot call any other API."
          checked={values.scim}
          onChange={(e) => onChange({ scim: e.currentTarget.checked })}
          error={errors.scim}
          disabled={disabled}
        />
      ) : null}
      {values.scim ? (
        <Text size="xs" c="dimmed">
          Paste the token into your identity provider's SCIM settings with the base URL{' '}
          <Text span ff="monospace" size="xs">
            {`${window.location.origin}/api/scim/v2`}
          </Text>
          .
        </Text>
      ) : null}
      <RestrictionFields values={values} errors={errors} onChange={onChange} disabled={disabled} idleChoices={idleChoices} />
    </Stack>
  );
}

/**
 * "Restrict this token" (SPEC §11): scopes and an IP allowlist, collapsed under the seed's five
 * fields so that the common case stays as the seed page has it. Opens by itself when the server
 * refuses one of its fields.
 */
function RestrictionFields({
  values,
  errors,
  onChange,
  disabled,
  idleChoices,
}: {
  values: TokenFormValues;
  errors: TokenFormErrors;
  onChange: (patch: Partial<TokenFormValues>) => void;
  disabled?: boolean;
  idleChoices: Array<{ value: string; label: string }>;
}) {
  const [toggled, setToggled] = useState(false);
  const panelId = useId();
  const open = toggled || Boolean(errors.scopes || errors.allowedIps || errors.idleDays);
  const chosen = values.scopes.length + (values.allowedIps.trim() ? 1 : 0) + (values.idleDays ? 1 : 0);
  return (
    <Stack gap="xs">
      <Button
        variant="subtle"
        size="compact-sm"
        justify="flex-start"
        px={0}
        leftSection={open ? <IconChevronDown size={16} /> : <IconChevronRight size={16} />}
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => setToggled(!open)}
        style={{ alignSelf: 'flex-start' }}
      >
        {chosen > 0 && !open ? 'Restrict this token (restricted)' : 'Restrict this token'}
      </Button>
      {open ? (
        <Stack gap="md" id={panelId} role="group" aria-label="Restrict this token">
          <Checkbox.Group
            label="Scopes"
            description="What the token may do, within its owner's role. None checked = everything the role allows; write includes read."
            value={values.scopes}
            onChange={(v) => onChange({ scopes: v as Scope[] })}
            error={errors.scopes}
          >
            {/* `read` on its own line, then each resource's read and write side by side. */}
            <Checkbox value="read" label={SCOPE_CHOICES[0]!.label} disabled={disabled} mt="xs" />
            <SimpleGrid cols={2} spacing="xs" mt="xs">
              {SCOPE_CHOICES.slice(1).map((s) => (
                <Checkbox key={s.value} value={s.value} label={s.label} disabled={disabled} />
              ))}
            </SimpleGrid>
          </Checkbox.Group>
          <Textarea
            label="Allowed IP addresses"
            description="IPv4 or IPv6 addresses or CIDR ranges, one per line (e.g. 203.0.113.0/24, 2001:db8::/32). Empty = from anywhere."
            placeholder={'10.0.0.0/8\n2001:db8::/32'}
            autosize
            minRows={2}
            value={values.allowedIps}
            onChange={(e) => onChange({ allowedIps: e.currentTarget.value })}
            error={errors.allowedIps}
            disabled={disabled}
            spellCheck={false}
            autoComplete="off"
          />
          <Select
            label="Revoke when unused for"
            description="Revoked automatically (reason idle) after this long without a request; its owners are warned 7 days before. It may be shorter than the policy, never longer."
            data={idleChoices}
            value={values.idleDays}
            onChange={(v) => onChange({ idleDays: v ?? '' })}
            allowDeselect={false}
            error={errors.idleDays}
            disabled={disabled}
          />
        </Stack>
      ) : null}
    </Stack>
  );
}
