import { describe, expect, it } from 'vitest';
import type { Principal } from '#shared/authz/engine.js';
import { BUILT_IN_PERMISSIONS } from '#shared/authz/roles.js';
import { compile } from '#shared/authz/permission-set.js';
import { listScope, requireAllowed, requireVisible } from '#shared/domain/invoicing/access.js';
import { Forbidden, NotFound } from '#shared/domain/errors.js';

const ORG = 'org_01JTEST0000000000000000000';
const ACC = 'acc_01JTEST0000000000000000000';
const principal = (role: keyof typeof BUILT_IN_PERMISSIONS | string[], userId = 'u-me'): Principal => ({
  userId,
  organizationId: ORG,
  accountId: ACC,
  role: Array.isArray(role) ? 'custom:r' : role,
  via: 'member',
  permissions: Array.isArray(role) ? compile(role) : BUILT_IN_PERMISSIONS[role],
});
const doc = (ownerId: string, over: Partial<{ organizationId: string; accountId: string }> = {}) => ({ organizationId: ORG, accountId: ACC, ownerId, ...over });

describe('object-level decisions on documents', () => {
  it("when an Employee asks for another member's document, it is not found (404), not forbidden", () => {
    expect(() => requireVisible(principal('employee'), 'documents.view', doc('u-other'), 'document')).toThrow(NotFound);
    expect(requireVisible(principal('employee'), 'documents.view', doc('u-me'), 'document')).toEqual(doc('u-me'));
  });

  it('when the document is missing, it is not found, for every role', () => {
    expect(() => requireVisible(principal('owner'), 'documents.view', undefined, 'document')).toThrow(NotFound);
  });

  it('when a document of another account or organization is presented, it is not found even for the Owner', () => {
    expect(() => requireVisible(principal('owner'), 'documents.view', doc('u-me', { accountId: `${ACC}_01JTEST0000000000000000001` }), 'document')).toThrow(NotFound);
    expect(() => requireVisible(principal('owner'), 'documents.view', doc('u-me', { organizationId: 'org_01JOTHER000000000000000000' }), 'document')).toThrow(NotFound);
  });

  it('when the caller sees the document but may not change it, it is forbidden (403)', () => {
    const viewer = principal(['documents.view.all', 'documents.edit.own']);
    expect(() => requireAllowed(viewer, 'documents.view', 'documents.edit', doc('u-other'), 'document')).toThrow(Forbidden);
    expect(() => requireAllowed(viewer, 'documents.view', 'documents.edit', doc('u-me'), 'document')).not.toThrow();
    expect(() => requireAllowed(principal('accountant'), 'documents.view', 'documents.edit', doc('u-other'), 'document')).toThrow(Forbidden);
  });

  it('lists with the scope of the role: all, own, or refuses', () => {
    expect(listScope(principal('manager'), 'documents.view')).toBe('all');
    expect(listScope(principal('employee'), 'documents.view')).toBe('own');
    expect(listScope(principal('employee'), 'reports.view')).toBe('own');
    expect(listScope(principal('accountant'), 'reports.view')).toBe('all');
    expect(() => listScope(principal(['clients.view']), 'documents.view')).toThrow(Forbidden);
  });
});
