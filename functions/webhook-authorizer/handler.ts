import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { envReader, tableEnvSchema } from '#shared/config/env.js';
import { documentClient } from '#shared/data/client.js';
import { authorizeWebhook } from './authorize.js';

const env = envReader(tableEnvSchema);

export const handler = async (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> =>
  authorizeWebhook({ db: documentClient(), table: env().TABLE_NAME }, event);
