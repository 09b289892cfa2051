import type { Me, Token, UserListing } from '../api/types';

export function me(role: Me['role'] = 'Admin'): Me {
  return {
    id: 1,
    user_id: 'ada@example.com',
    user_name: 'ada@example.com',
    email: 'ada@example.com',
    name: 'Ada Admin',
    user_type: 'Human',
    role,
    teams: ['Public'],
    active: true,
    created: '2025-01-01T00:00:00Z',
    created_by_id: null,
    provisioned_by: 'local',
    last_login: null,
    token: null,
  };
}

const DAY = 86_400_000;
const iso = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();

export function token(over: Partial<Token> & { id: number; name: string }): Token {
  return {
    type: 'Personal',
    active: true,
    scim_endpoints_only: false,
    expiration: iso(30 * DAY),
    created: iso(-2 * DAY),
    created_by_id: 1,
    last_used: null,
    last_used_ip: null,
    revoked_at: null,
    revoked_by_id: null,
    revoke_reason: null,
    user: { id: 1, user_id: 'ada@example.com', name: 'Ada Admin', user_type: 'Human' },
    scopes: null,
    allowed_ips: null,
    previous_secret_expires_at: null,
    idle_revoke_days: null,
    ...over,
  };
}

export const pipeline: UserListing = {
  id: 7,
  user_id: 'pipeline_automation@service',
  name: 'Pipeline Automation',
  user_type: 'Service',
  role: 'Editor',
};

export const serviceUserRef = {
  id: 7,
  user_id: 'pipeline_automation@service',
  name: 'Pipeline Automation',
  user_type: 'Service' as const,
};

export const personalTokens: Token[] = [
  token({ id: 1, name: 'laptop-cli', last_used: iso(-3 * 60_000), last_used_ip: '10.0.0.5' }),
  token({ id: 2, name: 'old-script', active: false, revoked_at: iso(-DAY) }),
  token({ id: 3, name: 'expired-ci', expiration: iso(-DAY), created: iso(-40 * DAY) }),
];

export const serviceTokens: Token[] = [
  token({ id: 10, name: 'svc-token-prod', type: 'Service', user: serviceUserRef, expiration: null }),
  token({
    id: 11,
    name: 'svc-token-old',
    type: 'Service',
    user: serviceUserRef,
    active: false,
    revoked_at: iso(-DAY),
  }),
];

export const JWT =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImsxIn0.eyJzdWIiOiJhZGFAZXhhbXBsZS5jb20ifQ.c2lnbmF0dXJl';
