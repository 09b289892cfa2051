import { expect, it } from 'vitest';
import { describeOnEachDatabase } from '../test-support/test-app.js';

describeOnEachDatabase('service account owners (SPEC §9)', (app) => {
  it('default to the Admin who created the account; an Admin sets people as owners; refusals name the field', async () => {
    const t = app();
    const robot = await t.makeUser({ type: 'Service' });
    const [alice, bob] = [await t.makeUser({ name: 'Alice' }), await t.makeUser({ name: 'Bob' })];
    const get = async () => (await t.request({ method: 'GET', url: `/api/users/${robot.id}/owners`, token: t.adminToken })).json();
    expect((await get()).map((u: { id: number }) => u.id)).toEqual([t.adminId]);
    const set = await t.request({ method: 'PUT', url: `/api/users/${robot.id}/owners`, token: t.adminToken, payload: { owner_ids: [bob.id, alice.id, bob.id] } });
    expect(set.statusCode).toBe(200);
    expect((await get()).map((u: { id: number }) => u.id).sort()).toEqual([alice.id, bob.id].sort());
    const notPerson = await t.request({ method: 'PUT', url: `/api/users/${robot.id}/owners`, token: t.adminToken, payload: { owner_ids: [robot.id] } });
    expect(notPerson.json()).toMatchObject({ field: 'owner_ids[0]', code: 'INVALID_INPUT' });
    const human = await t.request({ method: 'GET', url: `/api/users/${alice.id}/owners`, token: t.adminToken });
    expect(human.statusCode).toBe(422);
    expect((await t.request({ method: 'PUT', url: `/api/users/${robot.id}/owners`, token: alice.token, payload: { owner_ids: [alice.id] } })).statusCode).toBe(403);
  });
});
