import { describe, expect, it } from 'vitest';
import type { Action } from '#shared/authz/catalogue.js';
import { decide, resolveAccess, type Principal } from '#shared/authz/engine.js';
import { factsFor, simpleOrg } from './world.js';

/*
 * SPEC.md section 1, copied as literal data: deliberately NOT derived from
 * shared/authz/roles.ts, so this file fails the day roles.ts drifts from the spec.
 * Each row is checked for every built-in role on a document the caller created and on a
 * document someone else created, through resolveAccess (a main-account member with that
 * role) and decide.
 */
type Cell = 'yes' | 'no' | 'own-only';
type Role = 'owner' | 'manager' | 'employee' | 'accountant' | 'backoffice';
type Whose = 'own' | 'others';

interface Row {
  row: string;
  cells: Record<Role, Cell>;
  /** The actions the row speaks of; `on` limits a row to one side of the own/others split. */
  checks: Array<{ action: Action; on?: Whose }>;
}

const row = (
  name: string,
  [owner, manager, employee, accountant, backoffice]: [Cell, Cell, Cell, Cell, Cell],
  checks: Row['checks'],
): Row => ({ row: name, cells: { owner, manager, employee, accountant, backoffice }, checks });

//                                                                 Owner  Manager Employee    Accountant Backoffice (4.2)
const SPEC_1: Row[] = [
  row('invite users and change roles',                            ['yes', 'no',  'no',       'no',  'no'],  [{ action: 'users.invite' }, { action: 'users.change-roles' }]),
  row('create documents',                                         ['yes', 'yes', 'yes',      'no',  'yes'], [{ action: 'documents.create' }]),
  row('view and edit documents they created',                     ['yes', 'yes', 'yes',      'no',  'yes'], [{ action: 'documents.view', on: 'own' }, { action: 'documents.edit', on: 'own' }]),
  row('view documents created by others',                         ['yes', 'yes', 'no',       'yes', 'yes'], [{ action: 'documents.view', on: 'others' }]),
  row('edit documents created by others',                         ['yes', 'yes', 'no',       'no',  'yes'], [{ action: 'documents.edit', on: 'others' }]),
  row('change business information',                              ['yes', 'yes', 'no',       'no',  'no'],  [{ action: 'settings.edit-business' }]),
  row('set payment methods',                                      ['yes', 'yes', 'no',       'no',  'no'],  [{ action: 'settings.edit-payment-methods' }]),
  row('change other business settings',                           ['yes', 'yes', 'no',       'no',  'no'],  [{ action: 'settings.edit-other' }]),
  row('create and edit clients / items',                          ['yes', 'yes', 'yes',      'no',  'no'],  [{ action: 'clients.create' }, { action: 'clients.edit' }, { action: 'products.create' }, { action: 'products.edit' }]),
  row('view the full client / item lists',                        ['yes', 'yes', 'yes',      'yes', 'yes'], [{ action: 'clients.view' }, { action: 'products.view' }]),
  row('delete clients / items',                                   ['yes', 'yes', 'no',       'no',  'no'],  [{ action: 'clients.delete' }, { action: 'products.delete' }]),
  row('view reports',                                             ['yes', 'yes', 'own-only', 'yes', 'yes'], [{ action: 'reports.view' }]),
  row('export data',                                              ['yes', 'yes', 'no',       'yes', 'yes'], [{ action: 'exports.export' }]),
];

/*
 * What the prose of SPEC.md 1.1-1.4 and 4.2 adds to the table: 1.2 "cannot add or remove
 * members", 1.3 "full access to the documents they created (view, edit, delete)", 1.4
 * "cannot create, edit or delete anything"; 4.1 the Accountant activates self-bookkeeping
 * but only the management role (the Owner) switches it off; 4.2 the bookkeeping functions
 * (accounting, payments, UPO) of Backoffice, which does not delete documents or manage anything.
 */
const SPEC_1_PROSE_AND_4_2: Row[] = [
  row('remove members (1.2)',                                     ['yes', 'no',  'no',       'no',  'no'],  [{ action: 'users.remove' }]),
  row('delete documents they created (1.3)',                      ['yes', 'yes', 'yes',      'no',  'no'],  [{ action: 'documents.delete', on: 'own' }]),
  row('delete documents created by others (1.2)',                 ['yes', 'yes', 'no',       'no',  'no'],  [{ action: 'documents.delete', on: 'others' }]),
  row('view the books (4.2)',                                     ['yes', 'yes', 'no',       'yes', 'yes'], [{ action: 'accounting.view' }]),
  row('keep the books (4.2)',                                     ['yes', 'yes', 'no',       'no',  'yes'], [{ action: 'accounting.edit' }]),
  row('view payments (4.2)',                                      ['yes', 'yes', 'own-only', 'yes', 'yes'], [{ action: 'payments.view' }]),
  row('record payments (4.2)',                                    ['yes', 'yes', 'yes',      'no',  'yes'], [{ action: 'payments.create' }]),
  row('delete payments (4.2)',                                    ['yes', 'yes', 'no',       'no',  'yes'], [{ action: 'payments.delete' }]),
  row('view tax-office receipts, UPO (4.2)',                      ['yes', 'yes', 'no',       'yes', 'yes'], [{ action: 'upo.view' }]),
  row('submit tax-office receipts, UPO (4.2)',                    ['yes', 'yes', 'no',       'no',  'yes'], [{ action: 'upo.submit' }]),
  row('manage integrations and add-ons (2.3)',                    ['yes', 'yes', 'no',       'no',  'no'],  [{ action: 'integrations.manage' }]),
  row('activate self-bookkeeping (4.1)',                          ['yes', 'no',  'no',       'yes', 'no'],  [{ action: 'accounting.activate-self-bookkeeping' }]),
  row('deactivate self-bookkeeping (4.1)',                        ['yes', 'no',  'no',       'no',  'no'],  [{ action: 'accounting.deactivate-self-bookkeeping' }]),
];

const ROWS = [...SPEC_1, ...SPEC_1_PROSE_AND_4_2];
const ROLES: Role[] = ['owner', 'manager', 'employee', 'accountant', 'backoffice'];

const permits = (cell: Cell, whose: Whose): boolean => cell === 'yes' || (cell === 'own-only' && whose === 'own');

/*
 * The expected answer for one check, from the table alone: some row naming this action
 * (on this side of the own/others split) permits it; and what a role may do to others'
 * documents it may do to its own (an Accountant reads every document, so also any it
 * might have created: 1.4 "read-only access to everything").
 */
function expected(role: Role, action: Action, whose: Whose): boolean {
  const byRow = ROWS.some(
    (r) => permits(r.cells[role], whose) && r.checks.some((c) => c.action === action && (c.on === undefined || c.on === whose)),
  );
  return byRow || (whose === 'own' && expected(role, action, 'others'));
}

const SELF = 'u-self';
const OTHER = 'u-other';
const org = simpleOrg({
  plan: 'small',
  features: ['self-bookkeeping'],
  main: Object.fromEntries(ROLES.map((r) => [`${SELF}-${r}`, r])),
});

function principalOf(role: Role): Principal {
  const access = resolveAccess(factsFor(org.world, `${SELF}-${role}`, org.mainAccountId)!);
  if (!access.allowed) throw new Error(`${role} did not resolve: ${access.reason}`);
  return access.principal;
}

const resource = (p: Principal, whose: Whose) => ({
  organizationId: org.organizationId,
  accountId: org.mainAccountId,
  ownerId: whose === 'own' ? p.userId : OTHER,
});

describe('SPEC.md 1: the built-in role matrix, own and others\' documents', () => {
  for (const r of ROWS) {
    describe(r.row, () => {
      for (const role of ROLES) {
        for (const whose of ['own', 'others'] as const) {
          const checks = r.checks.filter((c) => c.on === undefined || c.on === whose);
          if (checks.length === 0) continue;
          it(`${role}, on ${whose === 'own' ? 'its own' : "others'"} documents: ${r.cells[role]}`, () => {
            const p = principalOf(role);
            for (const c of checks) {
              const want = expected(role, c.action, whose);
              expect({ action: c.action, allowed: decide(p, c.action, resource(p, whose)).allowed }).toEqual({
                action: c.action,
                allowed: want,
              });
            }
          });
        }
      }
    });
  }

  it('reads the table as written: a "no" cell denies every write it names', () => {
    // Guards the expected() reading above: the own-from-others rule only ever adds reads.
    for (const r of SPEC_1) {
      for (const role of ROLES) {
        if (r.cells[role] !== 'no') continue;
        for (const c of r.checks) {
          if (c.action.endsWith('.view')) continue;
          for (const whose of c.on ? [c.on] : (['own', 'others'] as const)) {
            expect({ row: r.row, role, action: c.action, whose, allowed: expected(role, c.action, whose) }).toMatchObject({ allowed: false });
          }
        }
      }
    }
  });

  it('denies an Employee every scoped action on a document with no recorded creator', () => {
    const p = principalOf('employee');
    for (const action of ['documents.view', 'documents.edit', 'documents.delete', 'reports.view', 'payments.view'] as const) {
      expect(decide(p, action, { organizationId: org.organizationId, accountId: org.mainAccountId }).allowed).toBe(false);
    }
  });
});
