import { beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../support/http.js';
import { createOrganization, type TestOrganization } from '../../support/orgs.js';
import { amend, create, ids, ok, setMode, tokenOf, user } from './helpers.js';

/*
 * SPEC 5.8, literally: a secretary may normally read the CEO's notes; the CEO, who holds
 * change-permissions, takes one note from her; she keeps all the others. The notes are the
 * next steps of the CEO's case; the organization is in the dynamic mode.
 */
let org: TestOrganization;
let acc: string;
let caseId: string;
const notes: string[] = [];

beforeAll(async () => {
  org = await createOrganization({
    members: [
      { key: 'owner', role: 'owner' },
      { key: 'ceo', role: 'manager' },
      { key: 'secretary', role: 'employee' },
      { key: 'other', role: 'employee' },
    ],
  });
  acc = org.mainAccountId;
  await setMode(org, 'dynamic');
  const project = await create(org, 'ceo', 'projects', { name: 'CEO office' });
  caseId = await create(org, 'ceo', 'cases', { name: "The CEO's notes", projectId: project });
  for (const n of ['Board prep', 'Merger', 'Salary review', 'Travel']) notes.push(await create(org, 'ceo', 'next-steps', { name: n, caseId }));
  // The CEO lets the secretary read everything under the case.
  await ok(amend(org, 'ceo', 'cases', caseId, { rows: [{ principal: user(org, 'secretary'), rights: ['read'] }] }), 200, 'grant');
});

describe("the secretary and the CEO's notes (SPEC 5.8)", () => {
  it('the secretary reads every note the CEO shares through the case; another employee reads none', async () => {
    expect(await ids(org, 'secretary', `next-steps?caseId=${caseId}`)).toEqual([...notes].sort());
    expect(await ids(org, 'other', `next-steps?caseId=${caseId}`)).toEqual([]);
    const res = await call('GET', `/accounts/${acc}/next-steps/${notes[1]}`, { token: await tokenOf(org, 'other') });
    expect(res.status).toBe(404);
  });

  it('the CEO takes one note from her: that one is gone from her lists and reads 404 at once; the others stay', async () => {
    const salary = notes[2]!;
    await ok(amend(org, 'ceo', 'next-steps', salary, { exclusions: [user(org, 'secretary')] }), 200, 'exclude');
    expect(await ids(org, 'secretary', `next-steps?caseId=${caseId}`)).toEqual(notes.filter((n) => n !== salary).sort());
    expect(await ids(org, 'secretary', 'next-steps')).toEqual(notes.filter((n) => n !== salary).sort());
    const token = await tokenOf(org, 'secretary');
    expect((await call('GET', `/accounts/${acc}/next-steps/${salary}`, { token })).status).toBe(404);
    for (const n of notes.filter((x) => x !== salary)) expect((await call('GET', `/accounts/${acc}/next-steps/${n}`, { token })).status).toBe(200);
    // The CEO still reads it: the exclusion names the secretary only.
    expect((await call('GET', `/accounts/${acc}/next-steps/${salary}`, { token: await tokenOf(org, 'ceo') })).status).toBe(200);
  });

  it('the explanation names the exclusion for the note, and the inherited row for a sibling', async () => {
    const token = await tokenOf(org, 'ceo');
    const q = encodeURIComponent(user(org, 'secretary'));
    const taken = await ok(call('GET', `/accounts/${acc}/next-steps/${notes[2]}/access?principal=${q}`, { token }), 200, 'explain');
    const read = taken.body.rights.find((r: { right: string }) => r.right === 'read');
    expect(read.allowed).toBe(false);
    expect(read.because.join(' | ')).toMatch(/excluded on this next-step/);
    const kept = await ok(call('GET', `/accounts/${acc}/next-steps/${notes[0]}/access?principal=${q}`, { token }), 200, 'explain');
    const keptRead = kept.body.rights.find((r: { right: string }) => r.right === 'read');
    expect(keptRead.allowed).toBe(true);
    expect(keptRead.acl.reasons[0]).toMatchObject({ kind: 'row', objectType: 'case', objectId: caseId });
    expect(kept.body.rights.find((r: { right: string }) => r.right === 'edit').allowed).toBe(false);
  });

  it('the secretary may not change permissions, nor ask why (403), and the audit log has every ACL change', async () => {
    const token = await tokenOf(org, 'secretary');
    expect((await call('GET', `/accounts/${acc}/next-steps/${notes[0]}/acl`, { token })).status).toBe(403);
    expect((await call('GET', `/accounts/${acc}/next-steps/${notes[0]}/access?principal=everyone`, { token })).status).toBe(403);
    const audit = await ok(call('GET', `/accounts/${acc}/audit?target=${notes[2]}`, { token: await tokenOf(org, 'owner') }), 200, 'audit');
    expect(audit.body.items.map((e: { action: string }) => e.action)).toContain('acl.changed');
  });
});
