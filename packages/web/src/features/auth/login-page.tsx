import { Alert, Anchor, Button, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { IconAlertCircle, IconInfoCircle } from '@tabler/icons-react';
import { useEffect, useState, type FormEvent } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { isApiError } from '../../api/client';
import { useLogin, useMe, useSetupStatus } from '../../api/hooks';
import { PageLoader } from '../../components/states';
import { AuthFrame, isServerPath, safeNext } from './auth-frame';

export default function LoginPage() {
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const expired = params.get('expired') === '1';
  const me = useMe();
  const setup = useSetupStatus();
  const login = useLogin();
  const navigate = useNavigate();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [missing, setMissing] = useState<{ email?: string; password?: string }>({});

  useEffect(() => {
    document.title = 'Log in · Gatehouse';
  }, []);

  if (me.isSuccess) {
    if (isServerPath(next)) {
      window.location.replace(next);
      return <PageLoader label="Continuing" />;
    }
    return <Navigate to={next} replace />;
  }
  if (me.isPending) return <PageLoader />;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const m: typeof missing = {};
    if (!email.trim()) m.email = 'Enter your e-mail address';
    if (!password) m.password = 'Enter your password';
    setMissing(m);
    if (m.email || m.password || login.isPending) return;
    login.mutate(
      { email: email.trim(), password },
      {
        onSuccess: () => {
          // Server pages (the CLI's /api/cli/authorize confirmation) need a real navigation.
          if (isServerPath(next)) window.location.assign(next);
          else void navigate(next, { replace: true });
        },
      },
    );
  };

  const error = login.error;
  const errorText = !error
    ? null
    : isApiError(error) && error.code === 'INVALID_CREDENTIALS'
      ? 'Incorrect e-mail or password.'
      : error.message;

  return (
    <AuthFrame title="Log in" subtitle="Use your Gatehouse account.">
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          {setup.data?.setup_required ? (
            <Alert variant="light" color="brand" icon={<IconInfoCircle size={18} />} title="Finish setting up Gatehouse">
              No administrator exists yet. Open the one-time setup link printed in the server log
              (it looks like <Text span ff="monospace" size="xs">/setup?token=…</Text>) to create the first one.
            </Alert>
          ) : null}
          {expired && !error ? (
            <Alert variant="light" color="yellow" icon={<IconInfoCircle size={18} />}>
              Your session has ended. Please log in again.
            </Alert>
          ) : null}
          {errorText ? (
            <Alert variant="light" color="red" icon={<IconAlertCircle size={18} />} role="alert">
              {errorText}
            </Alert>
          ) : null}
          <TextInput
            label="E-mail"
            type="email"
            autoComplete="username"
            required
            withAsterisk={false}
            autoFocus
            value={email}
            onChange={(e) => setEmail(e.currentTarget.value)}
            error={missing.email}
          />
          <PasswordInput
            label="Password"
            autoComplete="current-password"
            required
            withAsterisk={false}
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
            error={missing.password}
          />
          <Button type="submit" fullWidth loading={login.isPending} mt="xs">
            Log in
          </Button>
          <Text size="xs" c="dimmed" ta="center">
            Service accounts cannot log in here: they use API tokens.{' '}
            <Anchor href="/api/docs" size="xs" underline="always">
              API documentation
            </Anchor>
          </Text>
        </Stack>
      </form>
    </AuthFrame>
  );
}
