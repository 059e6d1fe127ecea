import { createApiHandler, jsonResponse, parse, parseJsonBody, requireActor, requirePrincipal } from '#shared/http/api.js';
import { membersContracts as c } from '#shared/contracts/members.js';
import { defaultStore } from '#shared/data/context.js';
import * as invitations from '#shared/usecases/invitations.js';
import * as members from '#shared/usecases/members.js';
import * as roles from '#shared/usecases/roles.js';
import { grantView, invitationView, memberView, newMemberView, roleView } from '#shared/views/members.js';
import { pageView } from '#shared/views/page.js';

/* Members, grants, invitations and custom roles: parse, one use case, the view. */
const noContent = () => ({ statusCode: 204, headers: {}, body: '' });

export const handler = createApiHandler('members', {
  listMembers: async (req) => {
    parse('path', c.listMembers.path, req.pathParameters);
    const page = await members.listMembers(defaultStore(), requirePrincipal(req), parse('query', c.listMembers.query, req.query));
    return jsonResponse(200, pageView(page, memberView));
  },
  getMember: async (req) => {
    const { userId } = parse('path', c.getMember.path, req.pathParameters);
    return jsonResponse(200, memberView(await members.getMember(defaultStore(), requirePrincipal(req), userId)));
  },
  updateMember: async (req) => {
    const { userId } = parse('path', c.updateMember.path, req.pathParameters);
    const m = await members.changeRole(defaultStore(), requireActor(req), userId, parseJsonBody(req, c.updateMember.body));
    return jsonResponse(200, memberView(m));
  },
  updateMemberByEmail: async (req) => {
    parse('path', c.updateMemberByEmail.path, req.pathParameters);
    const m = await members.changeRoleByEmail(defaultStore(), requireActor(req), parseJsonBody(req, c.updateMemberByEmail.body));
    return jsonResponse(200, memberView(m));
  },
  removeMember: async (req) => {
    const { userId } = parse('path', c.removeMember.path, req.pathParameters);
    const { version } = parse('query', c.removeMember.query, req.query);
    await members.removeMember(defaultStore(), requireActor(req), userId, version);
    return noContent();
  },
  grantSubAccount: async (req) => {
    const { userId, subAccountId } = parse('path', c.grantSubAccount.path, req.pathParameters);
    const { grant } = await members.grantSubAccount(defaultStore(), requireActor(req), userId, subAccountId);
    return jsonResponse(200, grantView(grant));
  },
  revokeSubAccount: async (req) => {
    const { userId, subAccountId } = parse('path', c.revokeSubAccount.path, req.pathParameters);
    await members.revokeSubAccount(defaultStore(), requireActor(req), userId, subAccountId);
    return noContent();
  },
  replaceGrants: async (req) => {
    const { userId } = parse('path', c.replaceGrants.path, req.pathParameters);
    const m = await members.replaceGrants(defaultStore(), requireActor(req), userId, parseJsonBody(req, c.replaceGrants.body));
    return jsonResponse(200, memberView(m));
  },
  listInvitations: async (req) => {
    parse('path', c.listInvitations.path, req.pathParameters);
    const page = await invitations.listInvitations(defaultStore(), requirePrincipal(req), parse('query', c.listInvitations.query, req.query));
    return jsonResponse(200, pageView(page, (i) => invitationView(i)));
  },
  createInvitation: async (req) => {
    parse('path', c.createInvitation.path, req.pathParameters);
    const inv = await invitations.createInvitation(defaultStore(), requireActor(req), parseJsonBody(req, c.createInvitation.body));
    return jsonResponse(201, invitationView(inv));
  },
  revokeInvitation: async (req) => {
    const { invitationId } = parse('path', c.revokeInvitation.path, req.pathParameters);
    await invitations.revokeInvitation(defaultStore(), requireActor(req), invitationId);
    return noContent();
  },
  acceptInvitation: async (req) => {
    const { invitationId } = parse('path', c.acceptInvitation.path, req.pathParameters);
    const out = await invitations.acceptInvitation(defaultStore(), req.caller, invitationId);
    return jsonResponse(200, { invitation: invitationView(out.invitation), member: newMemberView(out.member) });
  },
  listRoles: async (req) => {
    parse('path', c.listRoles.path, req.pathParameters);
    const page = await roles.listRoles(defaultStore(), requirePrincipal(req), parse('query', c.listRoles.query, req.query));
    return jsonResponse(200, pageView(page, roleView));
  },
  createRole: async (req) => {
    parse('path', c.createRole.path, req.pathParameters);
    const role = await roles.createRole(defaultStore(), requireActor(req), parseJsonBody(req, c.createRole.body));
    return jsonResponse(201, roleView(role));
  },
  getRole: async (req) => {
    const { roleId } = parse('path', c.getRole.path, req.pathParameters);
    return jsonResponse(200, roleView(await roles.getRole(defaultStore(), requirePrincipal(req), roleId)));
  },
  updateRole: async (req) => {
    const { roleId } = parse('path', c.updateRole.path, req.pathParameters);
    const role = await roles.updateRole(defaultStore(), requireActor(req), roleId, parseJsonBody(req, c.updateRole.body));
    return jsonResponse(200, roleView(role));
  },
  deleteRole: async (req) => {
    const { roleId } = parse('path', c.deleteRole.path, req.pathParameters);
    const { version } = parse('query', c.deleteRole.query, req.query);
    await roles.deleteRole(defaultStore(), requireActor(req), roleId, version);
    return noContent();
  },
}, c);
