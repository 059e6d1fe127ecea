import { createApiHandler, jsonResponse, parse, parseJsonBody, requirePrincipal } from '#shared/http/api.js';
import { organizationContracts as c } from '#shared/contracts/organization.js';
import { defaultStore } from '#shared/data/context.js';
import { ValidationError } from '#shared/domain/errors.js';
import {
  billing,
  changePlan,
  createSubAccount,
  listAudit,
  listSubAccounts,
  myAccounts,
  readAccount,
  readPlan,
  setFeature,
  signUp,
  updateAccount,
} from './organization.js';
import { accountView, auditView, organizationView, planView } from './views.js';

/* Sign-up, accounts, sub-accounts, plan, features, billing and audit (issue 4). */

function idempotencyKey(headers: Record<string, string>): string | undefined {
  const key = headers['idempotency-key'];
  if (key === undefined) return undefined;
  if (key.length < 1 || key.length > 255) {
    throw new ValidationError('the Idempotency-Key header is invalid', {
      errors: [{ field: 'header.Idempotency-Key', message: '1 to 255 characters' }],
    });
  }
  return key;
}

export const handler = createApiHandler('organization', {
  createOrganization: async (req) => {
    const body = parseJsonBody(req, c.createOrganization.body);
    const out = await signUp(defaultStore(), req.caller, body, idempotencyKey(req.headers));
    return jsonResponse(out.created ? 201 : 200, organizationView(out.organization));
  },
  listMyAccounts: async (req) => jsonResponse(200, { accounts: await myAccounts(defaultStore(), req.caller) }),
  getAccount: async (req) => {
    parse('path', c.getAccount.path, req.pathParameters);
    return jsonResponse(200, accountView(await readAccount(defaultStore(), requirePrincipal(req))));
  },
  updateAccount: async (req) => {
    parse('path', c.updateAccount.path, req.pathParameters);
    const account = await updateAccount(defaultStore(), requirePrincipal(req), parseJsonBody(req, c.updateAccount.body));
    return jsonResponse(200, accountView(account));
  },
  listSubAccounts: async (req) => {
    parse('path', c.listSubAccounts.path, req.pathParameters);
    const page = await listSubAccounts(defaultStore(), requirePrincipal(req), parse('query', c.listSubAccounts.query, req.query));
    return jsonResponse(200, { items: page.items.map(accountView), nextCursor: page.nextCursor });
  },
  createSubAccount: async (req) => {
    parse('path', c.createSubAccount.path, req.pathParameters);
    const account = await createSubAccount(defaultStore(), requirePrincipal(req), parseJsonBody(req, c.createSubAccount.body));
    return jsonResponse(201, accountView(account));
  },
  getPlan: async (req) => {
    parse('path', c.getPlan.path, req.pathParameters);
    return jsonResponse(200, planView(await readPlan(defaultStore(), requirePrincipal(req))));
  },
  changePlan: async (req) => {
    parse('path', c.changePlan.path, req.pathParameters);
    const org = await changePlan(defaultStore(), requirePrincipal(req), parseJsonBody(req, c.changePlan.body));
    return jsonResponse(200, planView(org));
  },
  activateFeature: async (req) => {
    const { feature } = parse('path', c.activateFeature.path, req.pathParameters);
    return jsonResponse(200, planView(await setFeature(defaultStore(), requirePrincipal(req), feature, true)));
  },
  deactivateFeature: async (req) => {
    const { feature } = parse('path', c.deactivateFeature.path, req.pathParameters);
    return jsonResponse(200, planView(await setFeature(defaultStore(), requirePrincipal(req), feature, false)));
  },
  getBilling: async (req) => {
    parse('path', c.getBilling.path, req.pathParameters);
    return jsonResponse(200, await billing(defaultStore(), requirePrincipal(req)));
  },
  listAudit: async (req) => {
    parse('path', c.listAudit.path, req.pathParameters);
    const { actor, target, ...page } = parse('query', c.listAudit.query, req.query);
    const out = await listAudit(defaultStore(), requirePrincipal(req), { actor, target }, page);
    return jsonResponse(200, { items: out.items.map(auditView), nextCursor: out.nextCursor });
  },
});
