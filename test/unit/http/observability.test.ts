import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { ConditionalCheckFailedException, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';

process.env.TABLE_NAME ??= 'kontor-unit';

import { createApiHandler, jsonResponse, setAccessRecheck } from '#shared/http/api.js';
import { createPersistence, setIdempotencyPersistence } from '#shared/http/idempotency.js';
import { logger } from '#shared/observability/logger.js';
import { metricsEnabled } from '#shared/observability/metrics.js';
import { METRIC, METRICS_NAMESPACE } from '#shared/observability/metric-names.js';
import { authorize } from '#functions/authorizer/authorize.js';
import { build } from 'esbuild';
import { InvalidToken } from '#shared/auth/token.js';
import { accountEvent, context, stubImplementations, unchangedAccess } from './events.js';

// Not about revocation: a change's re-read of the caller's access finds it as the authorizer's context says.
beforeAll(() => setAccessRecheck(unchangedAccess));
afterAll(() => setAccessRecheck());

/* Logs and EMF metrics of the API wrapper and the authorizer. */
type Emf = Record<string, unknown> & {
  _aws: { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }> };
};

let lines: string[];
beforeEach(() => {
  lines = [];
  const capture = (chunk: unknown) => {
    lines.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  logger.setLogLevel('ERROR');
});

const json = () =>
  lines
    .flatMap((l) => l.split('\n'))
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const emf = (name: string) => json().filter((l): l is Emf => Boolean((l as Emf)._aws?.CloudWatchMetrics?.[0]?.Metrics.some((m) => m.Name === name)));

describe('metrics', () => {
  it('when a route answers, RouteLatency is emitted in ms under the Kontor namespace with only the route dimension', async () => {
    const { implementations } = stubImplementations('catalog');
    await createApiHandler('catalog', implementations)(accountEvent('GET', '/accounts/{accountId}/clients'), context);
    const [m] = emf(METRIC.RouteLatency);
    expect(m!._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: METRICS_NAMESPACE, Dimensions: [['route']], Metrics: [{ Name: 'RouteLatency', Unit: 'Milliseconds' }] });
    expect(m).toMatchObject({ route: 'listClients' });
    expect(typeof m!.RouteLatency).toBe('number');
    expect(emf(METRIC.RouteErrors)).toEqual([]);
  });

  it('when a route answers 4xx, RouteErrors is emitted with the route and the status class', async () => {
    const { implementations } = stubImplementations('catalog');
    await createApiHandler('catalog', implementations)(
      accountEvent('DELETE', '/accounts/{accountId}/clients/{clientId}', { pathParameters: { clientId: 'c' }, context: { role: 'employee' } }),
      context,
    );
    const [m] = emf(METRIC.RouteErrors);
    expect(m!._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['route', 'status']]);
    expect(m).toMatchObject({ route: 'deleteClient', status: '4xx', RouteErrors: 1 });
  });

  it('when an idempotent request is replayed, IdempotentReplay is emitted for its route', async () => {
    const client = new DynamoDBClient({ region: 'local', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const ddb = mockClient(client);
    const body = { name: 'Acme' };
    const stored = {
      pk: 'IDEMPOTENCY#x',
      sk: 'IDEMPOTENCY',
      idempotencyStatus: 'COMPLETED',
      expiresAt: Math.floor(Date.now() / 1000) + 3600,
      requestHash: createHash('sha256').update(JSON.stringify(body)).digest('base64'),
      response: { statusCode: 201, headers: { 'content-type': 'application/json' }, body: '{"id":"c1"}' },
    };
    ddb.on(PutItemCommand).rejects(new ConditionalCheckFailedException({ message: 'exists', $metadata: {}, Item: marshall(stored) }));
    setIdempotencyPersistence(createPersistence(client));
    try {
      const { implementations, spy } = stubImplementations('catalog');
      const res = await createApiHandler('catalog', implementations)(
        accountEvent('POST', '/accounts/{accountId}/clients', {
          body: JSON.stringify(body),
          headers: { 'content-type': 'application/json', 'idempotency-key': 'k' },
        }),
        context,
      );
      expect(res).toMatchObject({ statusCode: 201, body: '{"id":"c1"}' });
      expect(spy).not.toHaveBeenCalled();
      const [m] = emf(METRIC.IdempotentReplay);
      expect(m).toMatchObject({ route: 'createClient', IdempotentReplay: 1 });
    } finally {
      setIdempotencyPersistence(undefined);
    }
  });

  it('when not running in Lambda and nothing asks for it, no EMF is written (tests and the local runtime stay quiet)', () => {
    expect(metricsEnabled({})).toBe(false);
    expect(metricsEnabled({ AWS_LAMBDA_FUNCTION_NAME: 'kontor-catalog' })).toBe(true);
    expect(metricsEnabled({ AWS_LAMBDA_FUNCTION_NAME: 'kontor-catalog', POWERTOOLS_METRICS_DISABLED: 'true' })).toBe(false);
    expect(metricsEnabled({ AWS_LAMBDA_FUNCTION_NAME: 'kontor-catalog', POWERTOOLS_DEV: 'true' })).toBe(false);
    expect(metricsEnabled({ POWERTOOLS_METRICS_DISABLED: 'false' })).toBe(true);
  });
});

describe('the authorizer decision metric', () => {
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'local', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }));
  const ev = (path: string, accountId?: string, auth = 'Bearer h.p.s') =>
    ({
      type: 'REQUEST',
      methodArn: `arn:aws:execute-api:eu-central-1:123456789012:api123/prod/GET${path}`,
      headers: auth ? { Authorization: auth } : {},
      pathParameters: accountId ? { accountId } : null,
    }) as unknown as APIGatewayRequestAuthorizerEvent;
  const ok = { verify: async () => ({ userId: 'u-1', email: 'u@x.test', emailVerified: true }), db, table: 't' };
  const decisions = () => emf(METRIC.AuthorizerDecision).map((m) => ({ outcome: m.outcome, reason: m.reason, dims: m._aws.CloudWatchMetrics[0]!.Dimensions }));

  it('when a user route is allowed, it counts allow/user', async () => {
    await authorize(ok, ev('/me'));
    expect(decisions()).toEqual([{ outcome: 'allow', reason: 'user', dims: [['outcome', 'reason']] }]);
  });

  it('when the token is refused or the account unknown, it counts deny with the reason', async () => {
    await expect(authorize({ ...ok, verify: async () => Promise.reject(new InvalidToken('ERR_JWT_EXPIRED')) }, ev('/me'))).rejects.toThrow('Unauthorized');
    await expect(authorize(ok, ev('/me', undefined, ''))).rejects.toThrow('Unauthorized');
    await authorize(ok, ev('/accounts/nope/clients', 'nope'));
    expect(decisions().map((d) => [d.outcome, d.reason])).toEqual([
      ['deny', 'invalid-token'],
      ['deny', 'no-token'],
      ['deny', 'unknown-account'],
    ]);
  });

  it('when DynamoDB fails, it counts unavailable', async () => {
    const ddb = mockClient(DynamoDBDocumentClient);
    ddb.rejects(new Error('throttled'));
    try {
      await expect(authorize(ok, ev('/accounts/acc_01JTEST0000000000000000000/clients', 'acc_01JTEST0000000000000000000'))).rejects.toThrow();
      expect(decisions().map((d) => [d.outcome, d.reason])).toEqual([['unavailable', 'dynamodb']]);
    } finally {
      ddb.restore();
    }
  });
});

describe('logs', () => {
  it('when a request is logged, the line carries request, correlation, route, account and user ids and never the token or the body', async () => {
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', 'kontor-catalog');
    logger.setLogLevel('INFO');
    const { implementations } = stubImplementations('catalog', async () => jsonResponse(201, { id: 'c1' }));
    await createApiHandler('catalog', implementations)(
      accountEvent('POST', '/accounts/{accountId}/clients', {
        body: '{"name":"secret-body-abc"}',
        headers: { 'content-type': 'application/json', Authorization: 'Bearer secret-token-xyz', 'X-Correlation-Id': 'corr-42' },
      }),
      context,
    );
    const line = json().find((l) => l.message === 'request');
    expect(line).toMatchObject({
      level: 'INFO',
      service: 'kontor',
      function_request_id: 'req-1',
      correlationId: 'corr-42',
      route: 'createClient',
      accountId: 'acc_01JTEST0000000000000000000',
      userId: 'u-1',
      status: 201,
    });
    expect(line).toHaveProperty('cold_start');
    expect(lines.join('')).not.toMatch(/secret-token-xyz|secret-body-abc/);
  });

  it('when no correlation id is sent, the API Gateway request id is the correlation id', async () => {
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', 'kontor-catalog');
    logger.setLogLevel('INFO');
    const { implementations } = stubImplementations('catalog');
    await createApiHandler('catalog', implementations)(accountEvent('GET', '/accounts/{accountId}/clients'), context);
    expect(json().find((l) => l.message === 'request')).toMatchObject({ correlationId: 'apigw-1' });
  });

  it('when KONTOR_SILENT is set (tests), info lines are not written', async () => {
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', 'kontor-catalog');
    const { implementations } = stubImplementations('catalog');
    await createApiHandler('catalog', implementations)(accountEvent('GET', '/accounts/{accountId}/clients'), context);
    expect(json().filter((l) => l.message === 'request')).toEqual([]);
  });

  it('when running outside Lambda (the local runtime logs requests itself), no per-request line is written', async () => {
    logger.setLogLevel('INFO');
    const { implementations } = stubImplementations('catalog');
    await createApiHandler('catalog', implementations)(accountEvent('GET', '/accounts/{accountId}/clients'), context);
    expect(json().filter((l) => l.message === 'request')).toEqual([]);
  });
});

describe('what the authorizer bundles', () => {
  it('when the authorizer is bundled, it carries neither the X-Ray SDK, Powertools Logger or Metrics, nor the SDK client', async () => {
    const out = await build({
      entryPoints: ['functions/authorizer/handler.ts'],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(out.metafile.inputs);
    expect(inputs.some((i) => i.includes('shared/observability/metrics.ts'))).toBe(true);
    expect(inputs.filter((i) => /aws-xray-sdk|@aws-lambda-powertools\/|@aws-sdk\/(client-|lib-)|@smithy\//.test(i))).toEqual([]);
  });
});
