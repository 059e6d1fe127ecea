import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { authorizerEnvSchema, envReader } from '#shared/config/env.js';
import { createTokenVerifier, type TokenVerifier } from '#shared/auth/token.js';
import { documentClient } from '#shared/data/client.js';
import { authorize } from './authorize.js';

const env = envReader(authorizerEnvSchema);
// Kept across invocations: jose caches the JWKS inside the verifier.
let verifier: TokenVerifier | undefined;

export const handler = async (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
  const config = env();
  verifier ??= createTokenVerifier({
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    jwksUrl: config.JWKS_URL,
  });
  return authorize({ verify: verifier, db: documentClient(), table: config.TABLE_NAME }, event);
};
