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

  it('are set with the account on POST /api/users (one change): a refused owner creates nothing', async () => {
    const t = app();
    const carol = await t.makeUser({ name: 'Carol' });
    const name = `Owned From Birth ${carol.id}`;
    const made = await t.request({ method: 'POST', url: '/api/users', token: t.adminToken, payload: { name, role: 'Member', owner_ids: [carol.id] } });
    expect(made.statusCode, made.body).toBe(200);
    const owners = (await t.request({ method: 'GET', url: `/api/users/${made.json().id}/owners`, token: t.adminToken })).json();
    expect(owners.map((u: { id: number }) => u.id)).toEqual([carol.id]);
    const bad = await t.request({ method: 'POST', url: '/api/users', token: t.adminToken, payload: { name: `${name} 2`, role: 'Member', owner_ids: [carol.id, 999999] } });
    expect(bad.json()).toMatchObject({ code: 'INVALID_INPUT', field: 'owner_ids[1]' });
    // Nothing was created: the same name is free (a second account with it would be a 409).
    expect((await t.request({ method: 'POST', url: '/api/users', token: t.adminToken, payload: { name: `${name} 2`, role: 'Member' } })).statusCode).toBe(200);
    const human = await t.request({ method: 'POST', url: '/api/users', token: t.adminToken, payload: { user_type: 'Human', name: 'Dave', email: `dave-${carol.id}@example.com`, role: 'Member', owner_ids: [carol.id] } });
    expect(human.json()).toMatchObject({ field: 'owner_ids' });
  });
});
