import { inject } from 'vitest';
import { createIssuer, type LocalIssuer, type TokenClaims } from '../../scripts/local/issuer.js';

/* HTTP against the local runtime of the run, and tokens from its issuer. */
let issuer: Promise<LocalIssuer> | undefined;
const localIssuer = () => (issuer ??= createIssuer(JSON.parse(inject('issuerPrivateJwk'))));

/** A fresh token (unique jti: never answered from the authorizer cache for an earlier one). */
export async function tokenFor(claims: TokenClaims, options?: { expiresIn?: string }): Promise<string> {
  return (await localIssuer()).sign(claims, options);
}

export const apiUrl = (): string => inject('apiUrl');

export interface ApiResponse {
  status: number;
  headers: Headers;
  // Tests read whatever shape the route answers with.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  text: string;
}

export async function call(
  method: string,
  path: string,
  options: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(`${apiUrl()}${path}`, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  if (/json/.test(res.headers.get('content-type') ?? '') && text) parsed = JSON.parse(text);
  return { status: res.status, headers: res.headers, body: parsed, text };
}

/** Runs `tasks` with at most `limit` in flight: the local runtime on two cores, not a load test. */
export async function inBatches<T>(tasks: (() => Promise<T>)[], limit = 16): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < tasks.length) {
        const i = next++;
        out[i] = await tasks[i]!();
      }
    }),
  );
  return out;
}
