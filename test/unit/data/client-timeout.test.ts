import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { ServiceUnavailable } from '#shared/domain/errors.js';

/*
 * A DynamoDB that accepts the connection and never answers: the function's client must give
 * up within its own bound (attempts × request timeout + backoff), mapped to a 503 with
 * Retry-After, instead of holding the request until the Lambda's timeout.
 */
let server: Server;
const sockets = new Set<Socket>();
let connections = 0;

beforeAll(async () => {
  server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // Reads the request and never writes a byte back.
    socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  process.env.DYNAMODB_ENDPOINT = `http://127.0.0.1:${port}`;
  process.env.TABLE_NAME = 'kontor-hung';
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('the DynamoDB client against an endpoint that never answers', () => {
  it('fails the call with a retryable 503 within attempts × request timeout + backoff', async () => {
    // Imported after the endpoint is set: the client reads its environment once.
    const { documentClient, tableName, CALL_BOUND_MS, DYNAMODB_TIMEOUTS } = await import('#shared/data/client.js');
    const { getItem } = await import('#shared/data/dynamo.js');
    const store = { db: documentClient(), table: tableName(), now: () => new Date() };

    const started = Date.now();
    const err = await getItem(store, { pk: 'P', sk: 'S' }).catch((e: unknown) => e);
    const elapsed = Date.now() - started;

    expect(err).toBeInstanceOf(ServiceUnavailable);
    expect((err as ServiceUnavailable).headers).toEqual({ 'retry-after': '1' });
    // A bound, not a benchmark: generous slack for a loaded machine, still far below the
    // Lambda's 10 s timeout that an unbounded client would run into.
    expect(elapsed).toBeLessThan(CALL_BOUND_MS + 1500);
    // It did retry, and stopped at the bound on attempts.
    expect(connections).toBeLessThanOrEqual(DYNAMODB_TIMEOUTS.maxAttempts);
  }, 20_000);
});
