import { Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Key } from 'aws-cdk-lib/aws-kms';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { EventSourceMapping, FilterCriteria, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { AGGREGATOR_SOURCE, DOCUMENT_RECORDS_FILTERS, REPORT_AGGREGATOR_ENTRY } from '../functions/report-aggregator/source.js';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { FUNCTIONS, type FunctionName } from '../shared/http/routes.js';
import type { StageConfig } from '../shared/config/stage.js';
import { KontorFunction } from './constructs/kontor-function.js';
import { KontorTable, bindTable } from './constructs/table.js';
import { KontorApi } from './constructs/kontor-api.js';
import { KontorObservability } from './constructs/observability.js';
import { AllegroPoller } from './constructs/allegro-poller.js';
import { KontorWaf, acknowledgeNoWaf } from './constructs/waf.js';

export interface KontorStackProps extends StackProps {
  readonly config: StageConfig;
}

export const AUTHORIZER_ENTRY = 'functions/authorizer/handler.ts';
export const WEBHOOK_AUTHORIZER_ENTRY = 'functions/webhook-authorizer/handler.ts';
/** Functions that seal integration secrets (encrypt) and those that open them (decrypt). */
const SEALS_SECRETS: readonly FunctionName[] = ['integrations'];
const OPENS_SECRETS: readonly FunctionName[] = ['webhooks'];
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
  readonly webhookAuthorizer: KontorFunction;
  /** Seals integration secrets (webhook HMAC secrets, OAuth tokens): stored encrypted, opened to verify. */
  readonly secretsKey: Key;
  readonly reportAggregator: KontorFunction;
  /** Where the stream's records go when the aggregator gave up on them (their shard and sequence range). */
  readonly reportAggregatorFailures: Queue;
  readonly reportAggregatorSource: EventSourceMapping;
  /** Allegro has no webhooks: a schedule polls its order events. */
  readonly allegroPoller: AllegroPoller;
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

    // The integration gate before webhook deliveries (SPEC 6.3): reads the integration and
    // its activator's access facts, nothing else.
    this.webhookAuthorizer = new KontorFunction(this, 'WebhookAuthorizerFunction', {
      entry: WEBHOOK_AUTHORIZER_ENTRY,
      description: `Kontor ${config.stage}: webhook REQUEST authorizer (integration active, account active, activator holds integrations.manage)`,
      serviceName: 'webhook-authorizer',
      logLevel: config.logLevel,
      timeout: Duration.seconds(5),
      logRetention,
      removalPolicy,
    });
    bindTable(this.webhookAuthorizer.fn, table, 'read');

    // Integration secrets are stored encrypted under this key (HMAC verification needs them
    // in clear, so they cannot be hashed); the integration id is the encryption context.
    // Only the functions that seal or open them get a grant, each for what it does.
    this.secretsKey = new Key(this, 'IntegrationSecretsKey', {
      description: `Kontor ${config.stage}: integration secrets (webhook HMAC secrets, OAuth tokens)`,
      enableKeyRotation: true,
      removalPolicy,
    });
    // Exactly the one action each needs (grantEncrypt would add ReEncrypt* and GenerateDataKey*).
    for (const name of SEALS_SECRETS) {
      functions[name].fn.addToRolePolicy(new PolicyStatement({ actions: ['kms:Encrypt'], resources: [this.secretsKey.keyArn] }));
      functions[name].fn.addEnvironment('SECRET_KEY_ID', this.secretsKey.keyArn);
    }
    // Webhook URLs are answered on API Gateway's own domain, where the stage is the path's first segment.
    functions.integrations.fn.addEnvironment('WEBHOOK_BASE_PATH', `/${config.stage}`);
    for (const name of OPENS_SECRETS) {
      functions[name].fn.addToRolePolicy(new PolicyStatement({ actions: ['kms:Decrypt'], resources: [this.secretsKey.keyArn] }));
      functions[name].fn.addEnvironment('SECRET_KEY_ID', this.secretsKey.keyArn);
    }
    // The report aggregates follow the table's stream (docs/data-model.md, "Report aggregates").
    this.reportAggregator = new KontorFunction(this, 'ReportAggregatorFunction', {
      entry: REPORT_AGGREGATOR_ENTRY,
      description: `Kontor ${config.stage}: report aggregates from the table's stream`,
      serviceName: 'report-aggregator',
      logLevel: config.logLevel,
      // A batch of 100 records is a consistent BatchGetItem and a few transactions.
      timeout: Duration.seconds(60),
      logRetention,
      removalPolicy,
    });
    bindTable(this.reportAggregator.fn, table, 'readwrite');
    this.reportAggregatorFailures = new Queue(this, 'ReportAggregatorFailures', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // The stream keeps records 24 h: a failure notice outlives them so a replay can still be planned.
      retentionPeriod: Duration.days(14),
      removalPolicy,
    });
    Validations.of(this.reportAggregatorFailures).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: "This queue is itself the on-failure destination of the report aggregator's stream mapping; its messages name shard and sequence ranges to replay, nothing consumes them automatically.",
    });
    // Exactly what the mapping needs on this table's stream, not grantStreamRead's ListStreams on "*".
    this.reportAggregator.fn.addToRolePolicy(
      new PolicyStatement({ actions: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'], resources: [table.tableStreamArn!] }),
    );
    this.reportAggregator.fn.addToRolePolicy(new PolicyStatement({ actions: ['dynamodb:ListStreams'], resources: [`${table.tableArn}/stream/*`] }));
    Validations.of(this.reportAggregator.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::<DataTableFDBAD0F2.Arn>/stream/*]',
      reason: "ListStreams names this table's streams by prefix (a stream's label changes each time it is re-enabled); every other stream action is on the current stream's ARN.",
    });
    this.reportAggregatorSource = new EventSourceMapping(this, 'ReportAggregatorSource', {
      target: this.reportAggregator.fn,
      eventSourceArn: table.tableStreamArn!,
      startingPosition: StartingPosition.TRIM_HORIZON,
      batchSize: AGGREGATOR_SOURCE.batchSize,
      maxBatchingWindow: Duration.seconds(1),
      // A function error splits the batch until the failing record is alone; a corrupt
      // record reports itself (partial batch response) so the rest of the shard moves on.
      bisectBatchOnError: true,
      reportBatchItemFailures: true,
      retryAttempts: AGGREGATOR_SOURCE.retryAttempts,
      maxRecordAge: Duration.hours(AGGREGATOR_SOURCE.maxRecordAgeHours),
      // One batch at a time per shard: a shard's records stay in order, and the hot month
      // buckets are not written by two invocations at once.
      parallelizationFactor: 1,
      onFailure: new SqsDlq(this.reportAggregatorFailures),
      // Only document items: the aggregates' own writes come back on the stream too.
      filters: DOCUMENT_RECORDS_FILTERS.map((f) => FilterCriteria.filter(f as unknown as Record<string, unknown>)),
    });

    this.allegroPoller = new AllegroPoller(this, 'AllegroPoller', {
      stageName: config.stage,
      table,
      secretsKey: this.secretsKey,
      logLevel: config.logLevel,
      logRetention,
      removalPolicy,
    });

    this.api = new KontorApi(this, 'Http', {
      stageName: config.stage,
      functions: Object.fromEntries(Object.entries(functions).map(([n, f]) => [n, f.fn])) as Record<FunctionName, LambdaFunction>,
      authorizerFunction: this.authorizer.fn,
      authorizerCacheTtl: Duration.seconds(config.authorizerCacheTtlSeconds),
      webhookAuthorizerFunction: this.webhookAuthorizer.fn,
      webhookAuthorizerCacheTtl: Duration.seconds(config.authorizerCacheTtlSeconds),
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
