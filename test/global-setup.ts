import type { TestProject } from 'vitest/node';
import { startRuntime } from '../scripts/local/runtime.js';

/*
 * One DynamoDB Local (in memory) and one local runtime — the real authorizer and handlers
 * behind the API Gateway emulation, demo organization seeded — for the whole test run.
 * Integration tests make their own tables on the same DynamoDB Local; end-to-end tests call
 * the API over HTTP. The authorizer cache keeps its deployed default of 60 s.
 */
declare module 'vitest' {
  export interface ProvidedContext {
    apiUrl: string;
    dynamodbEndpoint: string;
    tableName: string;
    issuerPrivateJwk: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  process.env.KONTOR_SILENT = '1';
  // Node 20 is known to be past its end of life (README); the SDK need not say so in every run.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const runtime = await startRuntime({ port: 0, cacheTtlSeconds: 60, tableName: 'kontor-e2e' });
  project.provide('apiUrl', runtime.url);
  project.provide('dynamodbEndpoint', runtime.dynamodbEndpoint);
  project.provide('tableName', runtime.tableName);
  project.provide('issuerPrivateJwk', JSON.stringify(runtime.issuer.privateJwk));
  return () => runtime.stop();
}
