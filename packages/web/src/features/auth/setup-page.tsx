import { Alert, Button, PasswordInput, Stack, TextInput } from '@mantine/core';
import { IconAlertCircle } from '@tabler/icons-react';
import { useEffect, useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { isApiError } from '../../api/client';
import { useSetup, useSetupStatus } from '../../api/hooks';
import { PageLoader } from '../../components/states';
import { AuthFrame } from './auth-frame';

type Field = 'email' | 'name' | 'password' | 'confirm';

export default function SetupPage() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const status = useSetupStatus();
  const setup = useSetup();
  const navigate = useNavigate();
  const [values, setValues] = useState({ email: '', name: '', password: '', confirm: '' });
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});

  useEffect(() => {
    document.title = 'Set up · Gatehouse';
  }, []);

  if (status.isPending) return <PageLoader />;

  if (status.data && !status.data.setup_required) {
    return (
      <AuthFrame title="Gatehouse is already set up" subtitle="An administrator exists.">
        <Button component={Link} to="/login" fullWidth>
          Go to log in
        </Button>
      </AuthFrame>
    );
  }

  const set = (k: Field) => (e: React.ChangeEvent<HTMLInputElement>) =>
    setValues((v) => ({ ...v, [k]: e.currentTarget.value }));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const err: Partial<Record<Field, string>> = {};
    if (!values.email.trim()) err.email = 'Enter an e-mail address';
    if (!values.name.trim()) err.name = 'Enter your name';
    if (values.password.length < 8) err.password = 'Use at least 8 characters';
    if (values.confirm !== values.password) err.confirm = 'The passwords do not match';
    setErrors(err);
    if (Object.keys(err).length > 0 || setup.isPending) return;
    setup.mutate(
      { setup_token: token, email: values.email.trim(), name: values.name.trim(), password: values.password },
      {
        onSuccess: () => void navigate('/settings', { replace: true }),
        onError: (error) => {
          if (isApiError(error) && error.field && error.field in values) {
            setErrors({ [error.field]: error.message });
          }
        },
      },
    );
  };

  const apiError = setup.error;
  const showBanner = apiError && !(isApiError(apiError) && apiError.field && apiError.field in values);

  return (
    <AuthFrame
      title="Create the first administrator"
      subtitle="This account will manage users, service accounts and tokens."
    >
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          {!token ? (
            <Alert color="yellow" variant="light" icon={<IconAlertCircle size={18} />}>
              This page needs the one-time setup link printed in the server log.
            </Alert>
          ) : null}
          {showBanner ? (
            <Alert color="red" variant="light" icon={<IconAlertCircle size={18} />} role="alert">
              {apiError.message}
            </Alert>
          ) : null}
          <TextInput label="Name" autoComplete="name" required autoFocus value={values.name} onChange={set('name')} error={errors.name} />
          <TextInput label="E-mail" type="email" autoComplete="username" required value={values.email} onChange={set('email')} error={errors.email} />
          <PasswordInput
            label="Password"
            autoComplete="new-password"
            required
            description="At least 8 characters."
            value={values.password}
            onChange={set('password')}
            error={errors.password}
          />
          <PasswordInput label="Confirm password" autoComplete="new-password" required value={values.confirm} onChange={set('confirm')} error={errors.confirm} />
          <Button type="submit" fullWidth loading={setup.isPending} disabled={!token}>
            Create administrator
          </Button>
        </Stack>
      </form>
    </AuthFrame>
  );
}
