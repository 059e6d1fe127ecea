import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { explorerContracts } from '#shared/contracts/explorer.js';
import { DomainError, MethodNotAllowed, NotFound } from '#shared/domain/errors.js';
import { withResponseHeaders } from '#shared/http/conventions.js';
import { problem, problemResponse } from '#shared/http/problem.js';
import { EXPLORER_ROUTES } from '#shared/http/routes/explorer.js';
import { explorerAsset, explorerPage } from './page.js';

/*
 * GET /explorer and its assets (page.ts). Not built on the API wrapper (shared/http/api.ts):
 * these two public routes read no table, no token and no body, so its access re-check,
 * idempotency, tracer and DynamoDB client would be all of this function's weight (about
 * 770 KB against the page's 30). The answers keep the API's conventions all the same: the
 * response headers of conventions.ts and a problem document for every refusal.
 */
async function serve(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const route = EXPLORER_ROUTES.find((r) => r.path === event.resource);
  try {
    if (!route) throw new NotFound(`no route for ${event.httpMethod} ${event.path}`);
    if (event.httpMethod !== route.method) throw new MethodNotAllowed(`${event.httpMethod} is not allowed here`);
    const res = route.id === 'getExplorer' ? explorerPage() : explorerAsset(event.pathParameters?.file ?? '');
    return withResponseHeaders(route, res);
  } catch (e) {
    if (!(e instanceof DomainError)) throw e;
    const refusal = problemResponse({ ...problem(e.status, e.slug, e.title, e.message), instance: event.path }, e.headers);
    return withResponseHeaders(route, refusal);
  }
}

export const handler = Object.assign(serve, { contracts: explorerContracts });
