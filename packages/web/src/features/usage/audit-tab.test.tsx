import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../api/types';
import { describeEvent } from './audit-tab';

const event = (e: Partial<AuditEvent>): AuditEvent => ({
  id: 1, at: '2026-06-01T10:00:00Z', actor_user_id: 1, actor_token_id: null, action: 'token.revoked', target_type: 'token', target_id: '7',
  ip: '10.0.0.5', user_agent: null, outcome: 'success', details: null, ...e,
});
const users = new Map([
  [1, { name: 'Ada Lovelace', user_id: 'ada@example.com' }],
  [2, { name: 'Pipeline Automation', user_id: 'pipeline_automation@service' }],
]);

describe('describeEvent: one readable line per audit event', () => {
  it.each([
    [event({ details: { name: 'ci-deploy', reason: 'admin' } }), 'Ada Lovelace revoked token ci-deploy from 10.0.0.5'],
    [event({ action: 'token.renamed', details: { from: 'ci', to: 'ci-deploy' } }), 'Ada Lovelace renamed token ci-deploy (was ci) from 10.0.0.5'],
    [event({ action: 'user.deactivated', target_type: 'user', target_id: '2', ip: null }), 'Ada Lovelace deactivated Pipeline Automation (pipeline_automation@service)'],
    [event({ action: 'token.new_ip', actor_user_id: 2, details: { name: 'ci-deploy' } }), 'Pipeline Automation used token ci-deploy from a new client from 10.0.0.5'],
    [event({ action: 'auth.failed', actor_user_id: null, target_type: null, target_id: null, details: { reason: 'BAD_SIGNATURE', count: 3 } }), 'Someone was refused: BAD_SIGNATURE ×3 from 10.0.0.5'],
    [event({ action: 'team.created', target_type: 'team', details: { name: 'Ops' }, actor_user_id: 9 }), 'user #9 created team Ops from 10.0.0.5'],
    [event({ action: 'something.new', target_type: 'thing', target_id: '4', ip: null }), 'Ada Lovelace something.new thing #4'],
  ])('%#: %s', (e, text) => {
    expect(describeEvent(e, users)).toBe(text);
  });
});
