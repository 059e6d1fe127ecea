import { z } from 'zod';

/*
 * Lambda configuration comes from the environment, parsed with zod once per container.
 * Parsing is deferred to first use (then memoized) rather than done at import, so the
 * local runtime and tests can set the environment before a handler first runs; a missing
 * or bad variable still fails the first invocation, naming the variable.
 */
export function envReader<T extends z.ZodType>(schema: T): () => z.infer<T> {
  let cached: z.infer<T> | undefined;
  return () => {
    if (cached !== undefined) return cached;
    const parsed = schema.safeParse(process.env);
    if (!parsed.success) {
      const names = parsed.error.issues.map((i) => i.path.join('.')).join(', ');
      throw new Error(`invalid environment: ${names}`);
    }
    cached = parsed.data;
    return cached;
  };
}

export const tableEnvSchema = z.object({
  TABLE_NAME: z.string().min(1),
  /** Set by the local runtime to reach DynamoDB Local; unset in AWS. */
  DYNAMODB_ENDPOINT: z.url().optional(),
});

export const authorizerEnvSchema = tableEnvSchema.extend({
  JWT_ISSUER: z.string().min(1),
  JWT_AUDIENCE: z.string().min(1),
  JWKS_URL: z.url(),
});
