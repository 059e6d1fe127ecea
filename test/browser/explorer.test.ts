import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DEMO_CASE_ID, DEMO_EXCLUDED_NOTE_ID, DEMO_MAIN_ACCOUNT_ID, DEMO_NOTES, DEMO_USERS } from '../../scripts/local/demo.js';
import { apiUrl, call, tokenFor } from '../support/http.js';
import { launchBrowser, screenshot, seriousViolations } from '../support/browser.js';

/*
 * The access explorer in headless Chromium against the local runtime of the run and its
 * demo organization (SPEC 5.8's CEO and secretary, roles+acl mode). Each view is driven
 * as a user would, the page under its real CSP (a violation fails the test), checked with
 * axe-core, and photographed into test-artifacts/explorer/.
 */
let browser: Browser;
const contexts: BrowserContext[] = [];
beforeAll(async () => {
  browser = await launchBrowser();
}, 120_000);
afterAll(async () => {
  await browser?.close();
});

const ACC = DEMO_MAIN_ACCOUNT_ID;
const demo = (email: string) => DEMO_USERS.find((u) => u.email === email)!;
const tokenOf = (email: string) => tokenFor({ sub: demo(email).userId, email });

/** The page answers after a few API calls; on a busy machine that takes more than poll's default second. */
const eventually = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 20_000, interval: 100 });

interface Session {
  page: Page;
  /** Messages the browser logged as errors (a CSP violation is one). */
  errors: string[];
}

/** Opens the explorer and signs in as a demo user, picked from the list the local runtime offers. */
async function signIn(email: string, view?: string): Promise<Session> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  contexts.push(context);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${apiUrl()}/explorer${view ? `#${view}` : ''}`);
  const option = page.locator('select[name=demo-user] option', { hasText: email });
  await page.selectOption('select[name=demo-user]', (await option.getAttribute('value'))!);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('signed-in').waitFor();
  await page.locator(`section.view[data-ready=${view ?? 'roles'}]`).waitFor();
  return { page, errors };
}

async function open(page: Page, label: string, id: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: label }).click();
  await page.locator(`section.view[data-ready=${id}]`).waitFor();
}

async function openNote(page: Page, name: string): Promise<void> {
  await page.getByLabel('Object type').selectOption('next-step');
  await page.locator('select[name=object] option', { hasText: name }).waitFor({ state: 'attached' });
  await page.getByLabel('Object', { exact: true }).selectOption({ label: name });
  await page.getByTestId('object-title').filter({ hasText: name }).waitFor();
  await page.getByTestId('inheritance').waitFor();
}

async function accessible(s: Session, name: string): Promise<void> {
  await screenshot(s.page, name);
  expect(await seriousViolations(s.page), name).toEqual([]);
  expect(s.errors, name).toEqual([]);
}

describe('the access explorer in a browser', () => {
  it("answers “why can't the secretary see this note?” for the Owner: the exclusion is on the note, explained", async () => {
    const s = await signIn('owner@demo.kontor.dev', 'crm');
    const { page } = s;
    await openNote(page, 'Salary review');
    // The note's own ACL: the CEO's row, and the secretary excluded.
    await eventually(() => page.getByTestId('acl-exclusions').innerText()).toMatch(/user:demo-secretary \(secretary@demo\.kontor\.dev\)\s+EXCLUDED/);
    // Its ancestors: the case gives her read; the tree shows which ancestor contributes what.
    const tree = await page.getByTestId('inheritance').innerText();
    expect(tree).toMatch(/case “The CEO's notes” \(ancestor[^)]*\)[\s\S]*row user:demo-secretary \(secretary@demo\.kontor\.dev\): read/);
    expect(tree).toMatch(/EXCLUDED user:demo-secretary/);

    await page.getByRole('form', { name: 'Explain access' }).getByLabel('Principal').fill('user:demo-secretary');
    await page.getByRole('button', { name: 'Explain' }).click();
    const readRow = page.getByTestId('explain-table').getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'read', exact: true }) });
    await eventually(() => readRow.innerText()).toMatch(/refused[\s\S]*user:demo-secretary is excluded on this next-step/);
    await accessible(s, 'crm-exclusion-explained');

    // A sibling note: she reads it, through the case's row.
    await openNote(page, 'Merger talks');
    await page.getByRole('form', { name: 'Explain access' }).getByLabel('Principal').fill('user:demo-secretary');
    await page.getByRole('button', { name: 'Explain' }).click();
    await eventually(() => readRow.innerText()).toMatch(/allowed/);
  }, 90_000);

  it('the secretary reads every note of the case but the excluded one; another Employee reads none', async () => {
    const secretary = await signIn('secretary@demo.kontor.dev', 'crm');
    await eventually(async () => (await secretary.page.locator('select[name=object] option').allInnerTexts()).filter((t) => t !== 'Choose…').sort()).toEqual(
      DEMO_NOTES.filter((n) => n.id !== DEMO_EXCLUDED_NOTE_ID).map((n) => n.name).sort(),
    );
    await accessible(secretary, 'crm-secretary');
    const employee = await signIn('employee@demo.kontor.dev', 'crm');
    await eventually(() => employee.page.getByText(/next-step\(s\) you may read/).innerText()).toBe('0 next-step(s) you may read.');
  }, 90_000);

  it('shows the role matrix with the plan’s effect: Backoffice unavailable on the demo plan', async () => {
    const s = await signIn('owner@demo.kontor.dev');
    await eventually(() => s.page.getByTestId('plan').innerText()).toMatch(/Backoffice is unavailable/);
    const matrix = s.page.getByTestId('role-matrix');
    await eventually(() => matrix.locator('thead').innerText()).toMatch(/owner\s+manager\s+employee\s+accountant\s+backoffice \(unavailable\)/);
    const crmChange = matrix.getByRole('row').filter({ has: s.page.getByRole('rowheader', { name: 'crm.change-permissions', exact: true }) });
    expect((await crmChange.innerText()).split('\t').slice(1, 6)).toEqual(['yes', 'yes', 'no', 'no', 'no']);
    await accessible(s, 'role-matrix');
  }, 90_000);

  it("shows a member's effective access per account and their switch list, and grants and revokes a sub-account", async () => {
    const s = await signIn('owner@demo.kontor.dev', 'members');
    const { page } = s;
    await page.getByLabel('Show the effective access of').selectOption({ label: 'manager@demo.kontor.dev (manager)' });
    const access = page.getByTestId('access-table');
    await eventually(() => access.innerText()).toMatch(/Kraków branch[^\n]*\tyes\tmanager\tgrant/);
    expect(await access.innerText()).toMatch(/Gdańsk branch[^\n]*\tno\t—\tno grant/);
    expect(await page.getByTestId('switch-list').innerText()).toMatch(/Kraków branch/);
    await accessible(s, 'member-access');

    await page.getByLabel('Show the effective access of').selectOption({ label: 'secretary@demo.kontor.dev (employee)' });
    await eventually(() => page.getByText(/secretary@demo\.kontor\.dev has no switch list/).count()).toBe(1);
    await page.getByRole('button', { name: 'Grant Gdańsk branch' }).click();
    // Drawn again from the API, on the same member: now with a switch list.
    await eventually(() => page.getByTestId('switch-list').count()).toBe(1);
    expect(await page.getByTestId('switch-list').innerText()).toMatch(/Gdańsk branch/);
    const member = await call('GET', `/accounts/${ACC}/members/demo-secretary`, { token: await tokenOf('owner@demo.kontor.dev') });
    expect(member.body.grants).toEqual([expect.stringMatching(/_01JDEMQ0000000000000000002$/)]);
    await page.getByRole('button', { name: 'Revoke Gdańsk branch' }).click();
    await eventually(async () => (await call('GET', `/accounts/${ACC}/members/demo-secretary`, { token: await tokenOf('owner@demo.kontor.dev') })).body.grants).toEqual([]);
  }, 90_000);

  it('an Employee sees her own access only: the members list is refused with the API’s problem detail', async () => {
    const s = await signIn('employee@demo.kontor.dev', 'members');
    const { page } = s;
    await eventually(() => page.getByTestId('own-access').innerText()).toMatch(/acc_01JDEMQ0000000000000000000\temployee/);
    const refusal = page.getByTestId('members').getByRole('alert');
    await eventually(() => refusal.innerText()).toMatch(/Refused: GET \/accounts\/acc_01JDEMQ0000000000000000000\/members\?limit=100 answered 403/);
    expect(await refusal.innerText()).toMatch(/https:\/\/kontor\.dev\/problems\/forbidden/);
    expect(await page.getByTestId('member-access').count()).toBe(0);
    await accessible(s, 'employee-own-access');
  }, 90_000);

  it('a stale custom-role edit shows the conflict and overwrites nothing', async () => {
    const owner = await tokenOf('owner@demo.kontor.dev');
    const name = `Explorer ${randomUUID().slice(0, 8)}`;
    const created = await call('POST', `/accounts/${ACC}/roles`, { token: owner, body: { name, permissions: ['clients.view'] }, headers: { 'idempotency-key': randomUUID() } });
    expect(created.status).toBe(201);
    const s = await signIn('owner@demo.kontor.dev');
    const { page } = s;
    const form = page.getByRole('form', { name: 'Create or edit a custom role' });
    await form.getByLabel('Role', { exact: true }).selectOption({ label: `Edit ${name}` });
    await eventually(() => page.getByTestId('role-version').innerText()).toMatch(/Editing version 1/);
    await form.getByLabel('Permissions').fill('clients.view\nproducts.view');
    // Someone else changes the role meanwhile.
    const other = await call('PATCH', `/accounts/${ACC}/roles/${created.body.roleId}`, { token: owner, body: { name: `${name} (renamed)`, version: 1 } });
    expect(other.status).toBe(200);
    await form.getByRole('button', { name: 'Save role' }).click();
    const conflict = form.locator('.problem.conflict');
    await eventually(() => conflict.innerText()).toMatch(/Conflict: nothing was changed\.[\s\S]*answered 409/);
    const after = await call('GET', `/accounts/${ACC}/roles/${created.body.roleId}`, { token: owner });
    expect(after.body).toMatchObject({ name: `${name} (renamed)`, permissions: ['clients.view'], version: 2 });
    await accessible(s, 'role-conflict');
  }, 90_000);

  it('adds and removes an ACL row from the page; a stale ACL change shows the conflict', async () => {
    const s = await signIn('owner@demo.kontor.dev', 'crm');
    const { page } = s;
    await openNote(page, 'Travel plans');
    const changes = page.getByRole('form', { name: 'Add a row or an exclusion' });
    await changes.getByLabel('Principal').fill('user:demo-employee2');
    await changes.getByLabel('special').check();
    await changes.getByRole('button', { name: 'Add row' }).click();
    await eventually(() => page.getByTestId('acl-rows').innerText()).toMatch(/user:demo-employee2[^\n]*\tspecial/);
    await page.getByRole('button', { name: 'Remove row user:demo-employee2' }).click();
    await eventually(() => page.getByTestId('acl-rows').innerText()).not.toMatch(/demo-employee2/);

    // Stale: the page holds version N; the ACL moves on behind its back.
    const owner = await tokenOf('owner@demo.kontor.dev');
    const path = `/accounts/${ACC}/next-steps/${DEMO_NOTES[3].id}/acl`;
    const current = (await call('GET', path, { token: owner })).body;
    const moved = await call('PUT', path, { token: owner, body: { version: current.version, rows: current.rows, exclusions: [] } });
    expect(moved.status).toBe(200);
    await changes.getByLabel('Principal').fill('everyone');
    await changes.getByLabel('read').check();
    await changes.getByRole('button', { name: 'Add row' }).click();
    await eventually(() => changes.locator('.problem.conflict').innerText()).toMatch(/Conflict: nothing was changed/);
    expect((await call('GET', path, { token: owner })).body.rows.map((r: { principal: string }) => r.principal)).not.toContain('everyone');
  }, 90_000);

  it('shows the mode with its lock and the unlock warning before any change; a Manager’s unlock is refused', async () => {
    const s = await signIn('owner@demo.kontor.dev');
    const { page } = s;
    await open(page, 'Permission mode', 'mode');
    await eventually(() => page.getByTestId('mode').innerText()).toMatch(/roles\+acl mode[\s\S]*Locked/);
    await page.getByLabel('Change to').selectOption('static');
    await page.getByRole('button', { name: /^Unlock/ }).click();
    await eventually(() => page.getByTestId('mode-warning').innerText()).toMatch(/Warning: .*gain access/);
    await accessible(s, 'mode-unlock-warning');
    await page.getByRole('button', { name: 'Cancel' }).click();
    expect((await call('GET', `/accounts/${ACC}/permission-mode`, { token: await tokenOf('owner@demo.kontor.dev') })).body.mode).toBe('roles+acl');

    const manager = await signIn('manager@demo.kontor.dev', 'mode');
    await manager.page.getByLabel('Change to').selectOption('dynamic');
    await manager.page.getByRole('button', { name: /^Unlock/ }).click();
    await eventually(() => manager.page.getByTestId('mode-warning').getByRole('alert').innerText()).toMatch(/Refused: POST .*permission-mode\/unlock answered 403/);
  }, 90_000);

  it('filters the audit log by target and by actor', async () => {
    const owner = await tokenOf('owner@demo.kontor.dev');
    const path = `/accounts/${ACC}/cases/${DEMO_CASE_ID}/acl`;
    const acl = (await call('GET', path, { token: owner })).body;
    expect((await call('PUT', path, { token: owner, body: { version: acl.version, rows: acl.rows, exclusions: acl.exclusions } })).status).toBe(200);
    const s = await signIn('owner@demo.kontor.dev', 'audit');
    const { page } = s;
    await page.getByLabel('Target id').fill(DEMO_CASE_ID);
    await page.getByLabel('Actor (user id)').fill('demo-owner');
    await page.getByRole('button', { name: 'Filter' }).click();
    await eventually(() => page.getByTestId('audit-table').innerText()).toMatch(new RegExp(`demo-owner[^\\n]*acl\\.changed[^\\n]*${DEMO_CASE_ID}`));
    const rows = await page.getByTestId('audit-table').locator('tbody tr').allInnerTexts();
    for (const r of rows) expect(r).toContain(DEMO_CASE_ID);
    await accessible(s, 'audit-log');
  }, 90_000);

  it('is usable with the keyboard alone: sign in, switch views, reach the controls', async () => {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${apiUrl()}/explorer`);
    // Focus starts on the demo user list.
    await page.locator('select[name=demo-user]:focus').waitFor();
    const options = await page.locator('select[name=demo-user] option').allInnerTexts();
    const steps = options.findIndex((o) => o.includes('owner@demo.kontor.dev'));
    for (let i = 0; i < steps; i++) await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Tab'); // the token field, filled by the choice
    await page.keyboard.press('Tab'); // Sign in
    await page.keyboard.press('Enter');
    await page.locator('section.view[data-ready=roles]').waitFor();
    expect(await page.evaluate('document.activeElement?.id')).toBe('view-roles');
    // Tab from the account choice to the views; Enter opens one and moves focus to its heading.
    await page.getByLabel('Account').focus();
    await page.keyboard.press('Tab'); // Sign out
    for (let i = 0; i < 4; i++) await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Permission mode');
    await page.keyboard.press('Enter');
    await page.locator('section.view[data-ready=mode]').waitFor();
    expect(await page.evaluate('document.activeElement?.id')).toBe('view-mode');
  }, 90_000);
});
