import { Tracer } from '@aws-lambda-powertools/tracer';

/*
 * X-Ray through Powertools Tracer, for the API functions (not the authorizer: the X-Ray SDK
 * alone would more than double its bundle and cold start; Lambda's active tracing still
 * traces its invocation). Outside Lambda the Tracer disables itself and every call here
 * is a no-op.
 */
export const tracer = new Tracer({ serviceName: 'kontor' });

/** Traces every call an AWS SDK v3 client makes (a subsegment per DynamoDB request). */
export function instrumentClient<T>(client: T): T {
  return tracer.captureAWSv3Client(client);
}
