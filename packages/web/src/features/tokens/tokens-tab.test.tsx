import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { Token } from '../../api/types';
import { me, personalTokens, serviceTokens } from '../../test/fixtures';
import { mockFetch, renderWithApp, type MockRoute } from '../../test/render';
import { RequireAuth } from '../auth/require-auth';
import TokensTab from './tokens-tab';

/** The server's paged answer for these tokens: newest first, or by name when searching (a name prefix). */
function pageOf(url: string, tokens: Token[], more: { next?: string; prev?: string } = {}) {
  const q = new URL(url, 'http://ui').searchParams;
  const search = q.get('search')?.toLowerCase();
  const items = tokens
    .filter((t) => !search || t.name.toLowerCase().startsWith(search))
    .sort((a, b) => (search ? a.name.localeCompare(b.name) : b.created.localeCompare(a.created) || b.id - a.id));
  return { items, total: items.length, total_exact: true, page: 1, size: Number(q.get('size')), next_cursor: more.next ?? null, prev_cursor: more.prev ?? null };
}

/** The token lists as the server pages them: own (with every service token for include_service), service. */
const tokenRoutes = (own: Token[], service: Token[]): MockRoute[] => [
  { path: /^\/api\/user-tokens\?/, body: ({ url }: { url: string }) => pageOf(url, url.includes('include_service=true') ? [...own, ...service] : own) },
  { path: /^\/api\/user-tokens\/service\?/, body: ({ url }: { url: string }) => pageOf(url, service) },
];

function setup(role: 'Admin' | 'Member', routes: MockRoute[] = [], own = personalTokens, service = serviceTokens, route = '/') {
  const api = mockFetch([
    { path: '/api/users/me', body: me(role) },
    ...tokenRoutes(own, service),
    { path: /^\/api\/users\/listing\?type=Service&limit=50/, body: [] },
    ...routes,
  ]);
  const user = userEvent.setup();
  renderWithApp(
    <RequireAuth>
      <TokensTab />
    </RequireAuth>,
    { route },
  );
  return { api, user };
}

const tokenCalls = (api: ReturnType<typeof mockFetch>) => api.calls.filter((c) => c.url.startsWith('/api/user-tokens')).map((c) => c.url);

const row = (name: string) => {
  const cell = screen.getByText(name, { selector: 'p' });
  const tr = cell.closest('tr');
  if (!tr) throw new Error(`no row for ${name}`);
  return tr;
};

describe('Tokens tab', () => {
  it('marks narrowed tokens: Scoped and IP allowlist badges name what they allow; unrestricted tokens have neither', async () => {
    const narrowed: Token = { ...personalTokens[0]!, id: 901, name: 'narrowed', scopes: ['datastores:read', 'teams:read'], allowed_ips: ['10.0.0.0/8'] };
    setup('Member', [], [narrowed, ...personalTokens], []);
    await screen.findByRole('table', { name: 'Tokens' });
    expect(within(row('narrowed')).getByLabelText('Scoped: datastores:read, teams:read').textContent).toBe('Scoped');
    expect(within(row('narrowed')).getByLabelText('IP allowlist: 10.0.0.0/8').textContent).toBe('IP allowlist');
    expect(within(row('laptop-cli')).queryByText('Scoped')).toBeNull();
    expect(within(row('laptop-cli')).queryByText('IP allowlist')).toBeNull();
  });

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
    expect(api.calls.some((c) => c.url.includes('/user-tokens/service') || c.url.includes('include_service'))).toBe(false);
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
      { path: /^\/api\/user-tokens\?/, body: ({ url }: { url: string }) => pageOf(url, [...remaining, ...serviceTokens]) },
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
      { path: /include_service=true/, status: 403, body: { detail: 'Admins only', code: 'FORBIDDEN' } },
    ]);
    expect(await screen.findByText("You don't have access to this")).toBeTruthy();
    expect(screen.getByText('Admins only')).toBeTruthy();
  });

  it('pages on the server: 50 a page, newest first, with the count and cursors to move', async () => {
    const { api, user } = setup('Admin', [
      { path: /^\/api\/user-tokens\?(?!.*cursor)/, body: ({ url }: { url: string }) => ({ ...pageOf(url, personalTokens, { next: 'c2' }), total: 10_000, total_exact: false }) },
      { path: /cursor=c2/, body: ({ url }: { url: string }) => pageOf(url, serviceTokens, { prev: 'c1' }) },
    ]);
    await screen.findByRole('table', { name: 'Tokens' });
    expect(tokenCalls(api)).toEqual(['/api/user-tokens?size=50&include_service=true']);
    expect(screen.getByText('10,000+ tokens')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Previous page' }).hasAttribute('disabled')).toBe(true);
    await user.click(screen.getByRole('button', { name: 'Next page' }));
    expect(await screen.findByText('svc-token-prod')).toBeTruthy();
    expect(tokenCalls(api).at(-1)).toBe('/api/user-tokens?size=50&include_service=true&cursor=c2');
    expect(screen.getByRole('button', { name: 'Next page' }).hasAttribute('disabled')).toBe(true);
  });

  it('searches on the server once typing pauses, by name prefix in name order', async () => {
    const { api, user } = setup('Admin');
    await screen.findByRole('table', { name: 'Tokens' });
    await user.type(screen.getByRole('textbox', { name: 'Search tokens' }), 'svc');
    await waitFor(() => expect(screen.queryByText('laptop-cli')).toBeNull(), { timeout: 5000 });
    const searches = tokenCalls(api).filter((u) => u.includes('search='));
    expect(searches).toEqual(['/api/user-tokens?size=50&include_service=true&search=svc&sort=name']);
    expect(screen.getAllByRole('row')).toHaveLength(1 + 2);
  }, 15_000);

  it('reads the filter and the search from the URL (a reload or a shared link shows the same view)', async () => {
    const { api } = setup('Admin', [], personalTokens, serviceTokens, '/?filter=service&q=svc-token-p');
    await screen.findByRole('table', { name: 'Tokens' });
    expect(tokenCalls(api)).toEqual(['/api/user-tokens/service?size=50&search=svc-token-p&sort=name']);
    expect(screen.getByRole('radio', { name: 'Service tokens' })).toHaveProperty('checked', true);
    expect((screen.getByRole('textbox', { name: 'Search tokens' }) as HTMLInputElement).value).toBe('svc-token-p');
    expect(screen.getAllByRole('row')).toHaveLength(1 + 1);
  });
});
