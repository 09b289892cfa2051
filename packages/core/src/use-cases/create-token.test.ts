import { describe, expect, it } from 'vitest';
import { DomainError } from '../errors.js';
import { actorOf, fakeDeps, human, serviceAccount } from '../test-support/fake-deps.js';
import { verifyJwt } from '../tokens/jwt.js';
import { createToken, expirationFor } from './create-token.js';

const codeOf = async (p: Promise<unknown>) => p.then(() => 'ok', (e: unknown) => (e instanceof DomainError ? `${e.code}: ${e.message}` : String(e)));

describe('expirationFor', () => {
  it.each([
    [30, null, '2026-07-01T10:00:00.000Z'],
    [1, null, '2026-06-02T10:00:00.000Z'],
    [3650, null, '2036-05-29T10:00:00.000Z'],
    [null, null, null],
    [undefined, null, null],
    [90, 90, '2026-08-30T10:00:00.000Z'],
  ] as const)('%s days (policy max %s) → %s', (days, max, expected) => {
    const { deps } = fakeDeps();
    expect(expirationFor(deps, days, { days: max, limit: 'max_expiry_days.Personal' })?.toISOString() ?? null).toBe(expected);
  });

  it.each([
    [0, null, 'expires_in_days: must be an integer from 1 to 3650, or null for never'],
    [3651, null, 'expires_in_days: must be an integer from 1 to 3650, or null for never'],
    [1.5, null, 'expires_in_days: must be an integer from 1 to 3650, or null for never'],
    [null, 90, 'expires_in_days: tokens must expire within 90 days by policy (max_expiry_days.Personal)'],
    [91, 90, 'expires_in_days: must be at most 90 days by policy (max_expiry_days.Personal)'],
  ] as const)('%s days (policy max %s) is refused: %s', (days, max, message) => {
    const { deps } = fakeDeps();
    expect(() => expirationFor(deps, days, { days: max, limit: 'max_expiry_days.Personal' })).toThrow(message);
  });
});

describe('createToken', () => {
  const member = human(1);
  const admin = human(2, { role: 'Admin' });
  const robot = serviceAccount(3);
  const setup = () => fakeDeps({ users: [member, admin, robot, human(4, { active: false }), serviceAccount(5, { active: false })] });

  it('a Personal token for the caller: a JWT of our keyring with the claims clients read, audited in the same write', async () => {
    const { deps, audit, tx } = setup();
    const { token, bearerToken } = await createToken(deps, actorOf(member), { name: '  laptop ', expiresInDays: 30 });
    expect(token).toMatchObject({ name: 'laptop', type: 'Personal', scimEndpointsOnly: false, createdById: 1, user: { id: 1, type: 'Human' } });
    const verified = verifyJwt(deps.keyring, bearerToken, deps.clock.now());
    expect(verified).toMatchObject({ ok: true, claims: { sub: 'u1@x.io', uid: 1, token_type: 'Personal', exp: Date.parse('2026-07-01T10:00:00Z') / 1000 } });
    expect(tx.tokens.create).toHaveBeenCalledTimes(1);
    expect(audit).toEqual([expect.objectContaining({ action: 'token.created', actorUserId: 1, targetType: 'token', targetId: String(token.id), outcome: 'success' })]);
  });

  it.each([
    ['a Member for a service account', member, 3, {}, 'FORBIDDEN: Your role (Member) may not create service tokens'],
    ['anyone for another human', admin, 1, {}, 'FORBIDDEN: Personal tokens can only be created by their owner'],
    ['an Admin for a deactivated service account', admin, 5, {}, 'INVALID_INPUT: user_id: the user is deactivated'],
    ['an unknown owner', admin, 99, {}, 'NOT_FOUND: User not found'],
    ['a Member, a SCIM token', member, undefined, { scimEndpointsOnly: true }, 'FORBIDDEN: Only Admins may create SCIM administration tokens'],
    ['a SCIM token for a non-Admin service account', admin, 3, { scimEndpointsOnly: true }, 'INVALID_INPUT: scim_endpoints_only: a SCIM administration token needs an Admin owner'],
    ["a service account's credential", robot, undefined, {}, "FORBIDDEN: A service account's token cannot manage tokens"],
    ['an empty name', member, undefined, { name: '   ' }, 'INVALID_INPUT: name: must not be empty'],
  ] as const)('refuses %s', async (_title, caller, userId, extra, expected) => {
    const { deps, audit, tx } = setup();
    const input = { name: 'x', ...(userId !== undefined ? { userId } : {}), ...extra };
    expect(await codeOf(createToken(deps, actorOf(caller), input))).toBe(expected);
    expect(tx.tokens.create).not.toHaveBeenCalled();
    expect(audit).toEqual([]);
  });

  it('an Admin creates a Service token for a service account, by id or by user_id', async () => {
    const { deps } = setup();
    expect((await createToken(deps, actorOf(admin), { name: 'ci', userId: 3 })).token).toMatchObject({ type: 'Service', user: { id: 3 }, createdById: 2 });
    expect((await createToken(deps, actorOf(admin), { name: 'ci2', userId: 'robot_3@service' })).token.user.id).toBe(3);
  });
});
