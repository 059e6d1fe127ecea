import { call, type ApiResponse } from '../../support/http.js';

/* Shared request builders for the invoicing end-to-end tests. */
export const line = (over: Record<string, unknown> = {}) => ({ description: 'Consulting', quantity: 2, unitPrice: 10_000, vatRate: 23, ...over });

export const documentBody = (over: Record<string, unknown> = {}) => ({
  currency: 'EUR',
  issueDate: '2026-03-10',
  // A due date only with the default issue date, so an overridden issue date stays in order.
  ...('issueDate' in over ? {} : { dueDate: '2026-03-24' }),
  lines: [line()],
  ...over,
});

export const SEGMENTS = ['invoices', 'estimates', 'expenses', 'time-entries'] as const;

export async function expectStatus(res: ApiResponse, status: number, what: string): Promise<ApiResponse> {
  if (res.status !== status) {
    throw new Error(`${what}: expected ${status}, got ${res.status} ${res.text.slice(0, 300)}`);
  }
  return res;
}

export async function createDoc(token: string, accountId: string, segment: string, over: Record<string, unknown> = {}) {
  const res = await call('POST', `/accounts/${accountId}/${segment}`, { token, body: documentBody(over) });
  return expectStatus(res, 201, `create ${segment}`);
}

/** Reads every page of a list. */
export async function listAll(token: string, path: string): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const res = await call('GET', `${path}${cursor ? `${sep}cursor=${encodeURIComponent(cursor)}` : ''}`, { token });
    await expectStatus(res, 200, `list ${path}`);
    out.push(...res.body.items);
    cursor = res.body.nextCursor;
  } while (cursor);
  return out;
}
