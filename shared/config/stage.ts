import * as z from 'zod';

/*
 * The deployment stage's configuration, read from CDK context (cdk.json and `-c key=value`)
 * and validated here before a single construct is built, so a bad or missing key fails
 * `cdk synth` naming that key instead of deploying something half-configured.
 *
 * Defaults are the production-safe ones (retain data, deletion protection on); a stage that
 * may lose its data (dev) opts out explicitly in cdk.json.
 */

/** The retention periods CloudWatch Logs accepts (RetentionDays in aws-cdk-lib). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** The levels Powertools' logger accepts, quietest last. */
export const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'] as const;

const httpsUrl = z.url({ protocol: /^https$/, error: 'must be an https:// URL' });

// `-c key=value` reaches the app as a string; cdk.json values keep their JSON type.
const integer = (min: number, max: number) =>
  z.preprocess(
    (v) => (typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v),
    z.number({ error: 'must be an integer' }).int('must be an integer').min(min, `must be at least ${min}`).max(max, `must be at most ${max}`),
  );

const boolean = z.preprocess(
  (v) => (v === 'true' ? true : v === 'false' ? false : v),
  z.boolean({ error: 'must be true or false' }),
);

export const stageConfigSchema = z
  .object({
    /** Names the stack (Kontor-<stage>) and the API Gateway stage (the URL's first segment). */
    stage: z
      .string({ error: 'is required' })
      .regex(/^[a-z][a-z0-9-]{0,19}$/, 'must be lower-case letters, digits and dashes, starting with a letter, at most 20 characters'),
    /** The `iss` every token must carry (an OIDC issuer is an https URL). */
    jwtIssuer: httpsUrl,
    /** The `aud` every token must carry. */
    jwtAudience: z.string({ error: 'is required' }).trim().min(1, 'must not be empty'),
    /** Where the issuer publishes its signing keys. */
    jwksUrl: httpsUrl,
    /** API Gateway's authorizer result cache; 0 turns caching off (instant revocation). */
    authorizerCacheTtlSeconds: integer(0, 3600).default(60),
    /** What happens to the table and log groups when the stack is deleted. */
    removalPolicy: z.enum(['retain', 'destroy'], { error: 'must be "retain" or "destroy"' }).default('retain'),
    /** DynamoDB deletion protection on the table. */
    deletionProtection: boolean.default(true),
    logRetentionDays: z
      .preprocess(
        (v) => (typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : v),
        z.number().refine((n) => (LOG_RETENTION_DAYS as readonly number[]).includes(n), {
          error: `must be one of ${LOG_RETENTION_DAYS.join(', ')}`,
        }),
      )
      .default(90),
    /** Stage-wide steady-state request rate (requests per second). */
    throttlingRateLimit: integer(1, 10_000).default(50),
    /** Stage-wide burst (token bucket size). */
    throttlingBurstLimit: integer(1, 5_000).default(100),
    /** Every function's POWERTOOLS_LOG_LEVEL. */
    logLevel: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('INFO'),
    /** Where the stage's CloudWatch alarms are e-mailed (an SNS topic); no topic when unset. */
    alarmEmail: z.email({ error: 'must be an e-mail address' }).optional(),
    /** An AWS WAF web ACL on the stage (managed rule groups and a per-IP rate rule); off by default. */
    waf: boolean.default(false),
    /** The WAF rate rule: requests one client IP may send in any 5 minutes before it is blocked. */
    wafRateLimit: integer(10, 2_000_000_000).default(3_000),
  })
  .strict();

export type StageConfig = z.infer<typeof stageConfigSchema>;
export const STAGE_CONFIG_KEYS = Object.keys(stageConfigSchema.shape) as (keyof StageConfig)[];

export class StageConfigError extends Error {
  constructor(
    readonly stage: string,
    readonly issues: readonly { key: string; message: string }[],
  ) {
    super(
      `Invalid stage configuration for stage "${stage}":\n` +
        issues.map((i) => `  - ${i.key}: ${i.message}`).join('\n') +
        `\nSet each key in cdk.json under "context" > "stages" > "${stage}", or pass -c <key>=<value> (see docs/deploy.md).`,
    );
    this.name = 'StageConfigError';
  }
}

/**
 * Resolves the stage's configuration from CDK context. Precedence, lowest first: the
 * schema's defaults, `context.stages[<stage>]` in cdk.json, then top-level context keys
 * (`-c jwtIssuer=...` on the command line). The stage is `context.stage`, default "dev".
 */
export function resolveStageConfig(context: (key: string) => unknown): StageConfig {
  const stageValue = context('stage') ?? 'dev';
  const stage = typeof stageValue === 'string' ? stageValue : String(stageValue);
  const stages = context('stages');
  if (stages !== undefined && (typeof stages !== 'object' || stages === null || Array.isArray(stages))) {
    throw new StageConfigError(stage, [{ key: 'stages', message: 'must be an object keyed by stage name' }]);
  }
  const fromStage = (stages as Record<string, unknown> | undefined)?.[stage] ?? {};
  if (typeof fromStage !== 'object' || fromStage === null || Array.isArray(fromStage)) {
    throw new StageConfigError(stage, [{ key: `stages.${stage}`, message: 'must be an object' }]);
  }
  const overrides: Record<string, unknown> = {};
  for (const key of STAGE_CONFIG_KEYS) {
    const value = context(key);
    if (value !== undefined) overrides[key] = value;
  }
  return parseStageConfig({ ...(fromStage as Record<string, unknown>), ...overrides, stage });
}

export function parseStageConfig(raw: Record<string, unknown>): StageConfig {
  const parsed = stageConfigSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const stage = typeof raw.stage === 'string' ? raw.stage : '?';
  throw new StageConfigError(
    stage,
    parsed.error.issues.flatMap((issue) =>
      // An unknown key is most likely a typo of a real one: name each of them.
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((key) => ({ key, message: `is not a stage setting (known: ${STAGE_CONFIG_KEYS.join(', ')})` }))
        : [
            {
              key: issue.path.join('.') || '(root)',
              message: issue.path.length === 1 && raw[String(issue.path[0])] === undefined ? 'is required' : issue.message,
            },
          ],
    ),
  );
}
