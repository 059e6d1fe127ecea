import { accountItem, grantItem, membershipItem, organizationItem, userItem } from '#shared/data/items.js';
import { mainAccountIdOf } from '#shared/domain/ids.js';

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
  // SPEC 3.4: a member of the first sub-account only.
  { userId: 'demo-branch', email: 'branch@demo.kontor.dev', name: 'Bruno Branch', accountId: DEMO_SUB_ACCOUNT_1_ID, role: 'manager' },
];

export const demoUserByEmail = (email: string): DemoUser | undefined =>
  DEMO_USERS.find((u) => u.email === email.toLowerCase());

/** Every item of the demo organization, ready to put. */
export function demoItems(now: string = new Date(0).toISOString()): Array<{ pk: string; sk: string }> {
  const owner = DEMO_USERS[0]!;
  return [
    organizationItem({
      organizationId: DEMO_ORGANIZATION_ID,
      name: 'Demo Trading Sp. z o.o.',
      plan: 'small',
      features: [],
      customRoles: {},
      createdAt: now,
      createdBy: owner.userId,
      version: 1,
    }),
    accountItem({
      accountId: DEMO_MAIN_ACCOUNT_ID,
      organizationId: DEMO_ORGANIZATION_ID,
      kind: 'main',
      name: 'Demo Trading (main)',
      status: 'active',
      createdAt: now,
      version: 1,
    }),
    accountItem({
      accountId: DEMO_SUB_ACCOUNT_1_ID,
      organizationId: DEMO_ORGANIZATION_ID,
      kind: 'sub',
      name: 'Kraków branch',
      externalId: 'KRK-01',
      status: 'active',
      createdAt: now,
      version: 1,
    }),
    accountItem({
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
      userItem({ userId: u.userId, email: u.email, name: u.name, updatedAt: now }),
      membershipItem({
        accountId: u.accountId,
        organizationId: DEMO_ORGANIZATION_ID,
        userId: u.userId,
        email: u.email,
        role: u.role,
        createdAt: now,
        version: 1,
      }),
    ]),
    // SPEC 3.3: the manager has been given access to the first sub-account only.
    grantItem({
      organizationId: DEMO_ORGANIZATION_ID,
      mainAccountId: DEMO_MAIN_ACCOUNT_ID,
      subAccountId: DEMO_SUB_ACCOUNT_1_ID,
      userId: 'demo-manager',
      grantedBy: owner.userId,
      grantedAt: now,
    }),
  ];
}
