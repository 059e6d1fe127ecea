import { describe, expect, it } from 'vitest';
import { call } from '../../support/http.js';
import { createOrganization } from '../../support/orgs.js';
import { createDoc, expectStatus } from './helpers.js';

/* Branding and terms and conditions: settings sections (SPEC 1), shown on a document's read. */
describe('branding and terms-and-conditions settings', () => {
  it('are read with settings.view, changed with the section permission (Owner, Manager), and refused to Employee and Accountant', async () => {
    const org = await createOrganization({
      members: [
        { key: 'owner', role: 'owner' },
        { key: 'mgr', role: 'manager' },
        { key: 'emp', role: 'employee' },
        { key: 'acc', role: 'accountant' },
      ],
    });
    const [owner, mgr, emp, acc] = await Promise.all(['owner', 'mgr', 'emp', 'acc'].map((k) => org.users[k]!.token()));
    const base = `/accounts/${org.mainAccountId}/settings`;

    const fresh = await expectStatus(await call('GET', `${base}/branding`, { token: emp }), 200, 'read branding');
    expect(fresh.body).toMatchObject({ section: 'branding', version: 0, settings: { logoUrl: null, primaryColor: null, accentColor: null, footerText: null } });
    for (const token of [emp, acc]) {
      expect((await call('PATCH', `${base}/branding`, { token, body: { primaryColor: '#112233', version: 0 } })).status).toBe(403);
      expect((await call('PATCH', `${base}/other`, { token, body: { termsAndConditions: 'x', version: 0 } })).status).toBe(403);
    }
    const branded = await expectStatus(
      await call('PATCH', `${base}/branding`, { token: mgr, body: { logoUrl: 'https://cdn.example.com/logo.png', primaryColor: '#112233', version: 0 } }),
      200,
      'manager sets branding',
    );
    expect(branded.body).toMatchObject({ version: 1, settings: { logoUrl: 'https://cdn.example.com/logo.png', primaryColor: '#112233', accentColor: null } });
    // Bad input names its field: plain http logos and colours that are not #RRGGBB.
    const bad = await call('PATCH', `${base}/branding`, { token: owner, body: { logoUrl: 'http://cdn.example.com/logo.png', accentColor: 'red', version: 1 } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['body.accentColor', 'body.logoUrl']);

    await expectStatus(
      await call('PATCH', `${base}/other`, { token: owner, body: { termsAndConditions: 'Payment within 14 days.\nGoverning law: PL.', version: 0 } }),
      200,
      'owner sets terms',
    );
    expect((await call('GET', `${base}/other`, { token: acc })).body.settings.termsAndConditions).toBe('Payment within 14 days.\nGoverning law: PL.');
  });

  it('shows the branding and the terms on the read of one document, not in lists', async () => {
    const org = await createOrganization({ members: [{ key: 'owner', role: 'owner' }, { key: 'acc', role: 'accountant' }] });
    const [owner, acc] = await Promise.all([org.users.owner!.token(), org.users.acc!.token()]);
    const A = `/accounts/${org.mainAccountId}`;
    const inv = await createDoc(owner, org.mainAccountId, 'invoices');
    // Never set: the defaults.
    expect((await call('GET', `${A}/invoices/${inv.body.id}`, { token: acc })).body.presentation).toEqual({
      branding: { logoUrl: null, primaryColor: null, accentColor: null, footerText: null },
      termsAndConditions: null,
    });
    await expectStatus(await call('PATCH', `${A}/settings/branding`, { token: owner, body: { footerText: 'Kontor Test sp. z o.o.', version: 0 } }), 200, 'branding');
    await expectStatus(await call('PATCH', `${A}/settings/other`, { token: owner, body: { termsAndConditions: 'Net 14.', version: 0 } }), 200, 'terms');
    const shown = await call('GET', `${A}/invoices/${inv.body.id}`, { token: acc });
    expect(shown.body.presentation).toMatchObject({ branding: { footerText: 'Kontor Test sp. z o.o.' }, termsAndConditions: 'Net 14.' });
    const list = await call('GET', `${A}/invoices`, { token: acc });
    expect(list.body.items[0]).not.toHaveProperty('presentation');
  });
});
