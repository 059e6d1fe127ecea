import { problem, type Problem } from './problem.js';

/*
 * What API Gateway answers itself, before any handler runs, as problem+json. The CDK stack
 * installs these as gateway responses and the local runtime answers with the same bodies,
 * so a client sees one error shape whether API Gateway or a handler refused it.
 * Keys are API Gateway's response types (aws-cdk-lib ResponseType names).
 */
export interface GatewayResponse {
  readonly statusCode: number;
  /**
   * A catch-all (DEFAULT_4XX/5XX) covers many statuses (413, 415, 429, 504, a WAF's 403…):
   * the deployed response keeps API Gateway's own status and its problem carries none,
   * rather than turning them all into one code. `statusCode` is then only what the local
   * emulation answers in the one case it uses the catch-all.
   */
  readonly keepStatus?: true;
  readonly problem: Problem | Omit<Problem, 'status'>;
  /** Headers of this response only, on top of GATEWAY_RESPONSE_HEADERS (lower-case names). */
  readonly headers?: Readonly<Record<string, string>>;
}

/*
 * The authorizer fails when DynamoDB or the JWKS is unavailable: the same Retry-After as a
 * handler's 503 (the DynamoDB error mapper's), so a client backs off the same way whichever
 * of the two refused it.
 */
const RETRY_SHORTLY = { 'retry-after': '1' } as const;

const withoutStatus = ({ status: _status, ...rest }: Problem): Omit<Problem, 'status'> => rest;

export const GATEWAY_RESPONSES = {
  // The authorizer threw 'Unauthorized': no token, or one that does not verify.
  UNAUTHORIZED: {
    statusCode: 401,
    problem: problem(401, 'unauthenticated', 'Authentication is required', 'A valid bearer token is required.'),
  },
  // The authorizer's policy does not allow this method and path for this caller.
  ACCESS_DENIED: {
    statusCode: 403,
    problem: problem(403, 'forbidden', 'The caller may not do this', 'The caller has no permission for this route in this account.'),
  },
  // The authorizer failed (e.g. DynamoDB unavailable): never an allow, and nothing leaked.
  AUTHORIZER_FAILURE: {
    statusCode: 503,
    headers: RETRY_SHORTLY,
    problem: problem(503, 'service-unavailable', 'The service is temporarily unavailable', 'Authorization could not be decided; retry.'),
  },
  AUTHORIZER_CONFIGURATION_ERROR: {
    statusCode: 503,
    headers: RETRY_SHORTLY,
    problem: problem(503, 'service-unavailable', 'The service is temporarily unavailable', 'Authorization could not be decided; retry.'),
  },
  // A REST API answers an unknown path with "Missing Authentication Token"; it is a 404.
  MISSING_AUTHENTICATION_TOKEN: {
    statusCode: 404,
    problem: problem(404, 'not-found', 'Not found', 'No such route.'),
  },
  THROTTLED: {
    statusCode: 429,
    problem: problem(429, 'throttled', 'Too many requests', 'The request rate is over the limit; retry later.'),
  },
  REQUEST_TOO_LARGE: {
    statusCode: 413,
    problem: problem(413, 'payload-too-large', 'The request is too large', 'The request body is over the limit.'),
  },
  DEFAULT_4XX: {
    statusCode: 400,
    keepStatus: true,
    problem: withoutStatus(problem(400, 'bad-request', 'The request is not valid', 'The request was refused.')),
  },
  DEFAULT_5XX: {
    statusCode: 502,
    keepStatus: true,
    problem: withoutStatus(problem(502, 'internal-error', 'Internal error', 'The request failed; it has been logged.')),
  },
} as const satisfies Record<string, GatewayResponse>;

export type GatewayResponseType = keyof typeof GATEWAY_RESPONSES;

/**
 * The headers every answer carries (shared/http/conventions.ts), on API Gateway's own
 * answers too: a refusal is no more cacheable or sniffable than a handler's problem.
 */
export const GATEWAY_RESPONSE_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
} as const;
