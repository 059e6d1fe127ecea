import { createApiHandler, jsonResponse, parse, parseJsonBody, requireActor, requirePrincipal } from '#shared/http/api.js';
import { organizationContracts as c } from '#shared/contracts/organization.js';
import { defaultStore } from '#shared/data/context.js';
import { idempotencyKeyOf } from '#shared/http/idempotency-key.js';
import * as organization from '#shared/usecases/organization.js';
import { pageView } from '#shared/views/page.js';
import { accountView, auditView, billingView, organizationView, planView, switchAccountView } from '#shared/views/organization.js';

/* Sign-up, accounts, sub-accounts, plan, features, billing and audit: parse, one use case, the view. */

export const handler = createApiHandler('organization', {
  createOrganization: async (req) => {
    const body = parseJsonBody(req, c.createOrganization.body);
    // Sign-up is idempotent in its domain (not a wrapper-`idempotent` route), keyed by the same header.
    const out = await organization.signUp(defaultStore(), req.caller, body, idempotencyKeyOf(req.headers));
    return jsonResponse(out.created ? 201 : 200, organizationView(out.organization));
  },
  listMyAccounts: async (req) => {
    const accounts = await organization.myAccounts(defaultStore(), req.caller);
    return jsonResponse(200, { accounts: accounts.map(switchAccountView) });
  },
  getAccount: async (req) => {
    parse('path', c.getAccount.path, req.pathParameters);
    return jsonResponse(200, accountView(await organization.readAccount(defaultStore(), requirePrincipal(req))));
  },
  updateAccount: async (req) => {
    parse('path', c.updateAccount.path, req.pathParameters);
    const account = await organization.updateAccount(defaultStore(), requireActor(req), parseJsonBody(req, c.updateAccount.body));
    return jsonResponse(200, accountView(account));
  },
  archiveAccount: async (req) => {
    parse('path', c.archiveAccount.path, req.pathParameters);
    const { version } = parseJsonBody(req, c.archiveAccount.body);
    return jsonResponse(200, accountView(await organization.updateAccount(defaultStore(), requireActor(req), { status: 'archived', version })));
  },
  restoreAccount: async (req) => {
    parse('path', c.restoreAccount.path, req.pathParameters);
    const { version } = parseJsonBody(req, c.restoreAccount.body);
    return jsonResponse(200, accountView(await organization.updateAccount(defaultStore(), requireActor(req), { status: 'active', version })));
  },
  listSubAccounts: async (req) => {
    parse('path', c.listSubAccounts.path, req.pathParameters);
    const page = await organization.listSubAccounts(defaultStore(), requirePrincipal(req), parse('query', c.listSubAccounts.query, req.query));
    return jsonResponse(200, pageView(page, accountView));
  },
  createSubAccount: async (req) => {
    parse('path', c.createSubAccount.path, req.pathParameters);
    const account = await organization.createSubAccount(defaultStore(), requireActor(req), parseJsonBody(req, c.createSubAccount.body));
    return jsonResponse(201, accountView(account));
  },
  getPlan: async (req) => {
    parse('path', c.getPlan.path, req.pathParameters);
    return jsonResponse(200, planView(await organization.readPlan(defaultStore(), requirePrincipal(req))));
  },
  changePlan: async (req) => {
    parse('path', c.changePlan.path, req.pathParameters);
    const org = await organization.changePlan(defaultStore(), requireActor(req), parseJsonBody(req, c.changePlan.body));
    return jsonResponse(200, planView(org));
  },
  activateFeature: async (req) => {
    const { feature } = parse('path', c.activateFeature.path, req.pathParameters);
    return jsonResponse(200, planView(await organization.setFeature(defaultStore(), requireActor(req), feature, true)));
  },
  deactivateFeature: async (req) => {
    const { feature } = parse('path', c.deactivateFeature.path, req.pathParameters);
    return jsonResponse(200, planView(await organization.setFeature(defaultStore(), requireActor(req), feature, false)));
  },
  getBilling: async (req) => {
    parse('path', c.getBilling.path, req.pathParameters);
    return jsonResponse(200, billingView(await organization.billing(defaultStore(), requirePrincipal(req))));
  },
  listAudit: async (req) => {
    parse('path', c.listAudit.path, req.pathParameters);
    const { actor, target, ...page } = parse('query', c.listAudit.query, req.query);
    const out = await organization.listAudit(defaultStore(), requirePrincipal(req), { actor, target }, page);
    return jsonResponse(200, pageView(out, auditView));
  },
}, c);
