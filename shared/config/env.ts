/*
 * Lambda configuration comes from the environment, read once per container. Parsing is
 * deferred to first use (then memoized) rather than done at import, so the local runtime
 * and tests can set the environment before a handler first runs; a missing or bad variable
 * still fails the first invocation, naming every such variable.
 *
 * Hand-written checks, not zod: the authorizer reads this, and zod's full build was over
 * half of its bundle and of its cold start for five strings (docs/benchmarks.md).
 */

/** Reads one variable; throws (any error) when the value is missing or malformed. */
export type EnvVar<T> = (value: string | undefined) => T;
export type EnvSchema<T> = { readonly [K in keyof T]: EnvVar<T[K]> };

const invalid = (): never => {
  throw new Error('invalid');
};

/** A non-empty string. */
export const nonEmpty: EnvVar<string> = (v) => (v !== undefined && v.length > 0 ? v : invalid());

/** An absolute http(s) URL. */
export const url: EnvVar<string> = (v) => {
  if (v === undefined) return invalid();
  const parsed = URL.canParse(v) ? new URL(v) : undefined;
  return parsed && (parsed.protocol === 'https:' || parsed.protocol === 'http:') ? v : invalid();
};

/** Absent (or empty), or valid for `read`. */
export const optional =
  <T>(read: EnvVar<T>): EnvVar<T | undefined> =>
  (v) =>
    v === undefined || v === '' ? undefined : read(v);

export function envReader<T>(schema: EnvSchema<T>, source: () => NodeJS.ProcessEnv = () => process.env): () => T {
  let cached: T | undefined;
  return () => {
    if (cached !== undefined) return cached;
    const env = source();
    const out: Partial<T> = {};
    const bad: string[] = [];
    for (const name of Object.keys(schema) as (keyof T & string)[]) {
      try {
        out[name] = schema[name](env[name]);
      } catch {
        bad.push(name);
      }
    }
    if (bad.length) throw new Error(`invalid environment: ${bad.join(', ')}`);
    cached = out as T;
    return cached;
  };
}

export interface TableEnv {
  TABLE_NAME: string;
  /** Set by the local runtime to reach DynamoDB Local; unset in AWS. */
  DYNAMODB_ENDPOINT?: string | undefined;
}
export const tableEnvSchema: EnvSchema<TableEnv> = {
  TABLE_NAME: nonEmpty,
  DYNAMODB_ENDPOINT: optional(url),
};

export interface AuthorizerEnv extends TableEnv {
  JWT_ISSUER: string;
  JWT_AUDIENCE: string;
  JWKS_URL: string;
}
export const authorizerEnvSchema: EnvSchema<AuthorizerEnv> = {
  ...tableEnvSchema,
  JWT_ISSUER: nonEmpty,
  JWT_AUDIENCE: nonEmpty,
  JWKS_URL: url,
};
