import { call, type ApiResponse } from '../../support/http.js';
import type { TestOrganization } from '../../support/orgs.js';

/* Request builders for the CRM end-to-end tests. */
export async function ok(res: Promise<ApiResponse> | ApiResponse, status: number, what: string): Promise<ApiResponse> {
  const r = await res;
  if (r.status !== status) throw new Error(`${what}: expected ${status}, got ${r.status} ${r.text.slice(0, 400)}`);
  return r;
}

export const tokenOf = (org: TestOrganization, key: string): Promise<string> => org.users[key]!.token();

export async function create(org: TestOrganization, who: string, segment: string, body: Record<string, unknown>): Promise<string> {
  const res = await ok(call('POST', `/accounts/${org.mainAccountId}/${segment}`, { token: await tokenOf(org, who), body }), 201, `create ${segment}`);
  return res.body.id as string;
}

export async function contractor(org: TestOrganization, who: string, name: string): Promise<string> {
  return create(org, who, 'clients', { name });
}

/** Reads every page of a list, as ids. */
export async function ids(org: TestOrganization, who: string, path: string, limit = 2): Promise<string[]> {
  const token = await tokenOf(org, who);
  const out: string[] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const res = await ok(
      call('GET', `/accounts/${org.mainAccountId}/${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token }),
      200,
      `list ${path}`,
    );
    out.push(...res.body.items.map((i: { id: string }) => i.id));
    cursor = res.body.nextCursor;
  } while (cursor);
  return out.sort();
}

export async function acl(org: TestOrganization, who: string, segment: string, id: string) {
  return ok(call('GET', `/accounts/${org.mainAccountId}/${segment}/${id}/acl`, { token: await tokenOf(org, who) }), 200, `acl of ${id}`);
}

/** Adds rows and exclusions to an instance's ACL as `who` (reads it first for its version). */
export async function amend(
  org: TestOrganization,
  who: string,
  segment: string,
  id: string,
  change: { rows?: Array<{ principal: string; rights: string[] }>; exclusions?: string[]; replaceExclusions?: boolean },
): Promise<ApiResponse> {
  const current = (await acl(org, 'owner', segment, id)).body;
  return call('PUT', `/accounts/${org.mainAccountId}/${segment}/${id}/acl`, {
    token: await tokenOf(org, who),
    body: {
      version: current.version,
      rows: [...current.rows, ...(change.rows ?? [])],
      exclusions: change.replaceExclusions ? (change.exclusions ?? []) : [...current.exclusions, ...(change.exclusions ?? [])],
    },
  });
}

/** Switches the organization's mode the only way there is: unlock, then change with the token. */
export async function setMode(org: TestOrganization, mode: string): Promise<ApiResponse> {
  const token = await tokenOf(org, 'owner');
  const current = await ok(call('GET', `/accounts/${org.mainAccountId}/permission-mode`, { token }), 200, 'mode');
  if (current.body.mode === mode) return current;
  const unlock = await ok(call('POST', `/accounts/${org.mainAccountId}/permission-mode/unlock`, { token, body: { mode } }), 200, 'unlock');
  return ok(call('PUT', `/accounts/${org.mainAccountId}/permission-mode`, { token, body: { mode, token: unlock.body.token } }), 200, 'change mode');
}

export const user = (org: TestOrganization, key: string): string => `user:${org.users[key]!.userId}`;
