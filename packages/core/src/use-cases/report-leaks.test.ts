import { describe, expect, it } from 'vitest';
import type { Token } from '../model.js';
import { actorOf, fakeDeps, human } from '../test-support/fake-deps.js';
import { mintJwt } from '../tokens/jwt.js';
import { reportLeaks } from './report-leaks.js';

const admin = human(2, { role: 'Admin' });
const owner = human(1);
const token: Token = {
  id: 9, name: 'ci', type: 'Personal', scimEndpointsOnly: false, expiration: null, created: new Date('2026-05-01T10:00:00Z'),
  createdById: 1, lastUsed: null, lastUsedIp: null, revokedAt: null, revokedById: null, revokeReason: null,
  user: { id: 1, userId: owner.userId, name: owner.name, type: 'Human' },
};

describe('reportLeaks', () => {
  it('a leaked token is revoked with token.leaked and token.revoked in the outbox of the same change; a false positive or a second report emits nothing', async () => {
    const { deps, outbox } = fakeDeps({ users: [owner, admin], tokens: [token] });
    const secret = mintJwt(deps.keyring, { sub: owner.userId, uid: 1, iat: deps.clock.now(), exp: null, token_type: 'Personal' }).token;
    (deps.store.tokens as unknown as { findAuthRecordByHash: unknown }).findAuthRecordByHash = async () => ({ tokenId: 9 });
    const reporter = { actor: actorOf(admin), via: 'admin', ip: '10.0.0.1' };
    const item = { token: secret, url: 'https://github.com/acme/app/blob/abc/.env', source: 'content' };
    expect((await reportLeaks(deps, reporter, [item, { token: 'ghp_notatoken' }])).map((v) => v.label)).toEqual(['true_positive', 'false_positive']);
    expect(outbox.map((e) => [e.type, JSON.parse(e.payload).data])).toEqual([[
      'token.leaked',
      { token: expect.objectContaining({ id: 9, name: 'ci' }), user: { id: 1, user_id: owner.userId }, reason: 'leaked', url: item.url, source: 'content' },
    ], [
      // Receivers that follow revocations alone learn of it too.
      'token.revoked',
      { token: expect.objectContaining({ id: 9, name: 'ci' }), user: { id: 1, user_id: owner.userId }, reason: 'leaked' },
    ]]);
    await reportLeaks(deps, reporter, [item]);
    expect(outbox).toHaveLength(2);
  });
});
