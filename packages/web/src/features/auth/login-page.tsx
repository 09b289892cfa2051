import { Alert, Anchor, Button, Divider, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { IconAlertCircle, IconInfoCircle, IconKey } from '@tabler/icons-react';
import { useEffect, useState, type FormEvent } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { isApiError } from '../../api/client';
import { useAuthConfig, useLogin, useMe, useSetupStatus } from '../../api/hooks';
import { PageLoader } from '../../components/states';
import { AuthFrame, isServerPath, safeNext } from './auth-frame';

/** What the login page says for each `sso_error` the server sends back (never text from the URL itself). */
export const SSO_ERRORS: Record<string, string> = {
  unknown_person: 'You signed in at your identity provider, but no Gatehouse account belongs to you. Ask your administrator for access.',
  deactivated: 'Your Gatehouse account is deactivated. Ask your administrator.',
  service_account: 'Service accounts cannot sign in: they use API tokens.',
  ambiguous: 'Your identity provider account matches more than one Gatehouse account, or one linked to someone else. Ask your administrator.',
  state_mismatch: 'The sign-in could not be verified (it did not start in this browser). Please try again.',
  flow_expired: 'The sign-in took too long or was started in another browser. Please try again.',
  idp_error: 'Your identity provider did not sign you in. Please try again, or ask your administrator.',
  idp_unreachable: 'The identity provider could not be reached. Please try again in a moment.',
  invalid_response: "The identity provider's answer could not be verified. Please try again, or ask your administrator.",
  not_configured: 'Single sign-on is not set up on this server.',
};

export default function LoginPage() {
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const expired = params.get('expired') === '1';
  const ssoError = params.get('sso_error');
  const authConfig = useAuthConfig();
  const sso = authConfig.data?.sso ?? null;
  const passwordLogin = authConfig.data?.password_login ?? 'on';
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
    ? ssoError
      ? (SSO_ERRORS[ssoError] ?? 'Single sign-on failed. Please try again.')
      : null
    : isApiError(error) && error.code === 'INVALID_CREDENTIALS'
      ? 'Incorrect e-mail or password.'
      : error.message;
  const ssoHref = `/api/auth/oidc/login${next !== '/' ? `?next=${encodeURIComponent(next)}` : ''}`;
  const showPassword = passwordLogin !== 'off' || !sso;

  return (
    <AuthFrame title="Log in" subtitle={sso ? 'Use your organisation account.' : 'Use your Gatehouse account.'}>
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
          {sso ? (
            // A real link: the identity provider's pages need a full navigation.
            <Button component="a" href={ssoHref} fullWidth leftSection={<IconKey size={18} />}>
              Sign in with {sso.name}
            </Button>
          ) : null}
          {sso && showPassword ? (
            <Divider label={passwordLogin === 'admins' ? 'or, administrators only, with a password' : 'or with a password'} labelPosition="center" />
          ) : null}
          {showPassword ? (
          <>
          <TextInput
            label="E-mail"
            type="email"
            autoComplete="username"
            required
            withAsterisk={false}
            autoFocus={!sso}
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
          <Button type="submit" fullWidth loading={login.isPending} mt="xs" variant={sso ? 'default' : 'filled'}>
            Log in
          </Button>
          </>
          ) : null}
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
