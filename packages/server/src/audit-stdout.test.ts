import { expect, it } from 'vitest';
import { AuditStdout } from './audit-stdout.js';
import { describeOnEachDatabase } from './test-support/test-app.js';

describeOnEachDatabase('GATEHOUSE_AUDIT_STDOUT', (app) => {
  it('writes each audit event committed after it started once, oldest first, as one JSON line', async () => {
    const t = app();
    const lines: string[] = [];
    const out = new AuditStdout(t.server.app.gatehouse.store.audit, (chunk) => lines.push(...chunk.split('\n').filter(Boolean)));
    await out.follow(); // where the log ends now: nothing earlier is repeated
    expect(lines).toEqual([]);
    await t.request({ method: 'POST', url: '/api/teams', token: t.adminToken, payload: { name: 'Stdout A' }, remoteAddress: '10.9.8.7' });
    await t.request({ method: 'POST', url: '/api/teams', token: t.adminToken, payload: { name: 'Stdout B' } });
    await out.follow();
    await out.follow();
    const events = lines.map((l) => JSON.parse(l));
    expect(events.map((e) => [e.type, e.action, e.details.name])).toEqual([['audit', 'team.created', 'Stdout A'], ['audit', 'team.created', 'Stdout B']]);
    expect(events[0]).toMatchObject({ actor_user_id: t.adminId, ip: '10.9.8.7', outcome: 'success', at: '2026-06-01T10:00:00Z' });
    expect(events[1].id).toBeGreaterThan(events[0].id);
  });
});

it('is off unless GATEHOUSE_AUDIT_STDOUT=true', async () => {
  const { loadConfig } = await import('./config.js');
  expect(loadConfig({}).auditStdout).toBe(false);
  expect(loadConfig({ GATEHOUSE_AUDIT_STDOUT: 'true' }).auditStdout).toBe(true);
});
