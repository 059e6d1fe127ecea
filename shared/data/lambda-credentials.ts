import { fromEnv } from '@aws-sdk/credential-provider-env';

/*
 * Stands in for `@aws-sdk/credential-provider-node` in the Lambda bundles (an esbuild alias,
 * infra/constructs/kontor-function.ts), never in the local runtime or the tests, which keep
 * the SDK's own chain. A Lambda function's credentials are always its execution role's, in
 * AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, which the default chain also
 * reads first; its other sources (profiles, SSO, STS web identity, process, IMDS/ECS) each
 * bring a client of their own, about 120 KB of every function and their import at cold
 * start. The authorizer's signed transport reads the same variables (signed-transport.ts).
 */
export const defaultProvider: typeof fromEnv = (init) => fromEnv(init);
