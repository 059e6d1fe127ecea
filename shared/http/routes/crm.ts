import type { Route } from '../routes.js';
import { ACCOUNT_PREFIX } from '../account-prefix.js';

/*
 * The CRM objects of SPEC 5.2 with their ACLs, and the permission-management mode.
 * Every CRM route's action is `crm.view` (contractors: the clients area's): it only says
 * the caller may use the CRM in this account. What they may do on an instance is decided
 * in the use case, in the organization's mode (static: the role's crm.* actions; dynamic:
 * the ACL; roles+acl: both), so a dynamic-mode grant is never blocked by a route action
 * the role lacks (docs/authorization.md, "Instance ACLs").
 */
const A = ACCOUNT_PREFIX;

export const CRM_SEGMENTS = [
  ['projects', 'Project', 'Projects', 'project'],
  ['cases', 'Case', 'Cases', 'case'],
  ['events', 'Event', 'Events', 'event'],
  ['next-steps', 'NextStep', 'NextSteps', 'next-step'],
  ['automated-actions', 'AutomatedAction', 'AutomatedActions', 'automated-action'],
] as const;

const crmObjectRoutes = CRM_SEGMENTS.flatMap(([segment, one, many]) => [
  { id: `list${many}`, method: 'GET', path: `${A}/${segment}`, fn: 'crm', auth: { action: 'crm.view' }, summary: `${many} the caller may read (optionally under one parent)` },
  { id: `create${one}`, method: 'POST', path: `${A}/${segment}`, fn: 'crm', auth: { action: 'crm.view' }, summary: `Create a ${segment.slice(0, -1)}; the creator gets a full ACL row`, idempotent: true },
  { id: `get${one}`, method: 'GET', path: `${A}/${segment}/{objectId}`, fn: 'crm', auth: { action: 'crm.view' }, summary: `Read one of ${segment}` },
  { id: `update${one}`, method: 'PATCH', path: `${A}/${segment}/{objectId}`, fn: 'crm', auth: { action: 'crm.view' }, summary: `Change or move one of ${segment}`, versioned: 'body' },
  { id: `delete${one}`, method: 'DELETE', path: `${A}/${segment}/{objectId}`, fn: 'crm', auth: { action: 'crm.view' }, summary: `Delete one of ${segment} without children` },
  { id: `get${one}Acl`, method: 'GET', path: `${A}/${segment}/{objectId}/acl`, fn: 'crm', auth: { action: 'crm.view' }, summary: 'Its ACL rows and exclusions (change-permissions)' },
  { id: `put${one}Acl`, method: 'PUT', path: `${A}/${segment}/{objectId}/acl`, fn: 'crm', auth: { action: 'crm.view' }, summary: 'Replace its ACL rows and exclusions (change-permissions)', versioned: 'body' },
  { id: `get${one}Access`, method: 'GET', path: `${A}/${segment}/{objectId}/access`, fn: 'crm', auth: { action: 'crm.view' }, summary: 'Why a principal may or may not do each right on it (change-permissions)' },
] as const);

export const CRM_ROUTES = [
  ...crmObjectRoutes,
  { id: 'completeNextStep', method: 'POST', path: `${A}/next-steps/{objectId}/complete`, fn: 'crm', auth: { action: 'crm.view' }, summary: 'Complete a next step (its special right)' },
  { id: 'runAutomatedAction', method: 'POST', path: `${A}/automated-actions/{objectId}/run`, fn: 'crm', auth: { action: 'crm.view' }, summary: 'Run an automated action (its special right)' },
  { id: 'linkEventDocument', method: 'PUT', path: `${A}/events/{objectId}/documents/{documentId}`, fn: 'crm', auth: { action: 'crm.view' }, summary: 'Link an invoice or estimate to an event, or move it there (the special right on both events); the document then follows the event\'s permissions' },
  { id: 'unlinkEventDocument', method: 'DELETE', path: `${A}/events/{objectId}/documents/{documentId}`, fn: 'crm', auth: { action: 'crm.view' }, summary: 'Unlink an invoice or estimate from an event (its special right); the document then follows the roles alone' },
  { id: 'getClientAcl', method: 'GET', path: `${A}/clients/{clientId}/acl`, fn: 'crm', auth: { action: 'clients.view' }, summary: "A contractor's ACL rows and exclusions (change-permissions)" },
  { id: 'putClientAcl', method: 'PUT', path: `${A}/clients/{clientId}/acl`, fn: 'crm', auth: { action: 'clients.view' }, summary: "Replace a contractor's ACL (change-permissions)", versioned: 'body' },
  { id: 'getClientAccess', method: 'GET', path: `${A}/clients/{clientId}/access`, fn: 'crm', auth: { action: 'clients.view' }, summary: 'Why a principal may or may not do each right on a contractor' },
  { id: 'getPermissionMode', method: 'GET', path: `${A}/permission-mode`, fn: 'crm', auth: { action: 'settings.view' }, summary: "The organization's permission-management mode" },
  { id: 'unlockPermissionMode', method: 'POST', path: `${A}/permission-mode/unlock`, fn: 'crm', auth: { action: 'organization.change-permission-mode' }, summary: 'Warn of the consequences of a mode change and issue its single-use token' },
  { id: 'changePermissionMode', method: 'PUT', path: `${A}/permission-mode`, fn: 'crm', auth: { action: 'organization.change-permission-mode' }, summary: 'Change the mode with an unlock token (409 without one)' },
] as const satisfies readonly Route[];
