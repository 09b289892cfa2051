import { describe, expect, it } from 'vitest';
import type { Token } from './model.js';
import { requireIntrospector, requireTokenAction, type TokenAction } from './policies.js';
import { actorOf, human, serviceAccount } from './test-support/fake-deps.js';

const owner = human(1);
const admin = human(2, { role: 'Admin' });
const other = human(3, { role: 'Manager' });
const robot = serviceAccount(4, { role: 'Admin' });

const token = (extra: Partial<Token> = {}): Token => ({
  id: 9, name: 't', type: 'Personal', scimEndpointsOnly: false, expiration: null, created: new Date(0), createdById: 1, lastUsed: null, lastUsedIp: null,
  revokedAt: new Date(0), revokedById: 1, revokeReason: 'owner', user: { id: 1, userId: owner.userId, name: owner.name, type: 'Human' }, ...extra,
});
const serviceToken = token({ type: 'Service', user: { id: 4, userId: robot.userId, name: robot.name, type: 'Service' }, revokedById: 2, revokeReason: 'admin' });

const allowed = (fn: () => void) => {
  try {
    fn();
    return 'allowed';
  } catch (e) {
    return (e as Error).message;
  }
};

describe('requireTokenAction (SPEC §7)', () => {
  const actions: TokenAction[] = ['revoke', 'restore', 'rename', 'rotate', 'delete'];

  it.each(actions)('the owner of a Personal token may %s it after revoking it themselves', (action) => {
    expect(allowed(() => requireTokenAction(actorOf(owner), token(), action))).toBe('allowed');
  });

  it.each([
    ['admin', 2],
    ['incident', 2],
    ['user_deactivated', 2],
    [null, null],
  ] as const)('the owner may not restore a revocation with reason %s; an Admin may', (reason, byId) => {
    const t = token({ revokeReason: reason, revokedById: byId });
    expect(allowed(() => requireTokenAction(actorOf(owner), t, 'restore'))).toMatch(/^This token was not revoked by you.*only an Admin may restore it$/);
    expect(allowed(() => requireTokenAction(actorOf(admin), t, 'restore'))).toBe('allowed');
    // Other actions on it stay the owner's.
    expect(allowed(() => requireTokenAction(actorOf(owner), t, 'delete'))).toBe('allowed');
  });

  it.each(actions)("a service account's credential may not %s any token, even as an Admin and even its own", (action) => {
    expect(allowed(() => requireTokenAction(actorOf(robot), serviceToken, action))).toBe("A service account's token cannot manage tokens");
  });

  it.each(actions)('Service tokens are %s-ed by Admins only', (action) => {
    expect(allowed(() => requireTokenAction(actorOf(admin), serviceToken, action))).toBe('allowed');
    expect(allowed(() => requireTokenAction(actorOf(other), serviceToken, action))).toBe('Service tokens are managed by Admins only');
  });

  it('a non-owner without Admin may not manage a Personal token', () => {
    expect(allowed(() => requireTokenAction(actorOf(other), token(), 'revoke'))).toBe('Only the owner or an Admin may manage this token');
  });
});

describe('requireIntrospector (RFC 7662 §4)', () => {
  const byToken = (user: typeof owner) => ({
    ...actorOf(user),
    principal: { user, token: { id: 1, name: 'svc', type: 'Service' as const, scimEndpointsOnly: false, expiration: null } },
  });

  it('lets a Manager or Admin bearer token introspect', () => {
    expect(allowed(() => requireIntrospector(byToken(other)))).toBe('allowed');
    expect(allowed(() => requireIntrospector(byToken(robot)))).toBe('allowed');
  });

  it('refuses Members and Editors, who may not list users either', () => {
    expect(allowed(() => requireIntrospector(byToken(owner)))).toMatch(/^Your role \(Member\) may not introspect tokens/);
    expect(allowed(() => requireIntrospector(byToken(human(5, { role: 'Editor' }))))).toMatch(/^Your role \(Editor\)/);
  });

  it('refuses a browser session, even an Admin\'s', () => {
    expect(allowed(() => requireIntrospector(actorOf(admin, 7)))).toMatch(/bearer token, not a browser session/);
  });
});
