import { beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../support/http.js';
import { createOrganization, type TestOrganization } from '../../support/orgs.js';
import { amend, contractor, create, ids, ok, setMode, tokenOf, user } from './helpers.js';

/*
 * SPEC 5.4-5.7 over HTTP: inheritance at every level and through both parents of a case,
 * each mode against the same data, moves, and the mode lock. One organization, its mode
 * changed in order by the tests below (they run in sequence).
 */
let org: TestOrganization;
let acc: string;
let c1: string; // contractor
let c2: string; // another contractor
let p1: string; // project
let caseBoth: string; // under c1 and p1
let caseP: string; // under p1 only
let event: string; // under caseBoth
let step: string; // under event
let action: string; // under caseBoth

beforeAll(async () => {
  org = await createOrganization({
    members: [
      { key: 'owner', role: 'owner' },
      { key: 'manager', role: 'manager' },
      { key: 'ewa', role: 'employee' },
      { key: 'ann', role: 'accountant' },
    ],
  });
  acc = org.mainAccountId;
  c1 = await contractor(org, 'manager', 'Contractor one');
  c2 = await contractor(org, 'manager', 'Contractor two');
  p1 = await create(org, 'manager', 'projects', { name: 'Project one' });
  caseBoth = await create(org, 'manager', 'cases', { name: 'Both parents', contractorId: c1, projectId: p1 });
  caseP = await create(org, 'manager', 'cases', { name: 'Project only', projectId: p1 });
  event = await create(org, 'manager', 'events', { name: 'Kick-off', caseId: caseBoth, date: '2026-05-01' });
  step = await create(org, 'manager', 'next-steps', { name: 'Send minutes', eventId: event });
  action = await create(org, 'manager', 'automated-actions', { name: 'Remind', caseId: caseBoth });
});

describe('modes against the same data (SPEC 5.6)', () => {
  it('static (the default): the role decides; an Employee reads every case, rows are ignored', async () => {
    expect((await ok(call('GET', `/accounts/${acc}/permission-mode`, { token: await tokenOf(org, 'ewa') }), 200, 'mode')).body.mode).toBe('static');
    expect(await ids(org, 'ewa', 'cases')).toEqual([caseBoth, caseP].sort());
    // The Employee's role has no crm.delete: 403 (she reads it).
    expect((await call('DELETE', `/accounts/${acc}/automated-actions/${action}`, { token: await tokenOf(org, 'ewa') })).status).toBe(403);
  });

  it('the mode is locked: without a token, with another mode\'s token, or as a Manager, no change', async () => {
    const owner = await tokenOf(org, 'owner');
    const noToken = await call('PUT', `/accounts/${acc}/permission-mode`, { token: owner, body: { mode: 'dynamic' } });
    expect(noToken.status).toBe(409);
    expect(noToken.body.reason).toBe('mode-locked');
    const unlock = await ok(call('POST', `/accounts/${acc}/permission-mode/unlock`, { token: owner, body: { mode: 'roles+acl' } }), 200, 'unlock');
    const other = await call('PUT', `/accounts/${acc}/permission-mode`, { token: owner, body: { mode: 'dynamic', token: unlock.body.token } });
    expect(other.status).toBe(409);
    expect((await call('POST', `/accounts/${acc}/permission-mode/unlock`, { token: await tokenOf(org, 'manager'), body: { mode: 'dynamic' } })).status).toBe(403);
  });

  it('unlocking warns with the consequences computed from this organization; the token works once', async () => {
    const owner = await tokenOf(org, 'owner');
    const unlock = await ok(call('POST', `/accounts/${acc}/permission-mode/unlock`, { token: owner, body: { mode: 'dynamic' } }), 200, 'unlock');
    // Employee and accountant read 2 cases by role and hold no rows: both lose them.
    const cases = unlock.body.consequences.find((c: { type: string }) => c.type === 'case');
    expect(cases).toMatchObject({ membersLosing: 2, objectsLost: 2 });
    expect(unlock.body.warning).toMatch(/2 member\(s\) lose access to 2 cases/);
    expect(Date.parse(unlock.body.expiresAt) - Date.now()).toBeLessThanOrEqual(5 * 60 * 1000);
    const body = { mode: 'dynamic', token: unlock.body.token };
    const changed = await ok(call('PUT', `/accounts/${acc}/permission-mode`, { token: owner, body }), 200, 'change');
    expect(changed.body.mode).toBe('dynamic');
    expect((await call('PUT', `/accounts/${acc}/permission-mode`, { token: owner, body })).status).toBe(409);
    const audit = await ok(call('GET', `/accounts/${acc}/audit?target=${org.organizationId}`, { token: owner }), 200, 'audit');
    expect(audit.body.items.map((e: { action: string }) => e.action)).toContain('permission-mode.changed');
  });

  it('dynamic: the Employee reads nothing until a row; a row on the contractor reaches the case, event, next step and action', async () => {
    expect(await ids(org, 'ewa', 'cases')).toEqual([]);
    expect((await call('GET', `/accounts/${acc}/cases/${caseBoth}`, { token: await tokenOf(org, 'ewa') })).status).toBe(404);
    await ok(amend(org, 'manager', 'clients', c1, { rows: [{ principal: user(org, 'ewa'), rights: ['read', 'edit'] }] }), 200, 'grant c1');
    expect(await ids(org, 'ewa', 'clients')).toEqual([c1]);
    expect(await ids(org, 'ewa', 'cases')).toEqual([caseBoth]);
    expect(await ids(org, 'ewa', `cases?contractorId=${c1}`)).toEqual([caseBoth]);
    expect(await ids(org, 'ewa', `events?caseId=${caseBoth}`)).toEqual([event]);
    expect(await ids(org, 'ewa', `next-steps?eventId=${event}`)).toEqual([step]);
    expect(await ids(org, 'ewa', `automated-actions?caseId=${caseBoth}`)).toEqual([action]);
    const token = await tokenOf(org, 'ewa');
    const got = await ok(call('GET', `/accounts/${acc}/next-steps/${step}`, { token }), 200, 'get step');
    // She edits (inherited), but may not run the special action she was not given.
    await ok(call('PATCH', `/accounts/${acc}/next-steps/${step}`, { token, body: { version: got.body.version, name: 'Minutes sent' } }), 200, 'edit');
    expect((await call('POST', `/accounts/${acc}/next-steps/${step}/complete`, { token })).status).toBe(403);
  });

  it('a row for a role on the project reaches both of its cases; an exclusion on the project keeps what comes through the contractor', async () => {
    await ok(amend(org, 'manager', 'projects', p1, { rows: [{ principal: 'role:accountant', rights: ['read'] }, { principal: user(org, 'ewa'), rights: ['read'] }] }), 200, 'grant p1');
    expect(await ids(org, 'ann', 'cases')).toEqual([caseBoth, caseP].sort());
    expect(await ids(org, 'ewa', `cases?projectId=${p1}`)).toEqual([caseBoth, caseP].sort());
    await ok(amend(org, 'manager', 'projects', p1, { exclusions: [user(org, 'ewa')] }), 200, 'exclude ewa at p1');
    expect(await ids(org, 'ewa', 'projects')).toEqual([]);
    // caseBoth still reaches her through c1; caseP only came through p1.
    expect(await ids(org, 'ewa', 'cases')).toEqual([caseBoth]);
    expect(await ids(org, 'ann', 'cases')).toEqual([caseBoth, caseP].sort());
  });

  it('moving a case to another contractor re-derives what it and its descendants inherit', async () => {
    const token = await tokenOf(org, 'manager');
    const current = await ok(call('GET', `/accounts/${acc}/cases/${caseBoth}`, { token }), 200, 'get');
    await ok(call('PATCH', `/accounts/${acc}/cases/${caseBoth}`, { token, body: { version: current.body.version, contractorId: c2 } }), 200, 'move');
    expect(await ids(org, 'ewa', 'cases')).toEqual([]);
    expect(await ids(org, 'ewa', 'events')).toEqual([]);
    expect(await ids(org, 'ewa', `cases?contractorId=${c2}`)).toEqual([]);
    expect(await ids(org, 'manager', `cases?contractorId=${c2}`)).toEqual([caseBoth]);
    expect(await ids(org, 'manager', `cases?contractorId=${c1}`)).toEqual([]);
    // An explicit row on the event re-opens it (and what is under it) for her.
    await ok(amend(org, 'manager', 'events', event, { rows: [{ principal: user(org, 'ewa'), rights: ['read'] }] }), 200, 'grant event');
    expect(await ids(org, 'ewa', 'events')).toEqual([event]);
    expect(await ids(org, 'ewa', 'next-steps')).toEqual([step]);
  });

  it('roles+acl: both must allow; the accountant (crm.view) keeps what rows give, the Employee\'s role cannot edit by role', async () => {
    await setMode(org, 'roles+acl');
    expect(await ids(org, 'ann', 'cases')).toEqual([caseBoth, caseP].sort());
    await ok(amend(org, 'manager', 'cases', caseP, { rows: [{ principal: 'role:accountant', rights: ['read', 'delete'] }] }), 200, 'grant delete');
    // The row gives delete, the Accountant's role does not: refused.
    expect((await call('DELETE', `/accounts/${acc}/cases/${caseP}`, { token: await tokenOf(org, 'ann') })).status).toBe(403);
    // The Owner always passes.
    expect(await ids(org, 'owner', 'cases')).toEqual([caseBoth, caseP].sort());
  });
});

describe('bad input (SPEC 7.3)', () => {
  it('unknown rights and principals are a 400 naming them; a user of another organization is a 400', async () => {
    const stranger = await createOrganization({ members: [{ key: 'x', role: 'owner' }] });
    const res = await amend(org, 'owner', 'projects', p1, {
      rows: [
        { principal: 'user:', rights: ['read'] },
        { principal: 'role:manager', rights: ['read', 'fly'] },
        { principal: `user:${stranger.users.x!.userId}`, rights: ['read'] },
        { principal: 'role:custom:nope', rights: ['read'] },
      ],
    });
    expect(res.status).toBe(400);
    const fields = res.body.errors.map((e: { field: string; message: string }) => `${e.field}: ${e.message}`).join('\n');
    expect(fields).toMatch(/rights: unknown rights: fly/);
    expect(fields).toMatch(/unknown principal user:/);
    expect(fields).toMatch(/is not a member of this organization/);
    expect(fields).toMatch(/unknown role custom:nope/);
  });

  it('granting a right one does not hold is a 403; a stale version 409, a stale If-Match 412', async () => {
    // Dynamic: the row alone gives the accountant change-permissions on the project.
    await setMode(org, 'dynamic');
    await ok(amend(org, 'manager', 'projects', p1, { rows: [{ principal: user(org, 'ann'), rights: ['read', 'change-permissions'] }] }), 200, 'grant cp');
    const escalate = await amend(org, 'ann', 'projects', p1, { rows: [{ principal: user(org, 'ann'), rights: ['delete'] }] });
    expect(escalate.status).toBe(403);
    expect(escalate.body.rights).toEqual(['delete']);
    const token = await tokenOf(org, 'owner');
    const stale = await call('PUT', `/accounts/${acc}/projects/${p1}/acl`, { token, body: { version: 1, rows: [], exclusions: [] } });
    expect(stale.status).toBe(409);
    const ifMatch = await call('PUT', `/accounts/${acc}/projects/${p1}/acl`, { token, headers: { 'if-match': '"1"' }, body: { rows: [], exclusions: [] } });
    expect(ifMatch.status).toBe(412);
  });

  it('dangling or other-account parents and wrong parent types are a 400 naming the field', async () => {
    const token = await tokenOf(org, 'owner');
    const dangling = await call('POST', `/accounts/${acc}/cases`, { token, body: { name: 'x', contractorId: '01JZZZZZZZZZZZZZZZZZZZZZZZ' } });
    expect(dangling.status).toBe(400);
    expect(dangling.body.errors[0].field).toBe('body.contractorId');
    const none = await call('POST', `/accounts/${acc}/cases`, { token, body: { name: 'x' } });
    expect(none.status).toBe(400);
    const wrong = await call('POST', `/accounts/${acc}/events`, { token, body: { name: 'x', projectId: p1 } });
    expect(wrong.status).toBe(400);
    const two = await call('POST', `/accounts/${acc}/next-steps`, { token, body: { name: 'x', caseId: caseP, eventId: event } });
    expect(two.status).toBe(400);
    const current = await ok(call('GET', `/accounts/${acc}/events/${event}`, { token }), 200, 'get');
    const move = await call('PATCH', `/accounts/${acc}/events/${event}`, { token, body: { version: current.body.version, caseId: '01JZZZZZZZZZZZZZZZZZZZZZZZ' } });
    expect(move.status).toBe(400);
    // A parent with children cannot be deleted.
    expect((await call('DELETE', `/accounts/${acc}/events/${event}`, { token })).status).toBe(409);
  });
});
