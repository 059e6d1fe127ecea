import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { authorizerEnvSchema, envReader } from '#shared/config/env.js';
import { createTokenVerifier, type TokenVerifier } from '#shared/auth/token.js';
import type { DynamoTransport } from '#shared/data/dynamo.js';
import { lambdaTransport } from '#shared/data/signed-transport.js';
import { authorize } from './authorize.js';

/*
 * The authorizer reads DynamoDB through the signed transport, not the SDK client: its cold
 * start is on the path of every uncached request, and the SDK stack was most of it
 * (docs/benchmarks.md, "Bundles and cold start").
 */
const env = envReader(authorizerEnvSchema);
// Kept across invocations: jose caches the JWKS inside the verifier; the transport keeps its connection.
let verifier: TokenVerifier | undefined;
let db: DynamoTransport | undefined;

export const handler = async (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
  const config = env();
  verifier ??= createTokenVerifier({
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    jwksUrl: config.JWKS_URL,
  });
  db ??= lambdaTransport(config.DYNAMODB_ENDPOINT);
  return authorize({ verify: verifier, db, table: config.TABLE_NAME }, event);
};
