import { newEnforcer, newModelFromString, type Enforcer } from 'casbin';
import type { BenchAction, BenchRole, Workload } from '../workload.js';

/*
 * node-casbin's side: RBAC with domains, the domain being the account. Casbin has no
 * notion of sub-account rules, so they become role links, as a casbin deployment would
 * maintain them: a user's role in its own account, the same role in each granted
 * sub-account (SPEC 3.3, 3.7), the Owner in every sub-account (3.5), Backoffice in every
 * sub-account while available (4.2), and no link at all into an archived sub-account
 * except the Owner's. The object is "own" or "others" (SPEC 1.3's split).
 */
const MODEL = `
[request_definition]
r = sub, dom, obj, act

[policy_definition]
p = sub, obj, act

[role_definition]
g = _, _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = g(r.sub, p.sub, r.dom) && (p.obj == "any" || p.obj == r.obj) && r.act == p.act
`;

const ANY: Record<BenchRole, BenchAction[]> = {
  owner: [
    'users.invite', 'users.change-roles', 'documents.create', 'documents.view', 'documents.edit', 'documents.delete',
    'settings.edit-business', 'settings.edit-payment-methods', 'settings.edit-other', 'clients.view', 'clients.create',
    'clients.edit', 'clients.delete', 'products.view', 'products.create', 'products.edit', 'products.delete',
    'reports.view', 'exports.export', 'accounting.view', 'accounting.edit', 'payments.view', 'payments.create',
    'payments.delete',
  ],
  manager: [
    'documents.create', 'documents.view', 'documents.edit', 'documents.delete', 'settings.edit-business',
    'settings.edit-payment-methods', 'settings.edit-other', 'clients.view', 'clients.create', 'clients.edit',
    'clients.delete', 'products.view', 'products.create', 'products.edit', 'products.delete', 'reports.view',
    'exports.export', 'accounting.view', 'accounting.edit', 'payments.view', 'payments.create', 'payments.delete',
  ],
  employee: ['documents.create', 'clients.view', 'clients.create', 'clients.edit', 'products.view', 'products.create', 'products.edit', 'payments.create'],
  accountant: ['documents.view', 'clients.view', 'products.view', 'reports.view', 'exports.export', 'accounting.view', 'payments.view'],
  backoffice: [
    'documents.create', 'documents.view', 'documents.edit', 'clients.view', 'products.view', 'reports.view',
    'exports.export', 'accounting.view', 'accounting.edit', 'payments.view', 'payments.create', 'payments.delete',
  ],
};
const OWN_ONLY: Partial<Record<BenchRole, BenchAction[]>> = {
  employee: ['documents.view', 'documents.edit', 'documents.delete', 'reports.view', 'payments.view'],
};

export async function loadCasbin(w: Workload): Promise<Enforcer> {
  const e = await newEnforcer(newModelFromString(MODEL));
  const policies: string[][] = [];
  for (const [role, actions] of Object.entries(ANY)) for (const a of actions) policies.push([`role:${role}`, 'any', a]);
  for (const [role, actions] of Object.entries(OWN_ONLY)) for (const a of actions ?? []) policies.push([`role:${role}`, 'own', a]);
  await e.addPolicies(policies);

  const links: string[][] = [];
  for (const org of w.organizations) {
    const backoffice = org.plan !== 'free' && org.selfBookkeeping;
    const subs = org.accounts.filter((a) => a.kind === 'sub');
    for (const u of org.users) {
      const link = (accountId: string) => links.push([u.userId, `role:${u.role}`, accountId]);
      if (u.role === 'owner') {
        link(org.mainAccountId);
        for (const s of subs) link(s.accountId);
      } else if (u.role === 'backoffice') {
        if (!backoffice) continue;
        link(org.mainAccountId);
        for (const s of subs) if (!s.archived) link(s.accountId);
      } else {
        if (!u.home.archived) link(u.home.accountId);
        for (const g of u.grants) if (!subs.find((s) => s.accountId === g)!.archived) link(g);
      }
    }
  }
  await e.addGroupingPolicies(links);
  return e;
}

export interface CasbinCase {
  sub: string;
  dom: string;
  obj: 'own' | 'others';
  act: string;
}

export const prepareCasbin = (w: Workload): CasbinCase[] =>
  w.checks.map((c) => ({ sub: c.user.userId, dom: c.account.accountId, obj: c.ownerId === c.user.userId ? 'own' : 'others', act: c.action }));

export const casbinDecide = (e: Enforcer, c: CasbinCase): boolean => e.enforceSync(c.sub, c.dom, c.obj, c.act);
