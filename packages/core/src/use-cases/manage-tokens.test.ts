import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../clock.js';
import { DomainError } from '../errors.js';
import type { Token } from '../model.js';
import { actorOf, fakeDeps, human } from '../test-support/fake-deps.js';
import { hashToken } from '../tokens/jwt.js';
import { originalLifetimeDays, rotateToken, updateToken } from './manage-tokens.js';

const codeOf = async (p: Promise<unknown>) => p.then(() => 'ok', (e: unknown) => (e instanceof DomainError ? e.code : String(e)));

const owner = human(1);
const admin = human(2, { role: 'Admin' });
const stranger = human(3);

const token = (extra: Partial<Token> = {}): Token => ({
  id: 9, name: 'laptop', type: 'Personal', scimEndpointsOnly: false, expiration: new Date('2026-05-31T10:00:00Z'), created: new Date('2026-05-01T10:00:00Z'),
  createdById: 1, lastUsed: null, lastUsedIp: null, revokedAt: null, revokedById: null, revokeReason: null,
  user: { id: 1, userId: owner.userId, name: owner.name, type: 'Human' }, ...extra,
});

describe('originalLifetimeDays', () => {
  it.each([
    [{ created: new Date('2026-05-01T00:00:00Z'), expiration: new Date('2026-05-31T00:00:00Z') }, 30],
    [{ created: new Date('2026-05-01T00:00:00Z'), expiration: new Date('2026-05-01T01:00:00Z') }, 1],
    [{ created: new Date('2026-05-01T00:00:00Z'), expiration: null }, null],
  ])('%j → %s', (t, days) => expect(originalLifetimeDays(t)).toBe(days));
});

describe('rotateToken', () => {
  it('issues a new secret with the original lifetime from now, in one audited change, told to every node after', async () => {
    const { deps, tx, audit, published } = fakeDeps({ users: [owner], tokens: [token()] });
    const { token: rotated, bearerToken } = await rotateToken(deps, actorOf(owner), 9, {});
    expect(rotated.expiration?.toISOString()).toBe(new Date(deps.clock.nowMs() + 30 * DAY_MS).toISOString());
    expect(tx.tokens.replaceSecret).toHaveBeenCalledWith(9, expect.objectContaining({ tokenHash: hashToken(deps.keyring.signing, bearerToken) }));
    expect(audit).toEqual([expect.objectContaining({ action: 'token.rotated', targetId: '9', actorUserId: 1 })]);
    expect(published).toEqual([{ kind: 'token', tokenId: 9 }]);
  });

  it('takes a new lifetime within policy, or none at all when policy allows it', async () => {
    const { deps } = fakeDeps({ users: [owner], tokens: [token()], maxLifetimeDays: 90 });
    expect(await codeOf(rotateToken(deps, actorOf(owner), 9, { expiresInDays: null }))).toBe('INVALID_INPUT');
    expect((await rotateToken(deps, actorOf(owner), 9, { expiresInDays: 90 })).token.expiration?.getTime()).toBe(deps.clock.nowMs() + 90 * DAY_MS);
  });

  it.each([
    ['a revoked token', token({ revokedAt: new Date(0), revokedById: 1, revokeReason: 'owner' }), owner, 'TOKEN_REVOKED'],
    ["someone else's token (hidden)", token(), stranger, 'NOT_FOUND'],
    ['a service token by its own service account', token({ type: 'Service', user: { id: 1, userId: 'r@service', name: 'r', type: 'Service' } }), human(1, { type: 'Service' }), 'FORBIDDEN'],
  ] as const)('refuses %s, writing and telling nothing', async (_t, t, caller, code) => {
    const { deps, tx, audit, published } = fakeDeps({ users: [owner, stranger], tokens: [t] });
    expect(await codeOf(rotateToken(deps, actorOf(caller), 9, {}))).toBe(code);
    expect(tx.tokens.replaceSecret).not.toHaveBeenCalled();
    expect(audit).toEqual([]);
    expect(published).toEqual([]);
  });
});

describe('updateToken', () => {
  it('revokes with who and why: the owner for themselves, an Admin as "admin"', async () => {
    const a = fakeDeps({ users: [owner], tokens: [token()] });
    expect(await updateToken(a.deps, actorOf(owner), 9, { revoke: true })).toMatchObject({ revokedById: 1, revokeReason: 'owner' });
    const b = fakeDeps({ users: [owner, admin], tokens: [token()] });
    expect(await updateToken(b.deps, actorOf(admin), 9, { revoke: true })).toMatchObject({ revokedById: 2, revokeReason: 'admin' });
    expect(b.audit).toEqual([expect.objectContaining({ action: 'token.revoked', details: { name: 'laptop', reason: 'admin' } })]);
  });

  it('a revocation puts token.revoked (with its reason) in the outbox, in the change; a refused one puts nothing', async () => {
    const { deps, outbox } = fakeDeps({ users: [owner, admin], tokens: [token()] });
    await updateToken(deps, actorOf(admin), 9, { revoke: true });
    expect(outbox.map((e) => [e.type, JSON.parse(e.payload)])).toEqual([[
      'token.revoked',
      { type: 'token.revoked', timestamp: '2026-06-01T10:00:00.000Z', data: { token: expect.objectContaining({ id: 9, name: 'laptop' }), user: { id: 1, user_id: 'u1@x.io' }, reason: 'admin' } },
    ]]);
    expect(outbox[0]!.messageId).toMatch(/^msg_[0-9a-f]{32}$/);
    const refused = fakeDeps({ users: [owner, human(3)], tokens: [token()] });
    expect(await codeOf(updateToken(refused.deps, actorOf(human(3)), 9, { revoke: true }))).toBe('NOT_FOUND');
    expect(refused.outbox).toEqual([]);
  });

  it('a rename and a revocation are one write, two events, one publication', async () => {
    const { deps, tx, audit, published } = fakeDeps({ users: [owner], tokens: [token()] });
    await updateToken(deps, actorOf(owner), 9, { name: 'old laptop', revoke: true });
    expect(tx.tokens.update).toHaveBeenCalledTimes(1);
    expect(audit.map((e) => e.action)).toEqual(['token.renamed', 'token.revoked']);
    expect(published).toEqual([{ kind: 'token', tokenId: 9 }]);
  });

  it('revoking a revoked token changes nothing and tells no one', async () => {
    const { deps, tx, audit, published } = fakeDeps({ users: [owner], tokens: [token({ revokedAt: new Date(0), revokedById: 1, revokeReason: 'owner' })] });
    await updateToken(deps, actorOf(owner), 9, { revoke: true });
    expect(tx.tokens.update).not.toHaveBeenCalled();
    expect(audit).toEqual([]);
    expect(published).toEqual([]);
  });

  it('needs a name or a revoke', async () => {
    const { deps } = fakeDeps({ users: [owner], tokens: [token()] });
    expect(await codeOf(updateToken(deps, actorOf(owner), 9, {}))).toBe('INVALID_INPUT');
  });
});
