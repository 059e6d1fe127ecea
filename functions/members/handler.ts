import { createApiHandler, jsonResponse, parse, parseJsonBody, requirePrincipal } from '#shared/http/api.js';
import { membersContracts as c } from '#shared/contracts/members.js';
import { defaultStore } from '#shared/data/context.js';
import { addMember, changeRole, getMember, grantSubAccount, listMembers, removeMember, revokeSubAccount } from './members.js';
import { acceptInvitation, createInvitation, listInvitations } from './invitations.js';
import { createRole, deleteRole, getRole, listRoles, updateRole } from './roles.js';
import { grantView, invitationView, memberView, roleView } from './views.js';

/* Members, grants, invitations and custom roles (issue 4): parse, call the use case, answer. */
const noContent = () => ({ statusCode: 204, headers: {}, body: '' });

export const handler = createApiHandler('members', {
  listMembers: async (req) => {
    parse('path', c.listMembers.path, req.pathParameters);
    const page = await listMembers(defaultStore(), requirePrincipal(req), parse('query', c.listMembers.query, req.query));
    return jsonResponse(200, { items: page.items.map((m) => memberView(m.membership, m.grants)), nextCursor: page.nextCursor });
  },
  addMember: async (req) => {
    parse('path', c.addMember.path, req.pathParameters);
    const m = await addMember(defaultStore(), requirePrincipal(req), parseJsonBody(req, c.addMember.body));
    return jsonResponse(201, memberView(m.membership, m.grants));
  },
  getMember: async (req) => {
    const { userId } = parse('path', c.getMember.path, req.pathParameters);
    const m = await getMember(defaultStore(), requirePrincipal(req), userId);
    return jsonResponse(200, memberView(m.membership, m.grants));
  },
  updateMember: async (req) => {
    const { userId } = parse('path', c.updateMember.path, req.pathParameters);
    const m = await changeRole(defaultStore(), requirePrincipal(req), userId, parseJsonBody(req, c.updateMember.body));
    return jsonResponse(200, memberView(m.membership, m.grants));
  },
  removeMember: async (req) => {
    const { userId } = parse('path', c.removeMember.path, req.pathParameters);
    const { version } = parse('query', c.removeMember.query, req.query);
    await removeMember(defaultStore(), requirePrincipal(req), userId, version);
    return noContent();
  },
  grantSubAccount: async (req) => {
    const { userId, subAccountId } = parse('path', c.grantSubAccount.path, req.pathParameters);
    const { grant } = await grantSubAccount(defaultStore(), requirePrincipal(req), userId, subAccountId);
    return jsonResponse(200, grantView(grant));
  },
  revokeSubAccount: async (req) => {
    const { userId, subAccountId } = parse('path', c.revokeSubAccount.path, req.pathParameters);
    await revokeSubAccount(defaultStore(), requirePrincipal(req), userId, subAccountId);
    return noContent();
  },
  listInvitations: async (req) => {
    parse('path', c.listInvitations.path, req.pathParameters);
    const page = await listInvitations(defaultStore(), requirePrincipal(req), parse('query', c.listInvitations.query, req.query));
    return jsonResponse(200, { items: page.items.map((i) => invitationView(i)), nextCursor: page.nextCursor });
  },
  createInvitation: async (req) => {
    parse('path', c.createInvitation.path, req.pathParameters);
    const inv = await createInvitation(defaultStore(), requirePrincipal(req), parseJsonBody(req, c.createInvitation.body));
    return jsonResponse(201, invitationView(inv));
  },
  acceptInvitation: async (req) => {
    const { invitationId } = parse('path', c.acceptInvitation.path, req.pathParameters);
    const out = await acceptInvitation(defaultStore(), req.caller, invitationId);
    return jsonResponse(200, { invitation: invitationView(out.invitation), member: memberView(out.member) });
  },
  listRoles: async (req) => {
    parse('path', c.listRoles.path, req.pathParameters);
    const page = await listRoles(defaultStore(), requirePrincipal(req), parse('query', c.listRoles.query, req.query));
    return jsonResponse(200, { items: page.items.map(roleView), nextCursor: page.nextCursor });
  },
  createRole: async (req) => {
    parse('path', c.createRole.path, req.pathParameters);
    const role = await createRole(defaultStore(), requirePrincipal(req), parseJsonBody(req, c.createRole.body));
    return jsonResponse(201, roleView(role));
  },
  getRole: async (req) => {
    const { roleId } = parse('path', c.getRole.path, req.pathParameters);
    return jsonResponse(200, roleView(await getRole(defaultStore(), requirePrincipal(req), roleId)));
  },
  updateRole: async (req) => {
    const { roleId } = parse('path', c.updateRole.path, req.pathParameters);
    const role = await updateRole(defaultStore(), requirePrincipal(req), roleId, parseJsonBody(req, c.updateRole.body));
    return jsonResponse(200, roleView(role));
  },
  deleteRole: async (req) => {
    const { roleId } = parse('path', c.deleteRole.path, req.pathParameters);
    const { version } = parse('query', c.deleteRole.query, req.query);
    await deleteRole(defaultStore(), requirePrincipal(req), roleId, version);
    return noContent();
  },
});
