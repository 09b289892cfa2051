import { Alert, Modal, MultiSelect, PasswordInput, Select, Stack, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconAlertCircle } from '@tabler/icons-react';
import { useEffect, useState, type FormEvent } from 'react';
import { isApiError } from '../../api/client';
import { useAllTeamNames, useCreateUser, useUpdateUser } from '../../api/hooks';
import { ROLES, type Role, type User } from '../../api/types';
import { FormActions } from '../../components/form-actions';
import { OwnersField, useOwners, useSetOwners } from './owners-field';

type Errors = Partial<Record<'name' | 'email' | 'role' | 'teams' | 'password' | 'owners', string>>;

function fieldError(error: unknown, fields: string[]): Errors | null {
  if (isApiError(error) && error.field && fields.includes(error.field)) {
    return { [error.field]: error.message };
  }
  return null;
}

/** Add → User: a human account (e-mail, name, role, teams, optional initial password). */
export function HumanUserModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const [v, setV] = useState({ email: '', name: '', role: 'Member' as Role, teams: [] as string[], password: '' });
  const [errors, setErrors] = useState<Errors>({});
  const teams = useAllTeamNames(opened);
  const create = useCreateUser();

  useEffect(() => {
    if (opened) {
      setV({ email: '', name: '', role: 'Member', teams: [], password: '' });
      setErrors({});
      create.reset();
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [opened]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (create.isPending) return;
    const errs: Errors = {};
    if (!v.email.trim()) errs.email = 'Enter an e-mail address';
    if (!v.name.trim()) errs.name = 'Enter a name';
    if (v.password && v.password.length < 8) errs.password = 'Use at least 8 characters';
    setErrors(errs);
    if (Object.keys(errs).length) return;
    create.mutate(
      {
        user_type: 'Human',
        email: v.email.trim(),
        name: v.name.trim(),
        role: v.role,
        teams: v.teams,
        ...(v.password ? { password: v.password } : {}),
      },
      {
        onSuccess: (u) => {
          notifications.show({ color: 'green', message: `${u.name} added` });
          onClose();
        },
        onError: (err) => {
          const f = fieldError(err, ['email', 'name', 'role', 'teams', 'password', 'user_id']);
          if (f) setErrors('user_id' in f ? { email: err.message } : f);
        },
      },
    );
  };

  const banner = create.error && !fieldError(create.error, ['email', 'name', 'role', 'teams', 'password', 'user_id']);
  const teamOptions = (teams.data ?? []).filter((t) => t !== 'Public');

  return (
    <Modal opened={opened} onClose={onClose} title="Add User" size="md" centered>
      <form onSubmit={submit} noValidate aria-label="Add User">
        <Stack gap="md">
          {banner ? (
            <Alert color="red" variant="light" icon={<IconAlertCircle size={18} />} role="alert">
              {create.error?.message}
            </Alert>
          ) : null}
          <TextInput label="E-mail" type="email" required data-autofocus value={v.email} onChange={(e) => { const x = e.currentTarget.value; setV((s) => ({ ...s, email: x })); }} error={errors.email} autoComplete="off" />
          <TextInput label="Name" required value={v.name} onChange={(e) => { const x = e.currentTarget.value; setV((s) => ({ ...s, name: x })); }} error={errors.name} autoComplete="off" />
          <Select label="Role" required data={[...ROLES]} value={v.role} onChange={(r) => r && setV((s) => ({ ...s, role: r as Role }))} allowDeselect={false} error={errors.role} />
          <MultiSelect label="Teams" data={teamOptions} value={v.teams} onChange={(t) => setV((s) => ({ ...s, teams: t }))} searchable clearable description="Everyone is also in the Public team." error={errors.teams} placeholder={teamOptions.length ? 'Select teams' : 'No other teams yet'} />
          <PasswordInput label="Initial password" description="Optional. Without one the person cannot log in with a password." value={v.password} onChange={(e) => { const x = e.currentTarget.value; setV((s) => ({ ...s, password: x })); }} error={errors.password} autoComplete="new-password" />
          <FormActions onCancel={onClose} submit="Add user" loading={create.isPending} />
        </Stack>
      </form>
    </Modal>
  );
}

/** Edit name, role and teams of a user or service account, and a service account's owners. */
export function EditUserModal({ user, onClose }: { user: User | null; onClose: () => void }) {
  const [v, setV] = useState({ name: '', role: 'Member' as Role, teams: [] as string[] });
  const [errors, setErrors] = useState<Errors>({});
  const teams = useAllTeamNames(user !== null);
  const update = useUpdateUser();
  const service = user?.user_type === 'Service';
  const owners = useOwners(service ? user.id : null);
  const setOwners = useSetOwners();
  // null until changed: the owners loaded are shown, and saved only when edited.
  const [ownerIds, setOwnerIds] = useState<number[] | null>(null);

  useEffect(() => {
    if (user) {
      setV({ name: user.name, role: user.role, teams: user.teams.filter((t) => t !== 'Public') });
      setErrors({});
      setOwnerIds(null);
      update.reset();
      setOwners.reset();
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [user]);

  const shownOwners = ownerIds ?? owners.data?.map((o) => o.id) ?? [];
  const ownersChanged = ownerIds !== null && JSON.stringify([...ownerIds].sort()) !== JSON.stringify((owners.data ?? []).map((o) => o.id).sort());

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!user || update.isPending) return;
    if (!v.name.trim()) {
      setErrors({ name: 'Enter a name' });
      return;
    }
    if (ownersChanged && ownerIds.length === 0) {
      setErrors({ owners: 'Choose at least one person' });
      return;
    }
    update.mutate(
      { id: user.id, name: v.name.trim(), role: v.role, teams: v.teams },
      {
        onSuccess: (u) => {
          if (!ownersChanged) {
            notifications.show({ color: 'green', message: `${u.name} updated` });
            onClose();
            return;
          }
          // The owners are their own resource (PUT /api/users/{id}/owners), saved after the account.
          setOwners.mutate(
            { id: u.id, ownerIds },
            {
              onSuccess: () => {
                notifications.show({ color: 'green', message: `${u.name} updated` });
                onClose();
              },
              onError: (err) => setErrors({ owners: err.message }),
            },
          );
        },
        onError: (err) => {
          const f = fieldError(err, ['name', 'role', 'teams']);
          if (f) setErrors(f);
        },
      },
    );
  };

  const banner = update.error && !fieldError(update.error, ['name', 'role', 'teams']);
  const teamOptions = [...new Set([...(teams.data ?? []), ...v.teams])].filter((t) => t !== 'Public');

  return (
    <Modal opened={user !== null} onClose={onClose} title={user ? `Edit ${user.name}` : 'Edit'} size="md" centered>
      <form onSubmit={submit} noValidate aria-label="Edit account">
        <Stack gap="md">
          {banner ? (
            <Alert color="red" variant="light" icon={<IconAlertCircle size={18} />} role="alert">
              {update.error?.message}
            </Alert>
          ) : null}
          <TextInput label="User ID" value={user?.user_id ?? ''} readOnly variant="filled" />
          <TextInput label="Name" required data-autofocus value={v.name} onChange={(e) => { const x = e.currentTarget.value; setV((s) => ({ ...s, name: x })); }} error={errors.name} />
          <Select label="Role" required data={[...ROLES]} value={v.role} onChange={(r) => r && setV((s) => ({ ...s, role: r as Role }))} allowDeselect={false} error={errors.role} />
          <MultiSelect label="Teams" data={teamOptions} value={v.teams} onChange={(t) => setV((s) => ({ ...s, teams: t }))} searchable clearable description="Every account is also in the Public team." error={errors.teams} />
          {service ? (
            <OwnersField
              value={shownOwners}
              known={owners.data ?? []}
              onChange={(ids) => {
                setOwnerIds(ids);
                setErrors((x) => ({ ...x, owners: undefined }));
              }}
              error={errors.owners}
              disabled={owners.isPending || setOwners.isPending}
              description="People told about its tokens: expiry reminders, idle warnings, handovers."
            />
          ) : null}
          <FormActions onCancel={onClose} submit="Save" loading={update.isPending || setOwners.isPending} />
        </Stack>
      </form>
    </Modal>
  );
}
