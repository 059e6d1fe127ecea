import { Tracer } from '@aws-lambda-powertools/tracer';
import { setSdkClientInstrumentation } from './sdk-clients.js';

/*
 * X-Ray through Powertools Tracer, for the API functions (not the authorizer: the X-Ray SDK
 * alone would about double its added init; Lambda's active tracing still traces its
 * invocation). Outside Lambda the Tracer disables itself and every call here is a no-op.
 */
export const tracer = new Tracer({ serviceName: 'kontor' });

/** Traces every call an AWS SDK v3 client makes (a subsegment per DynamoDB request). */
export function instrumentClient<T>(client: T): T {
  return tracer.captureAWSv3Client(client);
}

// Every SDK client built through shared/observability/sdk-clients.ts in this function is traced.
setSdkClientInstrumentation(instrumentClient);
