import { ACCOUNT_PREFIX } from './account-prefix.js';
import type { Action } from '../authz/catalogue.js';
import { PRICING_ROUTES } from './routes/pricing.js';
import { STOCK_ROUTES } from './routes/stock.js';
import { DOCUMENT_KIND_NAMES, DOCUMENT_KINDS as DOCUMENT_KIND_LIST } from '../domain/invoicing/documents.js';
import { BANK_ROUTES } from './routes/bank.js';
import { ACCOUNTING_ROUTES } from './routes/accounting.js';
import { CRM_ROUTES } from './routes/crm.js';
import { INTEGRATION_ROUTES } from './routes/integrations.js';
import { EXPLORER_ROUTES } from './routes/explorer.js';

/*
 * The route table: the single source of truth for the API. The CDK stack builds its API
 * Gateway resources from it, the authorizer builds its IAM policy from it, and the local
 * server routes with it. A route's `auth` says who may reach it:
 *   - 'public': no authorizer (liveness, the OpenAPI document);
 *   - 'user': any caller with a valid token, not tied to an account (/me, sign-up);
 *   - 'webhook': no token; the webhook authorizer admits a delivery while its integration
 *     may act (SPEC 6.3), and the function verifies the provider's signature;
 *   - an action: a caller whose permissions in the path's account include that action
 *     (for scoped actions, either scope: the handler narrows to own objects).
 */

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** The Lambda functions behind the API, with the table access each one needs. */
export const FUNCTIONS = {
  system: { entry: 'functions/system/handler.ts', table: 'none', description: 'Health and API description' },
  identity: { entry: 'functions/identity/handler.ts', table: 'read', description: 'The caller and their memberships' },
  // --- organization administration
  organization: {
    entry: 'functions/organization/handler.ts',
    table: 'readwrite',
    description: 'Sign-up, accounts, sub-accounts, plan, features, billing and audit',
  },
  members: {
    entry: 'functions/members/handler.ts',
    table: 'readwrite',
    description: 'Members, grants, invitations and custom roles',
  },
  // --- invoicing
  documents: { entry: 'functions/documents/handler.ts', table: 'readwrite', description: 'Invoices, estimates, expenses, time entries' },
  catalog: { entry: 'functions/catalog/handler.ts', table: 'readwrite', description: 'Clients and items' },
  payments: { entry: 'functions/payments/handler.ts', table: 'readwrite', description: 'Payments against invoices' },
  reporting: { entry: 'functions/reporting/handler.ts', table: 'read', description: 'Reports and exports' },
  settings: { entry: 'functions/settings/handler.ts', table: 'readwrite', description: 'Business settings' },
  bank: { entry: 'functions/bank/handler.ts', table: 'readwrite', description: 'Bank statement imports, their transactions, e-receipts' },
  receipts: { entry: 'functions/receipts/handler.ts', table: 'read', description: 'E-receipts for their link holders (public)' },
  accounting: { entry: 'functions/accounting/handler.ts', table: 'readwrite', description: 'Ledger, VAT register, closing months, filings and receipts' },
  warehouses: { entry: 'functions/warehouses/handler.ts', table: 'readwrite', description: 'Warehouses, warehouse documents and stock' },
  pricing: { entry: 'functions/pricing/handler.ts', table: 'readwrite', description: 'Price lists and promo codes' },
  crm: { entry: 'functions/crm/handler.ts', table: 'readwrite', description: 'CRM objects, their ACLs and the permission mode' },
  integrations: { entry: 'functions/integrations/handler.ts', table: 'readwrite', description: 'Integrations catalogue, delivery logs and shop orders' },
  webhooks: { entry: 'functions/webhooks/handler.ts', table: 'readwrite', description: 'Webhook deliveries of shops (signed, behind the webhook authorizer)' },
  explorer: { entry: 'functions/explorer/handler.ts', table: 'none', description: 'The access explorer page and its assets' },
} as const satisfies Record<string, { entry: string; table: 'none' | 'read' | 'readwrite'; description: string }>;
export type FunctionName = keyof typeof FUNCTIONS;

export type RouteAuth = 'public' | 'user' | 'webhook' | { readonly action: Action };

export interface Route {
  /** Stable operation id: the OpenAPI operationId and the handler's dispatch key. */
  readonly id: string;
  readonly method: HttpMethod;
  /** API Gateway path template; every tenant route starts with /accounts/{accountId}. */
  readonly path: string;
  readonly fn: FunctionName;
  readonly auth: RouteAuth;
  readonly summary: string;
  /**
   * A POST that creates something: an `Idempotency-Key` header makes it safe to retry (the
   * first 2xx answer is replayed, never a second effect). See shared/http/idempotency.ts.
   */
  readonly idempotent?: true;
  /**
   * Optimistic locking: where the route reads the version the change is based on. The
   * wrapper then accepts `If-Match: "<version>"` as the same thing (and answers 412 when
   * the two disagree or the version is stale). Routes without it ignore If-Match: their
   * resources carry no version to compare.
   */
  readonly versioned?: 'body' | 'query';
  /**
   * Media types of a raw (non-JSON) request body this route reads as text, e.g. a bank
   * statement file. Only these are added to JSON for this route; every other route still
   * answers 415 to anything but JSON, and the size limit (413) holds for all.
   */
  readonly rawBody?: readonly string[];
}

export { ACCOUNT_PREFIX };


const A = ACCOUNT_PREFIX;
const act = (action: Action) => ({ action }) as const;

/** The four document types of SPEC.md 1 share one shape of routes and one permission area. */
const DOCUMENT_KINDS = DOCUMENT_KIND_LIST.map((kind) => {
  const { segment, one, many } = DOCUMENT_KIND_NAMES[kind];
  return [segment, one, many] as const;
});

const documentRoutes = DOCUMENT_KINDS.flatMap(([segment, one, many]) => [
  { id: `list${many}`, method: 'GET', path: `${A}/${segment}`, fn: 'documents', auth: act('documents.view'), summary: `List ${segment}` },
  { id: `create${one}`, method: 'POST', path: `${A}/${segment}`, fn: 'documents', auth: act('documents.create'), summary: `Create a document in ${segment}`, idempotent: true },
  { id: `get${one}`, method: 'GET', path: `${A}/${segment}/{documentId}`, fn: 'documents', auth: act('documents.view'), summary: `Read one of ${segment}` },
  { id: `update${one}`, method: 'PATCH', path: `${A}/${segment}/{documentId}`, fn: 'documents', auth: act('documents.edit'), summary: `Change one of ${segment}`, versioned: 'body' },
  { id: `delete${one}`, method: 'DELETE', path: `${A}/${segment}/{documentId}`, fn: 'documents', auth: act('documents.delete'), summary: `Delete one of ${segment}` },
] as const);

export const ROUTES = [
  // --- system and identity
  { id: 'health', method: 'GET', path: '/health', fn: 'system', auth: 'public', summary: 'Liveness' },
  { id: 'getOpenApi', method: 'GET', path: '/openapi.json', fn: 'system', auth: 'public', summary: 'The OpenAPI 3.1 document' },
  { id: 'getApiReference', method: 'GET', path: '/docs', fn: 'system', auth: 'public', summary: 'Interactive API reference (HTML) of the OpenAPI document' },
  { id: 'getApiReferenceAsset', method: 'GET', path: '/docs/assets/{file}', fn: 'system', auth: 'public', summary: 'A script or stylesheet of the API reference' },
  { id: 'getCatalogue', method: 'GET', path: '/catalogue', fn: 'system', auth: 'public', summary: 'The permission catalogue, the built-in roles, plans and the ACL vocabulary' },
  ...EXPLORER_ROUTES,
  { id: 'getMe', method: 'GET', path: '/me', fn: 'identity', auth: 'user', summary: 'The caller and their memberships' },
  { id: 'listMyAccounts', method: 'GET', path: '/me/accounts', fn: 'organization', auth: 'user', summary: 'The accounts the caller may switch to' },
  // Sign-up is idempotent in its domain (a per-user guard item written in the sign-up
  // transaction; a retry answers 200 with the organization), so it is not `idempotent` here.
  { id: 'createOrganization', method: 'POST', path: '/organizations', fn: 'organization', auth: 'user', summary: 'Sign up: a new organization, the caller its Owner' },

  // --- organization administration
  { id: 'getAccount', method: 'GET', path: A, fn: 'organization', auth: act('settings.view'), summary: 'An account' },
  { id: 'updateAccount', method: 'PATCH', path: A, fn: 'organization', auth: act('sub-accounts.edit'), summary: 'Rename, archive or restore an account, or replace its external identifiers', versioned: 'body' },
  // Archiving has its own area action (SPEC 2.2 sub-accounts), so it has its own routes: a
  // custom role may archive without renaming, and a cached policy tells the two apart.
  { id: 'archiveAccount', method: 'POST', path: `${A}/archive`, fn: 'organization', auth: act('sub-accounts.archive'), summary: 'Archive a sub-account (its members lose access until it is restored)', versioned: 'body' },
  { id: 'restoreAccount', method: 'POST', path: `${A}/restore`, fn: 'organization', auth: act('sub-accounts.archive'), summary: 'Restore an archived sub-account', versioned: 'body' },
  { id: 'listSubAccounts', method: 'GET', path: `${A}/sub-accounts`, fn: 'organization', auth: act('sub-accounts.view'), summary: 'Sub-accounts of a main account' },
  { id: 'createSubAccount', method: 'POST', path: `${A}/sub-accounts`, fn: 'organization', auth: act('sub-accounts.create'), summary: 'Create a sub-account', idempotent: true },
  { id: 'getPlan', method: 'GET', path: `${A}/plan`, fn: 'organization', auth: act('settings.view'), summary: 'The plan and features' },
  { id: 'changePlan', method: 'PUT', path: `${A}/plan`, fn: 'organization', auth: act('organization.manage-plan'), summary: 'Change the plan', versioned: 'body' },
  { id: 'activateFeature', method: 'PUT', path: `${A}/features/{feature}`, fn: 'organization', auth: act('accounting.activate-self-bookkeeping'), summary: 'Activate a feature' },
  // SPEC 4.1: the Accountant may switch self-bookkeeping on but not off, so each side has its own action.
  { id: 'deactivateFeature', method: 'DELETE', path: `${A}/features/{feature}`, fn: 'organization', auth: act('accounting.deactivate-self-bookkeeping'), summary: 'Deactivate a feature' },
  { id: 'getBilling', method: 'GET', path: `${A}/billing`, fn: 'organization', auth: act('organization.view-billing'), summary: 'Consolidated billing summary' },
  { id: 'listAudit', method: 'GET', path: `${A}/audit`, fn: 'organization', auth: act('organization.view-audit'), summary: 'The audit log, newest first' },

  { id: 'listMembers', method: 'GET', path: `${A}/members`, fn: 'members', auth: act('users.view'), summary: 'Members with their roles and grants' },
  // No route enrols a person directly (SPEC 2.4): an invitation, accepted with their verified e-mail, is the only way in.
  { id: 'getMember', method: 'GET', path: `${A}/members/{userId}`, fn: 'members', auth: act('users.view'), summary: 'A member with their role and grants' },
  { id: 'updateMember', method: 'PATCH', path: `${A}/members/{userId}`, fn: 'members', auth: act('users.change-roles'), summary: "Change a member's role", versioned: 'body' },
  // SPEC 2.4: by e-mail as well as by id. A literal segment, so it wins over {userId} (user ids never read `by-email`).
  { id: 'updateMemberByEmail', method: 'PATCH', path: `${A}/members/by-email`, fn: 'members', auth: act('users.change-roles'), summary: "Change the role of the member with this e-mail", versioned: 'body' },
  { id: 'removeMember', method: 'DELETE', path: `${A}/members/{userId}`, fn: 'members', auth: act('users.remove'), summary: 'Remove a member', versioned: 'query' },
  { id: 'grantSubAccount', method: 'PUT', path: `${A}/members/{userId}/grants/{subAccountId}`, fn: 'members', auth: act('sub-accounts.manage-access'), summary: 'Give a main-account member access to a sub-account' },
  { id: 'replaceGrants', method: 'PUT', path: `${A}/members/{userId}/grants`, fn: 'members', auth: act('sub-accounts.manage-access'), summary: "Replace the set of sub-accounts a main-account member reaches, in one change", versioned: 'body' },
  { id: 'revokeSubAccount', method: 'DELETE', path: `${A}/members/{userId}/grants/{subAccountId}`, fn: 'members', auth: act('sub-accounts.manage-access'), summary: 'Revoke access to a sub-account' },
  { id: 'listInvitations', method: 'GET', path: `${A}/invitations`, fn: 'members', auth: act('users.view'), summary: 'Pending invitations' },
  { id: 'createInvitation', method: 'POST', path: `${A}/invitations`, fn: 'members', auth: act('users.invite'), summary: 'Invite by e-mail with a role', idempotent: true },
  { id: 'revokeInvitation', method: 'DELETE', path: `${A}/invitations/{invitationId}`, fn: 'members', auth: act('users.invite'), summary: 'Revoke a pending invitation (accepting it then answers 409 not-pending)' },
  { id: 'acceptInvitation', method: 'POST', path: '/invitations/{invitationId}/accept', fn: 'members', auth: 'user', summary: 'Accept an invitation (verified e-mail must match)' },
  { id: 'listRoles', method: 'GET', path: `${A}/roles`, fn: 'members', auth: act('users.view'), summary: 'Custom roles' },
  { id: 'createRole', method: 'POST', path: `${A}/roles`, fn: 'members', auth: act('users.change-roles'), summary: 'Create a custom role', idempotent: true },
  { id: 'getRole', method: 'GET', path: `${A}/roles/{roleId}`, fn: 'members', auth: act('users.view'), summary: 'A custom role' },
  { id: 'updateRole', method: 'PATCH', path: `${A}/roles/{roleId}`, fn: 'members', auth: act('users.change-roles'), summary: 'Rename a custom role or change its permissions', versioned: 'body' },
  { id: 'deleteRole', method: 'DELETE', path: `${A}/roles/{roleId}`, fn: 'members', auth: act('users.change-roles'), summary: 'Delete an unassigned custom role', versioned: 'query' },

  // --- invoicing
  ...documentRoutes,
  { id: 'listClients', method: 'GET', path: `${A}/clients`, fn: 'catalog', auth: act('clients.view'), summary: 'The full client list' },
  { id: 'createClient', method: 'POST', path: `${A}/clients`, fn: 'catalog', auth: act('clients.create'), summary: 'Create a client', idempotent: true },
  { id: 'getClient', method: 'GET', path: `${A}/clients/{clientId}`, fn: 'catalog', auth: act('clients.view'), summary: 'A client' },
  { id: 'updateClient', method: 'PATCH', path: `${A}/clients/{clientId}`, fn: 'catalog', auth: act('clients.edit'), summary: 'Change a client', versioned: 'body' },
  { id: 'deleteClient', method: 'DELETE', path: `${A}/clients/{clientId}`, fn: 'catalog', auth: act('clients.delete'), summary: 'Delete a client' },
  { id: 'listItems', method: 'GET', path: `${A}/items`, fn: 'catalog', auth: act('products.view'), summary: 'The full item list' },
  { id: 'createItem', method: 'POST', path: `${A}/items`, fn: 'catalog', auth: act('products.create'), summary: 'Create an item', idempotent: true },
  { id: 'getItem', method: 'GET', path: `${A}/items/{itemId}`, fn: 'catalog', auth: act('products.view'), summary: 'An item' },
  { id: 'updateItem', method: 'PATCH', path: `${A}/items/{itemId}`, fn: 'catalog', auth: act('products.edit'), summary: 'Change an item', versioned: 'body' },
  { id: 'deleteItem', method: 'DELETE', path: `${A}/items/{itemId}`, fn: 'catalog', auth: act('products.delete'), summary: 'Delete an item' },
  { id: 'listPayments', method: 'GET', path: `${A}/payments`, fn: 'payments', auth: act('payments.view'), summary: 'Payments' },
  { id: 'createPayment', method: 'POST', path: `${A}/payments`, fn: 'payments', auth: act('payments.create'), summary: 'Record a payment against an invoice', idempotent: true },
  { id: 'getPayment', method: 'GET', path: `${A}/payments/{paymentId}`, fn: 'payments', auth: act('payments.view'), summary: 'A payment' },
  { id: 'deletePayment', method: 'DELETE', path: `${A}/payments/{paymentId}`, fn: 'payments', auth: act('payments.delete'), summary: 'Delete a payment' },
  { id: 'getTimeReport', method: 'GET', path: `${A}/reports/time`, fn: 'reporting', auth: act('reports.view'), summary: 'Hours and their value per member and client' },
  { id: 'getReport', method: 'GET', path: `${A}/reports/{report}`, fn: 'reporting', auth: act('reports.view'), summary: 'Revenue, outstanding or expenses by period and client' },
  { id: 'getExport', method: 'GET', path: `${A}/exports/{dataset}`, fn: 'reporting', auth: act('exports.export'), summary: 'CSV or JSON export of documents, clients, items or payments' },
  // Each settings section has its own permission (SPEC.md 1), so each is its own route:
  // a cached policy can then allow reading a section while denying its change.
  { id: 'getBusinessSettings', method: 'GET', path: `${A}/settings/business`, fn: 'settings', auth: act('settings.view'), summary: 'Business information' },
  { id: 'updateBusinessSettings', method: 'PATCH', path: `${A}/settings/business`, fn: 'settings', auth: act('settings.edit-business'), summary: 'Change business information', versioned: 'body' },
  { id: 'getPaymentMethodSettings', method: 'GET', path: `${A}/settings/payment-methods`, fn: 'settings', auth: act('settings.view'), summary: 'Payment methods' },
  { id: 'updatePaymentMethodSettings', method: 'PATCH', path: `${A}/settings/payment-methods`, fn: 'settings', auth: act('settings.edit-payment-methods'), summary: 'Set payment methods', versioned: 'body' },
  { id: 'getOtherSettings', method: 'GET', path: `${A}/settings/other`, fn: 'settings', auth: act('settings.view'), summary: 'Payment terms, terms and conditions, currency, templates, reminders' },
  { id: 'updateOtherSettings', method: 'PATCH', path: `${A}/settings/other`, fn: 'settings', auth: act('settings.edit-other'), summary: 'Change other business settings', versioned: 'body' },
  // Branding is business information (SPEC 1: "change business information"), so its change is that section's permission.
  { id: 'getBrandingSettings', method: 'GET', path: `${A}/settings/branding`, fn: 'settings', auth: act('settings.view'), summary: 'Branding: logo, colours, document footer' },
  { id: 'updateBrandingSettings', method: 'PATCH', path: `${A}/settings/branding`, fn: 'settings', auth: act('settings.edit-business'), summary: 'Change the branding', versioned: 'body' },
  ...BANK_ROUTES,
  ...ACCOUNTING_ROUTES,
  ...STOCK_ROUTES,
  ...PRICING_ROUTES,
  ...CRM_ROUTES,
  ...INTEGRATION_ROUTES,
] as const satisfies readonly Route[];

export type RouteId = (typeof ROUTES)[number]['id'];

export const isAccountRoute = (route: Route): boolean =>
  route.path === ACCOUNT_PREFIX || route.path.startsWith(`${ACCOUNT_PREFIX}/`);

export const routesOf = (fn: FunctionName): readonly Route[] => ROUTES.filter((r) => r.fn === fn);

export function findRoute(method: string, resource: string): Route | undefined {
  return (ROUTES as readonly Route[]).find((r) => r.method === method && r.path === resource);
}

/**
 * Matches a concrete path against the table as API Gateway would: literal segments win
 * over `{param}` segments at the same position. Returns the route and its parameters.
 */
export function matchPath(
  method: string,
  path: string,
): { route: Route; pathParameters: Record<string, string> } | { route: undefined; pathExists: boolean } {
  const parts = splitPath(path);
  let best: { route: Route; pathParameters: Record<string, string>; score: number } | undefined;
  let pathExists = false;
  for (const route of ROUTES as readonly Route[]) {
    const template = splitPath(route.path);
    if (template.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let score = 0;
    let ok = true;
    for (let i = 0; i < template.length && ok; i++) {
      const t = template[i]!;
      if (t.startsWith('{') && t.endsWith('}')) {
        if (parts[i] === '') ok = false;
        else params[t.slice(1, -1)] = safeDecode(parts[i]!);
      } else if (t === parts[i]) score += 1 << (template.length - i);
      else ok = false;
    }
    if (!ok) continue;
    pathExists = true;
    if (route.method !== method) continue;
    if (!best || score > best.score) best = { route, pathParameters: params, score };
  }
  return best ? { route: best.route, pathParameters: best.pathParameters } : { route: undefined, pathExists };
}

const splitPath = (p: string): string[] => p.replace(/^\/+|\/+$/g, '').split('/');
const safeDecode = (s: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};
