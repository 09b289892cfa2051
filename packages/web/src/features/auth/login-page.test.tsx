import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { me } from '../../test/fixtures';
import { mockFetch, renderWithApp } from '../../test/render';
import { safeNext } from './auth-frame';
import LoginPage from './login-page';

const anonymous = [
  { path: '/api/users/me', status: 401, body: { detail: 'Authentication required', code: 'UNAUTHENTICATED' } },
  { path: '/api/auth/setup', body: { setup_required: false } },
];

describe('LoginPage', () => {
  it('says "Incorrect e-mail or password." on INVALID_CREDENTIALS', async () => {
    mockFetch([
      ...anonymous,
      { method: 'POST', path: '/api/auth/login', status: 401, body: { detail: 'Invalid credentials', code: 'INVALID_CREDENTIALS' } },
    ]);
    const user = userEvent.setup();
    renderWithApp(<LoginPage />, { route: '/login' });
    await user.type(await screen.findByRole('textbox', { name: 'E-mail' }), 'ada@example.com');
    await user.type(screen.getByLabelText('Password', { selector: 'input' }), 'wrong{Enter}');
    expect((await screen.findByRole('alert')).textContent).toBe('Incorrect e-mail or password.');
  });

  it('asks for missing fields without calling the API', async () => {
    const api = mockFetch(anonymous);
    const user = userEvent.setup();
    renderWithApp(<LoginPage />, { route: '/login' });
    await user.click(await screen.findByRole('button', { name: 'Log in' }));
    expect(screen.getByText('Enter your e-mail address')).toBeTruthy();
    expect(screen.getByText('Enter your password')).toBeTruthy();
    expect(api.calls.some((c) => c.method === 'POST')).toBe(false);
  });

  it('continues to a server page (the CLI confirmation) with a full navigation', async () => {
    let loggedIn = false;
    mockFetch([
      { path: '/api/users/me', status: 401, body: { detail: 'no', code: 'UNAUTHENTICATED' } },
      { path: '/api/auth/setup', body: { setup_required: false } },
      { method: 'POST', path: '/api/auth/login', body: () => ((loggedIn = true), { user: me('Admin') }) },
    ]);
    const assign = vi.fn();
    vi.stubGlobal('location', { ...window.location, assign, replace: vi.fn() });
    const user = userEvent.setup();
    const next = '/api/cli/authorize?redirect_uri=http://127.0.0.1:9/callback&state=s&hostname=h';
    renderWithApp(<LoginPage />, { route: `/login?next=${encodeURIComponent(next)}` });
    await user.type(await screen.findByRole('textbox', { name: 'E-mail' }), 'ada@example.com');
    await user.type(screen.getByLabelText('Password', { selector: 'input' }), 'pw{Enter}');
    await vi.waitFor(() => expect(assign).toHaveBeenCalledWith(next));
    expect(loggedIn).toBe(true);
  });

  it('offers "Sign in with <name>" when single sign-on is set up, keeping `next`', async () => {
    mockFetch([...anonymous, { path: '/api/auth/config', body: { password_login: 'on', sso: { name: 'Okta' } } }]);
    renderWithApp(<LoginPage />, { route: `/login?next=${encodeURIComponent('/settings/tokens')}` });
    const link = await screen.findByRole('link', { name: 'Sign in with Okta' });
    expect(link.getAttribute('href')).toBe('/api/auth/oidc/login?next=%2Fsettings%2Ftokens');
    expect(screen.getByRole('textbox', { name: 'E-mail' })).toBeTruthy();
  });

  it('password login off: only the single sign-on button', async () => {
    mockFetch([...anonymous, { path: '/api/auth/config', body: { password_login: 'off', sso: { name: 'Entra ID' } } }]);
    renderWithApp(<LoginPage />, { route: '/login' });
    await screen.findByRole('link', { name: 'Sign in with Entra ID' });
    expect(screen.queryByRole('textbox', { name: 'E-mail' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Log in' })).toBeNull();
  });

  it('words a refused single sign-on from its code, never from text in the URL', async () => {
    mockFetch([...anonymous, { path: '/api/auth/config', body: { password_login: 'on', sso: { name: 'Okta' } } }]);
    renderWithApp(<LoginPage />, { route: '/login?sso_error=deactivated' });
    expect((await screen.findByRole('alert')).textContent).toBe('Your Gatehouse account is deactivated. Ask your administrator.');
  });

  it('only follows same-origin paths after login', () => {
    expect(safeNext('/settings/tokens')).toBe('/settings/tokens');
    expect(safeNext('//evil.example/x')).toBe('/');
    expect(safeNext('https://evil.example')).toBe('/');
    expect(safeNext('/\\evil.example')).toBe('/');
    expect(safeNext(null)).toBe('/');
  });
});
