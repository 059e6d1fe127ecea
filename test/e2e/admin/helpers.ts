import { expect } from 'vitest';
import { call, type ApiResponse } from '../../support/http.js';
import type { TestUser } from '../../support/orgs.js';

/* Small helpers for the administration end-to-end tests. */

/** A request as `user`, with a fresh token (never an authorizer cache hit for an earlier state). */
export async function as(user: Pick<TestUser, 'token'>, method: string, path: string, body?: unknown): Promise<ApiResponse> {
  return call(method, path, { token: await user.token(), ...(body === undefined ? {} : { body }) });
}

/** A problem+json answer with this status and, when given, this `type` slug and `reason`. */
export function expectProblem(res: ApiResponse, status: number, slug?: string, reason?: string): void {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  if (slug) expect(res.body.type).toBe(`https://kontor.dev/problems/${slug}`);
  if (reason) expect(res.body.reason).toBe(reason);
}

export interface AuditView {
  action: string;
  actorId: string;
  target: { type: string; id: string };
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

/** The organization's audit entries about `target`, newest first, read by its Owner. */
export async function auditAbout(owner: Pick<TestUser, 'token'>, mainAccountId: string, target: string): Promise<AuditView[]> {
  const res = await as(owner, 'GET', `/accounts/${mainAccountId}/audit?target=${encodeURIComponent(target)}&limit=200`);
  expect(res.status, res.text).toBe(200);
  return res.body.items;
}

export async function auditAll(owner: Pick<TestUser, 'token'>, mainAccountId: string): Promise<AuditView[]> {
  const res = await as(owner, 'GET', `/accounts/${mainAccountId}/audit?limit=200`);
  expect(res.status, res.text).toBe(200);
  return res.body.items;
}

export const u = encodeURIComponent;
