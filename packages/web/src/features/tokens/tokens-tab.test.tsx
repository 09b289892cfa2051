import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { Token } from '../../api/types';
import { me, personalTokens, serviceTokens } from '../../test/fixtures';
import { mockFetch, renderWithApp, type MockRoute } from '../../test/render';
import { RequireAuth } from '../auth/require-auth';
import TokensTab from './tokens-tab';

function setup(role: 'Admin' | 'Member', routes: MockRoute[] = [], own = personalTokens, service = serviceTokens) {
  const api = mockFetch([
    { path: '/api/users/me', body: me(role) },
    { path: '/api/user-tokens', body: own },
    { path: '/api/user-tokens/service', body: service },
    { path: '/api/users/listing?type=Service', body: [] },
    ...routes,
  ]);
  const user = userEvent.setup();
  renderWithApp(
    <RequireAuth>
      <TokensTab />
    </RequireAuth>,
  );
  return { api, user };
}

const row = (name: string) => {
  const cell = screen.getByText(name, { selector: 'p' });
  const tr = cell.closest('tr');
  if (!tr) throw new Error(`no row for ${name}`);
  return tr;
};

describe('Tokens tab', () => {
  it('lists own and service tokens with the spec columns and statuses', async () => {
    setup('Admin');
    const table = await screen.findByRole('table', { name: 'Tokens' });
    const headers = within(table).getAllByRole('columnheader').map((h) => h.textContent);
    expect(headers).toEqual(['Name', 'Type', 'User', 'Status', 'Expiration', 'Last used', 'Created', 'Actions']);
    expect(within(row('laptop-cli')).getByText('Active')).toBeTruthy();
    expect(within(row('laptop-cli')).getByText('3 minutes ago')).toBeTruthy();
    expect(within(row('old-script')).getByText('Revoked')).toBeTruthy();
    expect(within(row('old-script')).getByText('Not used')).toBeTruthy();
    expect(within(row('expired-ci')).getByText('Expired')).toBeTruthy();
    expect(within(row('svc-token-prod')).getByText('Never')).toBeTruthy();
    expect(within(row('svc-token-prod')).getByText('Service')).toBeTruthy();
    expect(within(row('svc-token-prod')).getByText('pipeline_automation@service')).toBeTruthy();
    // Colours: green, orange, grey (Mantine's light variant keeps the colour in a CSS variable).
    const badgeColor = (name: string, label: string) =>
      within(row(name)).getByText(label).closest('.mantine-Badge-root')?.getAttribute('style') ?? '';
    expect(badgeColor('laptop-cli', 'Active')).toContain('green');
    expect(badgeColor('old-script', 'Revoked')).toContain('orange');
    expect(badgeColor('expired-ci', 'Expired')).toContain('gray');
  });

  it('filters All / Personal / Service tokens', async () => {
    const { user } = setup('Admin');
    await screen.findByRole('table', { name: 'Tokens' });
    expect(screen.getAllByRole('row')).toHaveLength(1 + 5);
    await user.click(screen.getByRole('radio', { name: 'Service tokens' }));
    expect(screen.getAllByRole('row')).toHaveLength(1 + 2);
    expect(screen.queryByText('laptop-cli')).toBeNull();
    await user.click(screen.getByRole('radio', { name: 'Personal tokens' }));
    expect(screen.getAllByRole('row')).toHaveLength(1 + 3);
    expect(screen.queryByText('svc-token-prod')).toBeNull();
  });

  it('does not show or fetch service tokens for a Member', async () => {
    const { api } = setup('Member');
    await screen.findByRole('table', { name: 'Tokens' });
    expect(screen.queryByRole('radio', { name: 'Service tokens' })).toBeNull();
    expect(api.calls.some((c) => c.url.includes('/user-tokens/service'))).toBe(false);
    expect(screen.queryByText('svc-token-prod')).toBeNull();
  });

  it('revokes a personal token after a confirmation that says what it is used for, with the "User token" toast', async () => {
    const { user, api } = setup('Admin', [
      { method: 'PUT', path: '/api/user-tokens/1', body: { ...personalTokens[0], active: false } },
      {
        path: '/api/user-tokens/1/blast-radius',
        body: { days: 7, tokens: 1, requests: 1204, clients: [], last_used: null, text: 'used 1,204 times by 2 clients in the last 7 days: 10.0.0.5 python-requests/2.32, 10.0.0.9 qualytics-cli/1.0.4' },
      },
    ]);
    await screen.findByRole('table', { name: 'Tokens' });
    await user.click(screen.getByRole('button', { name: 'Actions for token laptop-cli' }));
    await user.click(await screen.findByRole('menuitem', { name: 'Revoke' }));
    const dialog = await screen.findByRole('dialog', { name: 'Revoke Token' });
    expect(await within(dialog).findByText('Used 1,204 times by 2 clients in the last 7 days: 10.0.0.5 python-requests/2.32, 10.0.0.9 qualytics-cli/1.0.4.')).toBeTruthy();
    expect(api.calls.some((c) => c.method === 'PUT')).toBe(false);
    await user.click(within(dialog).getByRole('button', { name: 'Revoke' }));
    expect(await screen.findByText('User token successfully revoked')).toBeTruthy();
    expect(api.calls.find((c) => c.method === 'PUT')?.body).toEqual({ revoke: true });
  });

  it('restores a service token with the "Service token" toast', async () => {
    const { user, api } = setup('Admin', [
      { method: 'PUT', path: '/api/user-tokens/11', body: { ...serviceTokens[1], active: true } },
    ]);
    await screen.findByRole('table', { name: 'Tokens' });
    await user.click(screen.getByRole('button', { name: 'Actions for token svc-token-old' }));
    await user.click(await screen.findByRole('menuitem', { name: 'Restore' }));
    expect(await screen.findByText('Service token successfully restored')).toBeTruthy();
    expect(api.calls.find((c) => c.method === 'PUT')?.body).toEqual({ revoke: false });
  });

  it('offers Delete only for revoked tokens', async () => {
    const { user } = setup('Admin');
    await screen.findByRole('table', { name: 'Tokens' });
    await user.click(screen.getByRole('button', { name: 'Actions for token laptop-cli' }));
    const del = await screen.findByRole('menuitem', { name: /Delete/ });
    expect(del.hasAttribute('disabled') || del.getAttribute('data-disabled') === 'true').toBe(true);
    expect(screen.queryByRole('menuitem', { name: 'Restore' })).toBeNull();
  });

  it('deletes a revoked token after the "Delete Token" confirmation', async () => {
    let remaining: Token[] = personalTokens;
    const { user, api } = setup('Admin', [
      { path: '/api/user-tokens', body: () => remaining },
      {
        method: 'DELETE',
        path: '/api/user-tokens/2',
        status: 204,
        body: () => {
          remaining = personalTokens.filter((t) => t.id !== 2);
          return undefined;
        },
      },
    ]);
    await screen.findByRole('table', { name: 'Tokens' });
    await user.click(screen.getByRole('button', { name: 'Actions for token old-script' }));
    await user.click(await screen.findByRole('menuitem', { name: 'Delete' }));
    const dialog = await screen.findByRole('dialog', { name: 'Delete Token' });
    expect(within(dialog).getByText('old-script')).toBeTruthy();
    expect(api.calls.some((c) => c.method === 'DELETE')).toBe(false);
    await user.click(within(dialog).getByRole('button', { name: 'Delete' }));
    expect(await screen.findByText('User token successfully deleted')).toBeTruthy();
    await waitFor(() => expect(screen.queryByText('old-script')).toBeNull());
    expect(api.calls.filter((c) => c.method === 'DELETE').map((c) => c.url)).toEqual(['/api/user-tokens/2']);
  });

  it('shows the API error in a toast when an action fails', async () => {
    const { user } = setup('Admin', [
      {
        method: 'PUT',
        path: '/api/user-tokens/1',
        status: 403,
        body: { detail: 'Not allowed to change this token', code: 'FORBIDDEN' },
      },
    ]);
    await screen.findByRole('table', { name: 'Tokens' });
    await user.click(screen.getByRole('button', { name: 'Actions for token laptop-cli' }));
    await user.click(await screen.findByRole('menuitem', { name: 'Revoke' }));
    const dialog = await screen.findByRole('dialog', { name: 'Revoke Token' });
    await user.click(within(dialog).getByRole('button', { name: 'Revoke' }));
    expect(await screen.findByText('Not allowed to change this token')).toBeTruthy();
  });

  it('shows an empty state with a call to action when there are no tokens', async () => {
    const { user } = setup('Member', [], []);
    expect(await screen.findByText('No tokens yet')).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Generate your first token' }));
    expect(await screen.findByRole('dialog', { name: 'Generate Token' })).toBeTruthy();
  });

  it('shows a clear message on 403 instead of a blank page', async () => {
    setup('Admin', [
      { path: '/api/user-tokens/service', status: 403, body: { detail: 'Admins only', code: 'FORBIDDEN' } },
    ]);
    expect(await screen.findByText("You don't have access to this")).toBeTruthy();
    expect(screen.getByText('Admins only')).toBeTruthy();
  });
});
