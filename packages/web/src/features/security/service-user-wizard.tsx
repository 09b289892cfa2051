import { Alert, Button, Group, Modal, MultiSelect, Select, Stack, Stepper, Text, TextInput } from '@mantine/core';
import { IconAlertCircle, IconCircleCheck } from '@tabler/icons-react';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { isApiError } from '../../api/client';
import { useAllTeamNames, useCreateToken, useCreateUser } from '../../api/hooks';
import { ROLES, type CreatedToken, type Role, type User } from '../../api/types';
import { serviceUserId } from '../../lib/slug';
import { expiresInDays } from '../../lib/token-status';
import {
  EMPTY_TOKEN_FORM,
  formFieldOf,
  restrictionsOf,
  TokenFormFields,
  validateTokenForm,
  type TokenFormErrors,
  type TokenFormValues,
} from '../tokens/token-form';
import { TokenReveal } from '../tokens/token-reveal';
import { OwnersField } from './owners-field';

interface AccountValues {
  name: string;
  role: Role;
  teams: string[];
  /** People told about its tokens; empty = you, who create it. */
  owners: number[];
}

/**
 * Add → Service User (SPEC §5): step 1 creates the account {Name, Role, Teams}, step 2 its first
 * token with Type and Service User fixed, then Finish shows the token once.
 */
export function ServiceUserWizard({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const [step, setStep] = useState(0);
  const [account, setAccount] = useState<AccountValues>({ name: '', role: 'Member', teams: [], owners: [] });
  const [accountErrors, setAccountErrors] = useState<Partial<Record<keyof AccountValues, string>>>({});
  const [created, setCreated] = useState<User | null>(null);
  const [tokenValues, setTokenValues] = useState<TokenFormValues>({ ...EMPTY_TOKEN_FORM, type: 'Service' });
  const [tokenErrors, setTokenErrors] = useState<TokenFormErrors>({});
  const [token, setToken] = useState<CreatedToken | null>(null);
  const busy = useRef(false);
  const teams = useAllTeamNames(opened);
  const createUser = useCreateUser();
  const createToken = useCreateToken();

  useEffect(() => {
    if (!opened) return;
    setStep(0);
    setAccount({ name: '', role: 'Member', teams: [], owners: [] });
    setAccountErrors({});
    setCreated(null);
    setTokenValues({ ...EMPTY_TOKEN_FORM, type: 'Service' });
    setTokenErrors({});
    setToken(null);
    createUser.reset();
    createToken.reset();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [opened]);

  const submitAccount = (e: FormEvent) => {
    e.preventDefault();
    if (busy.current) return;
    const errs: typeof accountErrors = {};
    if (!account.name.trim()) errs.name = 'Enter a name for the service account';
    else if (!serviceUserId(account.name)) errs.name = 'Use at least one letter or digit';
    setAccountErrors(errs);
    if (Object.keys(errs).length) return;
    busy.current = true;
    createUser.mutate(
      { name: account.name.trim(), role: account.role, teams: account.teams, ...(account.owners.length ? { owner_ids: account.owners } : {}) },
      {
        onSuccess: (user) => {
          setCreated(user);
          setStep(1);
        },
        onError: (error) => {
          if (isApiError(error) && (error.field === 'name' || error.field === 'role' || error.field === 'teams')) {
            setAccountErrors({ [error.field]: error.message });
          } else if (isApiError(error) && error.field?.startsWith('owner_ids')) {
            setAccountErrors({ owners: error.message });
          }
        },
        onSettled: () => {
          busy.current = false;
        },
      },
    );
  };

  const submitToken = (e: FormEvent) => {
    e.preventDefault();
    if (busy.current || !created) return;
    const errs = validateTokenForm({ ...tokenValues, serviceUserId: String(created.id) });
    setTokenErrors(errs);
    if (Object.keys(errs).length) return;
    busy.current = true;
    createToken.mutate(
      {
        name: tokenValues.name.trim(),
        user_id: created.id,
        expires_in_days: expiresInDays(tokenValues.expiration),
        scim_endpoints_only: tokenValues.scim,
        ...restrictionsOf(tokenValues),
      },
      {
        onSuccess: (t) => {
          setToken(t);
          setStep(2);
        },
        onError: (error) => {
          const field = isApiError(error) ? formFieldOf(error.field) : null;
          if (field) setTokenErrors({ [field]: error.message });
        },
        onSettled: () => {
          busy.current = false;
        },
      },
    );
  };

  const userBanner =
    createUser.error &&
    !(isApiError(createUser.error) && (['name', 'role', 'teams'].includes(createUser.error.field ?? '') || createUser.error.field?.startsWith('owner_ids')))
      ? createUser.error.message
      : null;
  const tokenBanner =
    createToken.error && !(isApiError(createToken.error) && formFieldOf(createToken.error.field))
      ? createToken.error.message
      : null;
  const preview = serviceUserId(account.name);
  const teamOptions = (teams.data ?? []).filter((t) => t !== 'Public');

  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title="Add Service User"
      size="lg"
      closeOnClickOutside={step === 0 && !createUser.isPending}
      centered
    >
      <Stepper active={step} size="sm" mb="xl" allowNextStepsSelect={false}>
        <Stepper.Step label="Service user" description="Name, role, teams" />
        <Stepper.Step label="Token" description="Its first API token" />
        <Stepper.Completed>{null}</Stepper.Completed>
      </Stepper>

      {step === 0 ? (
        <form onSubmit={submitAccount} noValidate aria-label="Service user">
          <Stack gap="md">
            {userBanner ? (
              <Alert color="red" variant="light" icon={<IconAlertCircle size={18} />} role="alert">
                {userBanner}
              </Alert>
            ) : null}
            <TextInput
              label="Name"
              placeholder="e.g. Pipeline Automation"
              required
              data-autofocus
              value={account.name}
              onChange={(e) => {
                const name = e.currentTarget.value;
                setAccount((a) => ({ ...a, name }));
                setAccountErrors((x) => ({ ...x, name: undefined }));
              }}
              error={accountErrors.name}
              description={preview ? `User ID: ${preview}` : 'The user ID is derived from the name.'}
              disabled={createUser.isPending}
              autoComplete="off"
            />
            <Select
              label="Role"
              required
              data={[...ROLES]}
              value={account.role}
              onChange={(v) => v && setAccount((a) => ({ ...a, role: v as Role }))}
              allowDeselect={false}
              description="What the account's tokens may do. Grant the least that works."
              error={accountErrors.role}
              disabled={createUser.isPending}
            />
            <MultiSelect
              label="Teams"
              placeholder={teamOptions.length ? 'Select teams' : 'No other teams yet'}
              data={teamOptions}
              value={account.teams}
              onChange={(v) => setAccount((a) => ({ ...a, teams: v }))}
              searchable
              clearable
              description="Every account is also in the Public team."
              error={accountErrors.teams}
              disabled={createUser.isPending}
              nothingFoundMessage="No team matches"
            />
            <OwnersField
              value={account.owners}
              onChange={(owners) => {
                setAccount((a) => ({ ...a, owners }));
                setAccountErrors((x) => ({ ...x, owners: undefined }));
              }}
              enabled={opened}
              error={accountErrors.owners}
              disabled={createUser.isPending}
              description="People told about its tokens: expiry reminders, idle warnings, handovers. None = you."
            />
            <Group justify="flex-end" gap="sm" mt="sm">
              <Button variant="default" onClick={onClose} disabled={createUser.isPending}>
                Cancel
              </Button>
              <Button type="submit" loading={createUser.isPending}>
                Next
              </Button>
            </Group>
          </Stack>
        </form>
      ) : null}

      {step === 1 && created ? (
        <form onSubmit={submitToken} noValidate aria-label="Token">
          <Stack gap="md">
            <Alert color="green" variant="light" icon={<IconCircleCheck size={18} />}>
              Service account <b>{created.name}</b> ({created.user_id}) created. Now generate its
              first token.
            </Alert>
            {tokenBanner ? (
              <Alert color="red" variant="light" icon={<IconAlertCircle size={18} />} role="alert">
                {tokenBanner}
              </Alert>
            ) : null}
            <TokenFormFields
              values={tokenValues}
              errors={tokenErrors}
              onChange={(p) => {
                setTokenValues((v) => ({ ...v, ...p }));
                setTokenErrors({});
              }}
              isAdmin
              serviceAccounts={undefined}
              locked={{ id: created.id, name: created.name, user_id: created.user_id }}
              disabled={createToken.isPending}
            />
            <Group justify="space-between" gap="sm" mt="sm">
              <Text size="xs" c="dimmed">
                You can also generate tokens later in the Tokens tab.
              </Text>
              <Group gap="sm">
                <Button variant="default" onClick={onClose} disabled={createToken.isPending}>
                  Skip
                </Button>
                <Button type="submit" loading={createToken.isPending}>
                  Finish
                </Button>
              </Group>
            </Group>
          </Stack>
        </form>
      ) : null}

      {step === 2 && token ? (
        <Stack gap="lg">
          <TokenReveal token={token} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Done
            </Button>
          </Group>
        </Stack>
      ) : null}
    </Modal>
  );
}
