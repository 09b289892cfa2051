import { Alert, Button, Group, Modal, Stack } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconAlertCircle } from '@tabler/icons-react';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { isApiError } from '../../api/client';
import { useCreateToken, useServiceAccounts } from '../../api/hooks';
import type { CreatedToken, UserListing } from '../../api/types';
import { expiresInDays } from '../../lib/token-status';
import {
  EMPTY_TOKEN_FORM,
  formFieldOf,
  restrictionsOf,
  TokenFormFields,
  validateTokenForm,
  type TokenFormErrors,
  type TokenFormValues,
} from './token-form';
import { TokenReveal } from './token-reveal';

/**
 * Generate Token (SPEC §5): the form, then the secret shown once. Closing after success leaves
 * the new row in the list (the list query is invalidated on success).
 */
export function GenerateTokenModal({
  opened,
  onClose,
  isAdmin,
  initialType = 'Personal',
}: {
  opened: boolean;
  onClose: () => void;
  isAdmin: boolean;
  initialType?: 'Personal' | 'Service';
}) {
  const [values, setValues] = useState<TokenFormValues>({ ...EMPTY_TOKEN_FORM, type: initialType });
  const [errors, setErrors] = useState<TokenFormErrors>({});
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const inFlight = useRef(false);
  const create = useCreateToken();
  const [accountSearch, setAccountSearch] = useState('');
  const [debouncedSearch] = useDebouncedValue(accountSearch, 250);
  const accounts = useServiceAccounts(opened && isAdmin, debouncedSearch);
  // The picked account stays an option while the search shows others.
  const [picked, setPicked] = useState<UserListing | null>(null);
  const accountOptions = picked && accounts.data && !accounts.data.some((a) => a.id === picked.id) ? [picked, ...accounts.data] : accounts.data;

  // Each opening starts from a clean form; the secret never outlives the modal.
  useEffect(() => {
    if (opened) {
      setValues({ ...EMPTY_TOKEN_FORM, type: isAdmin ? initialType : 'Personal' });
      setErrors({});
      setCreated(null);
      setPicked(null);
      setAccountSearch('');
      create.reset();
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [opened]);

  const patch = (p: Partial<TokenFormValues>) => {
    if (p.serviceUserId !== undefined) setPicked(accountOptions?.find((a) => String(a.id) === p.serviceUserId) ?? null);
    setValues((v) => ({ ...v, ...p }));
    setErrors((e) => {
      const next = { ...e };
      for (const k of Object.keys(p) as (keyof TokenFormValues)[]) delete next[k];
      return next;
    });
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (inFlight.current) return;
    const found = validateTokenForm(values);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    inFlight.current = true;
    create.mutate(
      {
        name: values.name.trim(),
        ...(values.type === 'Service' && values.serviceUserId
          ? { user_id: Number(values.serviceUserId) }
          : {}),
        expires_in_days: expiresInDays(values.expiration),
        ...(isAdmin ? { scim_endpoints_only: values.scim } : {}),
        ...restrictionsOf(values),
      },
      {
        onSuccess: (token) => setCreated(token),
        onError: (error) => {
          const field = isApiError(error) ? formFieldOf(error.field) : null;
          if (field) setErrors({ [field]: error.message });
        },
        onSettled: () => {
          inFlight.current = false;
        },
      },
    );
  };

  const err = create.error;
  const bannerError = err && !(isApiError(err) && formFieldOf(err.field)) ? err.message : null;

  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title="Generate Token"
      size="lg"
      closeOnClickOutside={!created && !create.isPending}
      centered
    >
      {created ? (
        <Stack gap="lg">
          <TokenReveal token={created} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Done
            </Button>
          </Group>
        </Stack>
      ) : (
        <form onSubmit={submit} noValidate aria-label="Generate Token">
          <Stack gap="lg">
            {bannerError ? (
              <Alert color="red" variant="light" icon={<IconAlertCircle size={18} />} role="alert">
                {bannerError}
              </Alert>
            ) : null}
            <TokenFormFields
              values={values}
              errors={errors}
              onChange={patch}
              isAdmin={isAdmin}
              serviceAccounts={accountOptions}
              onServiceAccountSearch={setAccountSearch}
              serviceAccountsLoading={accounts.isPending && isAdmin}
              disabled={create.isPending}
            />
            <Group justify="flex-end" gap="sm">
              <Button variant="default" onClick={onClose} disabled={create.isPending}>
                Cancel
              </Button>
              <Button type="submit" loading={create.isPending} disabled={create.isPending}>
                Generate
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
