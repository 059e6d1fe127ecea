import type { FieldError } from '../domain/errors.js';

/* RFC 9457 problem details: the one error shape of the API. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
export const PROBLEM_TYPE_BASE = 'https://kontor.dev/problems/';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export const problemType = (slug: string): string => `${PROBLEM_TYPE_BASE}${slug}`;

export function problem(
  status: number,
  slug: string,
  title: string,
  detail: string,
  extra?: { errors?: FieldError[] | undefined; extensions?: Record<string, unknown> | undefined },
): Problem {
  return {
    ...extra?.extensions,
    type: problemType(slug),
    title,
    status,
    detail,
    ...(extra?.errors?.length ? { errors: extra.errors } : {}),
  };
}

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export const problemResponse = (p: Problem, headers: Record<string, string> = {}): HttpResponse => ({
  statusCode: p.status,
  headers: { ...headers, 'content-type': PROBLEM_CONTENT_TYPE },
  body: JSON.stringify(p),
});

/*
 * The value a JSON response was built from, remembered per response object, so that the
 * wrapper can read a response's `version` (for its ETag) without parsing the body again.
 */
const jsonBodies = new WeakMap<HttpResponse, unknown>();

export const jsonResponse = (statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResponse => {
  const res = { statusCode, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
  jsonBodies.set(res, body);
  return res;
};

/** The JSON value of a response body, or undefined when it is not JSON. */
export function jsonBodyOf(res: HttpResponse): unknown {
  if (jsonBodies.has(res)) return jsonBodies.get(res);
  const type = Object.entries(res.headers ?? {}).find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? '';
  if (!/^application\/(json|[^;]*\+json)\b/i.test(type)) return undefined;
  try {
    return JSON.parse(res.body) as unknown;
  } catch {
    return undefined;
  }
}
