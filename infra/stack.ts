import { Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { EventSourceMapping, FilterCriteria, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { AGGREGATOR_SOURCE, DOCUMENT_RECORDS_FILTER, REPORT_AGGREGATOR_ENTRY } from '../functions/report-aggregator/source.js';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { FUNCTIONS, type FunctionName } from '../shared/http/routes.js';
import type { StageConfig } from '../shared/config/stage.js';
import { KontorFunction } from './constructs/kontor-function.js';
import { KontorTable, bindTable } from './constructs/table.js';
import { KontorApi } from './constructs/kontor-api.js';
import { KontorObservability } from './constructs/observability.js';

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
  readonly reportAggregator: KontorFunction;
  /** Where the stream's records go when the aggregator gave up on them (their shard and sequence range). */
  readonly reportAggregatorFailures: Queue;
  readonly reportAggregatorSource: EventSourceMapping;
  readonly api: KontorApi;
  readonly cursorSecret: Secret;
  readonly observability: KontorObservability;

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
      filters: [FilterCriteria.filter(DOCUMENT_RECORDS_FILTER as unknown as Record<string, unknown>)],
    });

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
