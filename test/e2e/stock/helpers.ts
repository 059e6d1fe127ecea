import { call, type ApiResponse } from '../../support/http.js';
import { createOrganization, type TestOrganization, type TestUser } from '../../support/orgs.js';

/* Shared builders of the stock and pricing end-to-end tests. */
export const ROLES = ['owner', 'manager', 'employee', 'accountant', 'backoffice'] as const;
export type RoleKey = (typeof ROLES)[number];

/** One member per built-in role in the main account (Backoffice needs Small+ and self-bookkeeping). */
export const organizationWithEveryRole = (): Promise<TestOrganization> =>
  createOrganization({ plan: 'small', features: ['self-bookkeeping'], members: ROLES.map((role) => ({ key: role, role })) });

export async function as(user: TestUser, method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse> {
  return call(method, path, { token: await user.token(), body, headers });
}

export function expectOk(res: ApiResponse, status: number, what: string): ApiResponse {
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status} ${res.text.slice(0, 400)}`);
  return res;
}

export async function createItem(user: TestUser, accountId: string, over: Record<string, unknown> = {}): Promise<string> {
  const res = await as(user, 'POST', `/accounts/${accountId}/items`, { name: 'Widget', unitPrice: 1000, currency: 'EUR', vatRate: 23, ...over });
  return expectOk(res, 201, 'create item').body.id;
}

export async function createWarehouse(user: TestUser, accountId: string, over: Record<string, unknown> = {}): Promise<string> {
  const res = await as(user, 'POST', `/accounts/${accountId}/warehouses`, { name: 'Main store', ...over });
  return expectOk(res, 201, 'create warehouse').body.id;
}

export const stockOf = async (user: TestUser, accountId: string, warehouseId: string, date?: string): Promise<Record<string, number>> => {
  const res = expectOk(await as(user, 'GET', `/accounts/${accountId}/warehouses/${warehouseId}/stock${date ? `?date=${date}` : ''}`), 200, 'stock');
  return Object.fromEntries((res.body.items as Array<{ itemId: string; quantity: number }>).map((i) => [i.itemId, i.quantity]));
};
