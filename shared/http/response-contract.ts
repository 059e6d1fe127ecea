import type * as z from 'zod';
import type { RouteContract } from '../contracts/types.js';
import type { Route } from './routes.js';
import type { HttpResponse } from './problem.js';
import { log } from './log.js';

/*
 * Every answer is its contract: a route's success response is parsed with the response
 * schema its OpenAPI document publishes before it leaves the function, so a view that let an
 * internal field through (a key attribute, another member's data) cannot put it on the wire.
 * Fields outside the contract are stripped, and logged as the bug they are; an answer that
 * breaks the contract any other way (a missing or mistyped field) is a 500, never sent.
 */
export class ResponseContractViolation extends Error {
  constructor(
    readonly routeId: string,
    readonly issues: readonly { path: string; code: string }[],
  ) {
    super(`the ${routeId} response breaks its contract`);
    this.name = 'ResponseContractViolation';
  }
}

/** Routes whose functions answer without a contract for that status (e.g. a 204) pass untouched. */
export function conformResponse(route: Route, contract: RouteContract | undefined, res: HttpResponse): HttpResponse {
  const schema = contract?.response;
  if (!schema || res.statusCode !== (contract.status ?? 200)) return res;
  const type = Object.entries(res.headers).find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? '';
  if (!/^application\/json\b/i.test(type)) return res;
  const value: unknown = JSON.parse(res.body);
  const stripped: string[] = [];
  let out = schema.safeParse(value);
  // Each pass removes the unknown keys zod names; nesting can reveal more, so a few passes.
  for (let pass = 0; !out.success && pass < 8; pass++) {
    const unknown = out.error.issues.filter((i) => i.code === 'unrecognized_keys');
    if (unknown.length !== out.error.issues.length) break;
    for (const issue of unknown) {
      const holder = at(value, issue.path);
      for (const key of (issue as z.core.$ZodIssueUnrecognizedKeys).keys) {
        if (holder && typeof holder === 'object') delete (holder as Record<string, unknown>)[key];
        stripped.push([...issue.path, key].join('.'));
      }
    }
    out = schema.safeParse(value);
  }
  if (!out.success) {
    throw new ResponseContractViolation(
      route.id,
      out.error.issues.map((i) => ({ path: i.path.map(String).join('.'), code: i.code })),
    );
  }
  if (stripped.length) log.error('response fields outside the contract were stripped', { route: route.id, fields: stripped.slice(0, 20) });
  return { ...res, body: JSON.stringify(out.data) };
}

const at = (value: unknown, path: readonly PropertyKey[]): unknown =>
  path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined), value);
