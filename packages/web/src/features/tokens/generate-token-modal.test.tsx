import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import * as download from '../../lib/download';
import { JWT, pipeline, serviceUserRef, token } from '../../test/fixtures';
import { mockFetch, renderWithApp } from '../../test/render';
import { GenerateTokenModal } from './generate-token-modal';

function setup(isAdmin: boolean, extra: Parameters<typeof mockFetch>[0] = []) {
  const api = mockFetch([
    { path: /^\/api\/users\/listing\?type=Service&limit=50/, body: [pipeline] },
    ...extra,
  ]);
  const onClose = vi.fn();
  const user = userEvent.setup();
  renderWithApp(<GenerateTokenModal opened onClose={onClose} isAdmin={isAdmin} />);
  return { api, onClose, user };
}

const before = (a: Element, b: Element) =>
  Boolean(a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING);

async function chooseOption(user: ReturnType<typeof userEvent.setup>, label: string, option: string) {
  await user.click(screen.getByRole('combobox', { name: label }));
  await user.click(await screen.findByRole('option', { name: option }));
}

describe('GenerateTokenModal', () => {
  it('shows the fields in the seed order with 30 days as the default expiration', async () => {
    const { user } = setup(true);
    const dialog = screen.getByRole('dialog', { name: 'Generate Token' });
    const name = within(dialog).getByRole('textbox', { name: 'Name' });
    const type = within(dialog).getByRole('combobox', { name: 'Type' });
    await chooseOption(user, 'Type', 'Service');
    const serviceUser = within(dialog).getByRole('combobox', { name: 'Service User' });
    const expiration = within(dialog).getByRole('combobox', { name: 'Expiration' });
    const scim = within(dialog).getByRole('checkbox', { name: /SCIM Administration Token/ });
    expect(before(name, type)).toBe(true);
    expect(before(type, serviceUser)).toBe(true);
    expect(before(serviceUser, expiration)).toBe(true);
    expect(before(expiration, scim)).toBe(true);
    expect((expiration as HTMLInputElement).value).toBe('30 days');
    expect(screen.getByText(/Restricts the token to the SCIM provisioning endpoints/)).toBeTruthy();
  });

  it('offers only Personal and no SCIM checkbox to a non-admin, and never lists service accounts', () => {
    const { api } = setup(false);
    const type = screen.getByRole('combobox', { name: 'Type' }) as HTMLInputElement;
    expect(type.value).toBe('Personal');
    expect(type.readOnly).toBe(true);
    expect(screen.queryByRole('checkbox', { name: /SCIM/ })).toBeNull();
    expect(screen.queryByRole('textbox', { name: 'Service User' })).toBeNull();
    expect(api.calls.some((c) => c.url.includes('/users/listing'))).toBe(false);
  });

  it('shows inline errors for missing fields and sends nothing', async () => {
    const { user, api } = setup(true);
    await chooseOption(user, 'Type', 'Service');
    await user.click(screen.getByRole('button', { name: 'Generate' }));
    expect(screen.getByText('Enter a name for the token')).toBeTruthy();
    expect(screen.getByText('Select the service user')).toBeTruthy();
    expect(api.calls.filter((c) => c.method === 'POST')).toHaveLength(0);
  });

  it('generates a service token, shows it once with Copy and Download', async () => {
    const created = {
      ...token({ id: 42, name: 'svc-token-prod', type: 'Service', user: serviceUserRef }),
      bearer_token: JWT,
    };
    const { user, api } = setup(true, [{ method: 'POST', path: '/api/user-tokens', body: created }]);
    const writeText = vi.fn().mockResolvedValue(undefined);
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    const save = vi.spyOn(download, 'downloadText').mockImplementation(() => {});

    await user.type(screen.getByRole('textbox', { name: 'Name' }), 'svc-token-prod');
    await chooseOption(user, 'Type', 'Service');
    await chooseOption(user, 'Service User', 'Pipeline Automation (pipeline_automation@service)');
    await chooseOption(user, 'Expiration', '1 year');
    await user.click(screen.getByRole('checkbox', { name: /SCIM Administration Token/ }));
    await user.click(screen.getByRole('button', { name: 'Generate' }));

    const secret = (await screen.findByRole('textbox', { name: 'Token' })) as HTMLTextAreaElement;
    expect(secret.value).toBe(JWT);
    expect(secret.readOnly).toBe(true);
    expect(screen.getByText("Copy or download this token now")).toBeTruthy();
    expect(screen.getByText(/You won't be able to see it again/)).toBeTruthy();
    const post = api.calls.find((c) => c.method === 'POST');
    expect(post?.body).toEqual({
      name: 'svc-token-prod',
      user_id: 7,
      expires_in_days: 365,
      scim_endpoints_only: true,
    });

    await user.click(screen.getByRole('button', { name: 'Copy' }));
    expect(writeText).toHaveBeenCalledWith(JWT);
    expect(await screen.findByRole('button', { name: 'Copied' })).toBeTruthy();

    await user.click(screen.getByRole('button', { name: 'Download' }));
    expect(save).toHaveBeenCalledWith('svc-token-prod.txt', JWT);
  });

  it('sends a Personal token with "Never" as expires_in_days: null and no user_id', async () => {
    const created = { ...token({ id: 5, name: 'cli', expiration: null }), bearer_token: JWT };
    const { user, api } = setup(false, [{ method: 'POST', path: '/api/user-tokens', body: created }]);
    await user.type(screen.getByRole('textbox', { name: 'Name' }), 'cli');
    await chooseOption(user, 'Expiration', 'Never');
    await user.click(screen.getByRole('button', { name: 'Generate' }));
    await screen.findByRole('textbox', { name: 'Token' });
    expect(api.calls.find((c) => c.method === 'POST')?.body).toEqual({
      name: 'cli',
      expires_in_days: null,
    });
  });

  it('shows the duplicate-name conflict under the Name field', async () => {
    const { user } = setup(true, [
      {
        method: 'POST',
        path: '/api/user-tokens',
        status: 409,
        body: {
          detail: 'A token with this name already exists for this user',
          code: 'NAME_TAKEN',
          field: 'name',
          request_id: 'r1',
        },
      },
    ]);
    const name = screen.getByRole('textbox', { name: 'Name' });
    await user.type(name, 'laptop-cli');
    await user.click(screen.getByRole('button', { name: 'Generate' }));
    expect(await screen.findByText('A token with this name already exists for this user')).toBeTruthy();
    expect(name.getAttribute('aria-invalid')).toBe('true');
    expect(screen.queryByRole('textbox', { name: 'Token' })).toBeNull();
  });

  it('disables Generate while submitting and sends one request for a double submit', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const created = { ...token({ id: 6, name: 'ci' }), bearer_token: JWT };
    const { user, api } = setup(false, [
      { method: 'POST', path: '/api/user-tokens', body: created, gate },
    ]);
    await user.type(screen.getByRole('textbox', { name: 'Name' }), 'ci{Enter}');
    const button = screen.getByRole('button', { name: 'Generate' });
    await waitFor(() => expect((button as HTMLButtonElement).disabled).toBe(true));
    await user.click(button);
    await user.keyboard('{Enter}');
    release();
    await screen.findByRole('textbox', { name: 'Token' });
    expect(api.calls.filter((c) => c.method === 'POST')).toHaveLength(1);
  });

  it('shows an error without a field as a banner', async () => {
    const { user } = setup(false, [
      {
        method: 'POST',
        path: '/api/user-tokens',
        status: 403,
        body: { detail: 'Only Admins can create SCIM tokens', code: 'FORBIDDEN' },
      },
    ]);
    await user.type(screen.getByRole('textbox', { name: 'Name' }), 'x{Enter}');
    expect((await screen.findByRole('alert')).textContent).toContain('Only Admins can create SCIM tokens');
  });

  // Typing two addresses key by key takes a while on a busy machine.
  it('keeps "Restrict this token" collapsed after the seed\'s five fields, and sends the scopes and IPs chosen there', { timeout: 20_000 }, async () => {
    const created = { ...token({ id: 43, name: 'dashboards', scopes: ['read'], allowed_ips: ['10.0.0.0/8'] }), bearer_token: JWT };
    const { user, api } = setup(true, [{ method: 'POST', path: '/api/user-tokens', body: created }]);
    const toggle = screen.getByRole('button', { name: 'Restrict this token' });
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    expect(before(screen.getByRole('checkbox', { name: /SCIM Administration Token/ }), toggle)).toBe(true);
    expect(screen.queryByRole('checkbox', { name: /datastores:read/ })).toBeNull();

    await user.type(screen.getByRole('textbox', { name: 'Name' }), 'dashboards');
    await user.click(toggle);
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    await user.click(screen.getByRole('checkbox', { name: /^read/ }));
    await user.type(screen.getByRole('textbox', { name: 'Allowed IP addresses' }), '10.0.0.0/8{Enter}2001:db8::/32');
    await user.click(screen.getByRole('button', { name: 'Generate' }));
    await screen.findByText(JWT);
    expect(api.calls.find((c) => c.method === 'POST')?.body).toMatchObject({ name: 'dashboards', scopes: ['read'], allowed_ips: ['10.0.0.0/8', '2001:db8::/32'] });
    // The reveal says how the token is restricted.
    expect(screen.getByText('Scopes')).toBeTruthy();
    expect(screen.getByText('Allowed IPs')).toBeTruthy();
    expect(screen.getByText('10.0.0.0/8')).toBeTruthy();
  });

  it('sends no restriction when none is chosen, and shows the server\'s refusal of an address under its field', async () => {
    const { user, api } = setup(false, [{
      method: 'POST', path: '/api/user-tokens', status: 422,
      body: { detail: 'allowed_ips: "10.0.0.0/33" is not an IPv4 or IPv6 CIDR', code: 'INVALID_INPUT', field: 'allowed_ips' },
    }]);
    await user.type(screen.getByRole('textbox', { name: 'Name' }), 'plain');
    await user.click(screen.getByRole('button', { name: 'Generate' }));
    await waitFor(() => expect(api.calls.filter((c) => c.method === 'POST')).toHaveLength(1));
    const body = api.calls.find((c) => c.method === 'POST')?.body as Record<string, unknown>;
    expect('scopes' in body || 'allowed_ips' in body).toBe(false);
    // The section opens by itself to show where the problem is.
    expect(await screen.findByText('allowed_ips: "10.0.0.0/33" is not an IPv4 or IPv6 CIDR')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Restrict this token' }).getAttribute('aria-expanded')).toBe('true');
  });

  it("offers only idle limits shorter than the type's policy under \"Restrict this token\", and sends the one chosen", { timeout: 20_000 }, async () => {
    const created = { ...token({ id: 44, name: 'ci', idle_revoke_days: 14 }), bearer_token: JWT };
    const { user, api } = setup(false, [
      { path: '/api/policy/lifetimes', body: { Personal: null, Service: null, idle_revoke_days: { Personal: 30, Service: null } } },
      { method: 'POST', path: '/api/user-tokens', body: created },
    ]);
    await user.type(screen.getByRole('textbox', { name: 'Name' }), 'ci');
    await user.click(screen.getByRole('button', { name: 'Restrict this token' }));
    const idle = await screen.findByRole('combobox', { name: 'Revoke when unused for' });
    await waitFor(() => expect((idle as HTMLInputElement).value).toBe('Policy: 30 days'));
    await user.click(idle);
    const offered = (await screen.findAllByRole('option')).map((o) => o.textContent);
    expect(offered).toEqual(['Policy: 30 days', '7 days', '14 days']);
    await user.click(screen.getByRole('option', { name: '14 days' }));
    await user.click(screen.getByRole('button', { name: 'Generate' }));
    await screen.findByText(JWT);
    expect(api.calls.find((c) => c.method === 'POST')?.body).toMatchObject({ name: 'ci', idle_revoke_days: 14 });
  });

  it('searches service accounts on the server as the Admin types (50 at most), keeping the one picked', async () => {
    const other = { ...pipeline, id: 8, user_id: 'nightly_etl@service', name: 'Nightly ETL' };
    const { user, api } = setup(true, [
      { path: /^\/api\/users\/listing\?type=Service&limit=50&search=night/, body: [other] },
    ]);
    await chooseOption(user, 'Type', 'Service');
    await chooseOption(user, 'Service User', 'Pipeline Automation (pipeline_automation@service)');
    const picker = screen.getByRole('combobox', { name: 'Service User' }) as HTMLInputElement;
    await user.clear(picker);
    await user.type(picker, 'night');
    expect(await screen.findByRole('option', { name: 'Nightly ETL (nightly_etl@service)' })).toBeTruthy();
    const searched = api.calls.filter((c) => c.url.includes('/users/listing')).map((c) => c.url);
    expect(searched).toContain('/api/users/listing?type=Service&limit=50&search=night');
    expect(searched.filter((u) => u.includes('search=n&') || u.endsWith('search=n'))).toEqual([]);
  });
});
