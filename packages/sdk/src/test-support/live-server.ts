import { DIALECTS } from '@gatehouse/db/test-support';
import { createTestApp, type TestApp } from '@gatehouse/server/test-support';
import { afterAll, beforeAll, describe, it } from 'vitest';

export interface LiveServer {
  t: TestApp;
  /** http://127.0.0.1:<port> */
  url: string;
  /** An Admin token that does not expire (the test app's clock is frozen in the past). */
  adminToken: string;
  /** A Manager service account's token: the introspection credential. */
  introspectToken: string;
}

/** The real app listening on a free port, once per database (SQLite; PostgreSQL when reachable). */
export function describeLive(title: string, body: (live: () => LiveServer) => void): void {
  describe.each(DIALECTS)(`${title} [$kind]`, ({ kind, available }) => {
    if (!available) {
      it.skip(`${kind} is not reachable`, () => {});
      return;
    }
    let live: LiveServer | undefined;
    beforeAll(async () => {
      const t = await createTestApp(kind);
      const url = await t.server.app.listen({ host: '127.0.0.1', port: 0 });
      const admin = await t.makeToken(t.adminToken, { name: 'sdk-admin', expires_in_days: null });
      const robot = await t.request({ method: 'POST', url: '/api/users', token: t.adminToken, payload: { name: 'Introspector', role: 'Manager' } });
      const it = await t.makeToken(t.adminToken, { name: 'introspect', user_id: robot.json().id, expires_in_days: null });
      live = { t, url, adminToken: admin.bearer_token, introspectToken: it.bearer_token };
    });
    afterAll(async () => {
      await live?.t.close();
    });
    body(() => {
      if (!live) throw new Error('server not started');
      return live;
    });
  });
}
