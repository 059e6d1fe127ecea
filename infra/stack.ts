import { Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { FUNCTIONS, type FunctionName } from '../shared/http/routes.js';
import type { StageConfig } from '../shared/config/stage.js';
import { KontorFunction } from './constructs/kontor-function.js';
import { KontorTable, bindTable } from './constructs/table.js';
import { KontorApi } from './constructs/kontor-api.js';
import { KontorObservability } from './constructs/observability.js';
import { KontorWaf, acknowledgeNoWaf } from './constructs/waf.js';

export interface KontorStackProps extends StackProps {
  readonly config: StageConfig;
}

export const AUTHORIZER_ENTRY = 'functions/authorizer/handler.ts';
/** Alphanumeric characters of the generated cursor secret: about 380 bits. */
export const CURSOR_SECRET_LENGTH = 64;

/*
 * One stage of Kontor: the table, one function per entry of FUNCTIONS plus the authorizer,
 * the REST API from the route table, the cursor secret, and the alarms and dashboard.
 * Environment-agnostic (no account or region lookups), so it synthesizes offline without
 * credentials.
 */
export class KontorStack extends Stack {
  readonly table: KontorTable;
  readonly functions: Readonly<Record<FunctionName, KontorFunction>>;
  readonly authorizer: KontorFunction;
  readonly api: KontorApi;
  readonly cursorSecret: Secret;
  readonly observability: KontorObservability;
  /** The stage's web ACL, when the stage config turns it on. */
  readonly waf?: KontorWaf;

  constructor(scope: Construct, id: string, props: KontorStackProps) {
    super(scope, id, props);
    const { config } = props;
    const removalPolicy = config.removalPolicy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    const logRetention = config.logRetentionDays as RetentionDays;

    this.table = new KontorTable(this, 'Data', { removalPolicy, deletionProtection: config.deletionProtection });
    const table = this.table.table;

    // Encrypts the API's list cursors. Rotating it invalidates every outstanding cursor (a
    // 400 for that page), so it is rotated by replacing it in a deploy, not on a schedule.
    this.cursorSecret = new Secret(this, 'CursorSecret', {
      description: `Kontor ${config.stage}: key of the API's encrypted list cursors`,
      generateSecretString: { passwordLength: CURSOR_SECRET_LENGTH, excludePunctuation: true },
      removalPolicy,
    });
    Validations.of(this.cursorSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Rotating the cursor secret invalidates every outstanding list cursor, which then answers 400; it is rotated deliberately by replacing it in a deploy (docs/deploy.md), not on a schedule.',
    });
    // A dynamic reference: CloudFormation resolves it at deploy, so the template holds no
    // plaintext; the functions need no secretsmanager:GetSecretValue at run time.
    const cursorSecret = this.cursorSecret.secretValue.unsafeUnwrap();

    const functions = {} as Record<FunctionName, KontorFunction>;
    for (const [name, spec] of Object.entries(FUNCTIONS) as [FunctionName, (typeof FUNCTIONS)[FunctionName]][]) {
      const fn = new KontorFunction(this, `${pascalCase(name)}Function`, {
        entry: spec.entry,
        description: `Kontor ${config.stage}: ${spec.description}`,
        serviceName: name,
        logLevel: config.logLevel,
        environment: { CURSOR_SECRET: cursorSecret },
        logRetention,
        removalPolicy,
      });
      if (spec.table !== 'none') bindTable(fn.fn, table, spec.table);
      functions[name] = fn;
    }
    this.functions = functions;

    this.authorizer = new KontorFunction(this, 'AuthorizerFunction', {
      entry: AUTHORIZER_ENTRY,
      description: `Kontor ${config.stage}: REQUEST authorizer (JWT + membership in the path's account)`,
      serviceName: 'authorizer',
      logLevel: config.logLevel,
      environment: { JWT_ISSUER: config.jwtIssuer, JWT_AUDIENCE: config.jwtAudience, JWKS_URL: config.jwksUrl },
      // Every authorized request waits on it; a cold JWKS fetch plus one BatchGetItem fits well inside.
      timeout: Duration.seconds(5),
      logRetention,
      removalPolicy,
    });
    bindTable(this.authorizer.fn, table, 'read');

    this.api = new KontorApi(this, 'Http', {
      stageName: config.stage,
      functions: Object.fromEntries(Object.entries(functions).map(([n, f]) => [n, f.fn])) as Record<FunctionName, LambdaFunction>,
      authorizerFunction: this.authorizer.fn,
      authorizerCacheTtl: Duration.seconds(config.authorizerCacheTtlSeconds),
      throttlingRateLimit: config.throttlingRateLimit,
      throttlingBurstLimit: config.throttlingBurstLimit,
      logRetention,
      removalPolicy,
    });

    if (config.waf) {
      this.waf = new KontorWaf(this, 'Waf', { stageName: config.stage, stage: this.api.api.deploymentStage, rateLimit: config.wafRateLimit });
    } else {
      acknowledgeNoWaf(this.api.api.deploymentStage);
    }

    this.observability = new KontorObservability(this, 'Observability', {
      stageName: config.stage,
      stage: this.api.api.deploymentStage,
      methods: this.api.methods,
      functions,
      authorizer: this.authorizer,
      table,
      ...(config.alarmEmail ? { alarmEmail: config.alarmEmail } : {}),
    });
  }
}

const pascalCase = (s: string): string => s.replace(/(^|[-_])(\w)/g, (_m, _sep, c: string) => c.toUpperCase());
