import { organizationSeatEntity } from '#shared/data/entities/organization-seat.js';
import type { Stored } from '#shared/data/dynamo.js';
import { accountEntity } from '#shared/data/entities/account.js';
import { grantEntity } from '#shared/data/entities/grant.js';
import { membershipEntity } from '#shared/data/entities/membership.js';
import { organizationEntity } from '#shared/data/entities/organization.js';
import { userEntity } from '#shared/data/entities/user.js';
import { mainAccountIdOf } from '#shared/domain/ids.js';
import { clientEntity } from '#shared/data/entities/client.js';
import { documentCounterEntity, documentEntity } from '#shared/data/entities/document.js';
import { itemEntity } from '#shared/data/entities/item.js';
import { formatDocumentNumber } from '#shared/domain/invoicing/documents.js';
import { priceLines } from '#shared/domain/invoicing/money.js';
import { crmObjectEntity, type CrmObject } from '#shared/data/entities/crm-object.js';
import { permissionModeEntity } from '#shared/data/entities/permission-mode.js';
import { RIGHTS, creatorAcl, type Acl } from '#shared/domain/acl.js';

/*
 * The demo organization of SPEC.md section 8, with fixed ids so that printed tokens and
 * curl commands keep working across restarts. Used by the local runtime's seed and by the
 * end-to-end tests.
 */
const ORG_ULID = '01JDEMQ0000000000000000000';
export const DEMO_ORGANIZATION_ID = `org_${ORG_ULID}`;
export const DEMO_MAIN_ACCOUNT_ID = mainAccountIdOf(DEMO_ORGANIZATION_ID);
export const DEMO_SUB_ACCOUNT_1_ID = `${DEMO_MAIN_ACCOUNT_ID}_01JDEMQ0000000000000000001`;
export const DEMO_SUB_ACCOUNT_2_ID = `${DEMO_MAIN_ACCOUNT_ID}_01JDEMQ0000000000000000002`;

export interface DemoUser {
  userId: string;
  email: string;
  name: string;
  accountId: string;
  role: string;
}

export const DEMO_USERS: readonly DemoUser[] = [
  { userId: 'demo-owner', email: 'owner@demo.kontor.dev', name: 'Olivia Owner', accountId: DEMO_MAIN_ACCOUNT_ID, role: 'owner' },
  { userId: 'demo-manager', email: 'manager@demo.kontor.dev', name: 'Marek Manager', accountId: DEMO_MAIN_ACCOUNT_ID, role: 'manager' },
  { userId: 'demo-employee', email: 'employee@demo.kontor.dev', name: 'Ewa Employee', accountId: DEMO_MAIN_ACCOUNT_ID, role: 'employee' },
  { userId: 'demo-employee2', email: 'employee2@demo.kontor.dev', name: 'Emil Employee', accountId: DEMO_MAIN_ACCOUNT_ID, role: 'employee' },
  { userId: 'demo-accountant', email: 'accountant@demo.kontor.dev', name: 'Anna Accountant', accountId: DEMO_MAIN_ACCOUNT_ID, role: 'accountant' },
  // SPEC 5.8: the CEO (a Manager) and the secretary (an Employee) of the CEO's notes.
  { userId: 'demo-ceo', email: 'ceo@demo.kontor.dev', name: 'Cezary CEO', accountId: DEMO_MAIN_ACCOUNT_ID, role: 'manager' },
  { userId: 'demo-secretary', email: 'secretary@demo.kontor.dev', name: 'Sara Secretary', accountId: DEMO_MAIN_ACCOUNT_ID, role: 'employee' },
  // SPEC 3.4: a member of the first sub-account only.
  { userId: 'demo-branch', email: 'branch@demo.kontor.dev', name: 'Bruno Branch', accountId: DEMO_SUB_ACCOUNT_1_ID, role: 'manager' },
];

export const demoUserByEmail = (email: string): DemoUser | undefined =>
  DEMO_USERS.find((u) => u.email === email.toLowerCase());

/** Every item of the demo organization, ready to put. */
export function demoItems(now: string = new Date(0).toISOString()): Stored[] {
  const owner = DEMO_USERS[0]!;
  return [
    organizationEntity.item({
      organizationId: DEMO_ORGANIZATION_ID,
      name: 'Demo Trading Sp. z o.o.',
      plan: 'small',
      features: [],
      customRoles: {},
      createdAt: now,
      createdBy: owner.userId,
      version: 1,
    }),
    accountEntity.item({
      accountId: DEMO_MAIN_ACCOUNT_ID,
      organizationId: DEMO_ORGANIZATION_ID,
      kind: 'main',
      name: 'Demo Trading (main)',
      status: 'active',
      createdAt: now,
      version: 1,
    }),
    accountEntity.item({
      accountId: DEMO_SUB_ACCOUNT_1_ID,
      organizationId: DEMO_ORGANIZATION_ID,
      kind: 'sub',
      name: 'Kraków branch',
      externalId: 'KRK-01',
      status: 'active',
      createdAt: now,
      version: 1,
    }),
    accountEntity.item({
      accountId: DEMO_SUB_ACCOUNT_2_ID,
      organizationId: DEMO_ORGANIZATION_ID,
      kind: 'sub',
      name: 'Gdańsk branch',
      externalId: 'GDN-01',
      status: 'active',
      createdAt: now,
      version: 1,
    }),
    ...DEMO_USERS.flatMap((u) => [
      userEntity.item({ userId: u.userId, email: u.email, name: u.name, updatedAt: now }),
      membershipEntity.item({
        accountId: u.accountId,
        organizationId: DEMO_ORGANIZATION_ID,
        userId: u.userId,
        email: u.email,
        role: u.role,
        createdAt: now,
        version: 1,
      }),
      organizationSeatEntity.item({ organizationId: DEMO_ORGANIZATION_ID, userId: u.userId, accountId: u.accountId }),
    ]),
    // SPEC 3.3: the manager has been given access to the first sub-account only.
    grantEntity.item({
      organizationId: DEMO_ORGANIZATION_ID,
      mainAccountId: DEMO_MAIN_ACCOUNT_ID,
      subAccountId: DEMO_SUB_ACCOUNT_1_ID,
      userId: 'demo-manager',
      grantedBy: owner.userId,
      grantedAt: now,
    }),
    ...demoInvoicingItems(now),
    ...demoCrmItems(now),
  ];
}

/*
 * SPEC 5.8, the example the access explorer answers: the CEO keeps his notes (next steps)
 * in a case of his project; the secretary may read the whole case, so every note, except
 * the one the CEO excluded her from. The organization is in the roles+acl mode, so the
 * ACL decides on top of the roles: the other Employees, who hold crm.view too, read none
 * of it. The demo clients carry an `everyone` row with every right, so in this mode each
 * member keeps exactly what their role gave them on those clients.
 */
export const DEMO_PROJECT_ID = '01JDEMP0000000000000000001';
export const DEMO_CASE_ID = '01JDEMK0000000000000000001';
export const DEMO_NOTES = [
  { id: '01JDEMN0000000000000000001', name: 'Board meeting prep' },
  { id: '01JDEMN0000000000000000002', name: 'Merger talks' },
  { id: '01JDEMN0000000000000000003', name: 'Salary review' },
  { id: '01JDEMN0000000000000000004', name: 'Travel plans' },
] as const;
/** The note the secretary is excluded from. */
export const DEMO_EXCLUDED_NOTE_ID = DEMO_NOTES[2].id;
export const EVERYONE_ACL: Acl = { rows: [{ principal: 'everyone', rights: [...RIGHTS] }], exclusions: [] };

function demoCrmItems(now: string): Stored[] {
  const ceo = 'demo-ceo';
  const base = { accountId: DEMO_MAIN_ACCOUNT_ID, createdBy: ceo, createdAt: now, updatedAt: now, version: 1 };
  const acl = (extra: Partial<Acl> = {}): CrmObject['acl'] => {
    const own = creatorAcl(ceo);
    return { rows: [...own.rows, ...(extra.rows ?? [])].map((r) => ({ principal: r.principal, rights: [...r.rights] })), exclusions: [...(extra.exclusions ?? [])] };
  };
  return [
    permissionModeEntity.item({ organizationId: DEMO_ORGANIZATION_ID, mode: 'roles+acl', version: 1, changedBy: DEMO_USERS[0]!.userId, changedAt: now }),
    crmObjectEntity.item({ ...base, objectId: DEMO_PROJECT_ID, objectType: 'project', name: 'CEO office', acl: acl() }),
    crmObjectEntity.item({
      ...base,
      objectId: DEMO_CASE_ID,
      objectType: 'case',
      name: "The CEO's notes",
      projectId: DEMO_PROJECT_ID,
      acl: acl({ rows: [{ principal: 'user:demo-secretary', rights: ['read'] }] }),
    }),
    ...DEMO_NOTES.map((n) =>
      crmObjectEntity.item({
        ...base,
        objectId: n.id,
        objectType: 'next-step',
        name: n.name,
        caseId: DEMO_CASE_ID,
        acl: acl(n.id === DEMO_EXCLUDED_NOTE_ID ? { exclusions: ['user:demo-secretary'] } : {}),
      }),
    ),
  ];
}

/*
 * The demo main account's clients, items and invoices. Fixed ids, so the seed stays
 * idempotent and the walkthrough's ids keep working.
 */
export const DEMO_CLIENT_IDS = ['01JDEMC0000000000000000001', '01JDEMC0000000000000000002'] as const;
export const DEMO_ITEM_IDS = ['01JDEMT0000000000000000001', '01JDEMT0000000000000000002'] as const;
export const DEMO_INVOICE_IDS = ['01JDEMV0000000000000000001', '01JDEMV0000000000000000002'] as const;

function demoInvoicingItems(now: string): Array<{ pk: string; sk: string }> {
  const acc = DEMO_MAIN_ACCOUNT_ID;
  const clients = [
    { clientId: DEMO_CLIENT_IDS[0], name: 'Nordlicht GmbH', email: 'billing@nordlicht.example', taxId: 'DE123456789' },
    { clientId: DEMO_CLIENT_IDS[1], name: 'Baltic Bakery Sp. z o.o.', email: 'ap@balticbakery.example' },
  ].map((c) =>
    clientEntity.item({
      ...c,
      accountId: acc,
      // The organization is in the roles+acl mode (demoCrmItems): everyone's row leaves the roles to decide.
      acl: { rows: EVERYONE_ACL.rows.map((r) => ({ principal: r.principal, rights: [...r.rights] })), exclusions: [] },
      createdBy: 'demo-manager',
      createdAt: now,
      updatedAt: now,
      version: 1,
    }),
  );
  const items = [
    { itemId: DEMO_ITEM_IDS[0], name: 'Consulting hour', unit: 'h', unitPrice: 12_000, vatRate: 23 },
    { itemId: DEMO_ITEM_IDS[1], name: 'Support plan (month)', unit: 'mo', unitPrice: 49_900, vatRate: 23 },
  ].map((i) => itemEntity.item({ ...i, accountId: acc, currency: 'EUR', createdBy: 'demo-manager', createdAt: now, updatedAt: now, version: 1 }));
  const issued = priceLines([
    { description: 'Consulting hour', itemId: DEMO_ITEM_IDS[0], quantity: 7.5, unit: 'h', unitPrice: 12_000, vatRate: 23 },
    { description: 'Support plan (month)', itemId: DEMO_ITEM_IDS[1], quantity: 1, unit: 'mo', unitPrice: 49_900, vatRate: 23 },
  ]);
  const draft = priceLines([{ description: 'Workshop day', quantity: 1, unitPrice: 95_000, vatRate: 23 }]);
  const base = { kind: 'invoice' as const, organizationId: DEMO_ORGANIZATION_ID, accountId: acc, currency: 'EUR', paid: 0, createdAt: now, updatedAt: now, version: 1 };
  const issuedInvoice = documentEntity.item({
    ...base,
    ...issued,
    documentId: DEMO_INVOICE_IDS[0],
    sequence: 1,
    number: formatDocumentNumber('invoice', 1),
    status: 'issued',
    clientId: DEMO_CLIENT_IDS[0],
    clientName: 'Nordlicht GmbH',
    issueDate: '2026-01-15',
    dueDate: '2026-01-29',
    createdBy: 'demo-manager',
    updatedBy: 'demo-manager',
  });
  // The counter agrees with the one issued invoice: the next issued one is INV-000002.
  const counter = documentCounterEntity.item({ accountId: acc, kind: 'invoice', last: 1 });
  return [
    ...clients,
    ...items,
    issuedInvoice,
    counter,
    documentEntity.item({
      ...base,
      ...draft,
      documentId: DEMO_INVOICE_IDS[1],
      status: 'draft',
      clientId: DEMO_CLIENT_IDS[1],
      clientName: 'Baltic Bakery Sp. z o.o.',
      issueDate: '2026-02-02',
      dueDate: '2026-02-16',
      createdBy: 'demo-employee',
      updatedBy: 'demo-employee',
    }),
  ];
}
