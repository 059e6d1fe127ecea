import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App, Duration, NestedStack, RemovalPolicy, Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { CfnAuthorizer, CfnRestApi } from 'aws-cdk-lib/aws-apigateway';
import { Table, AttributeType } from 'aws-cdk-lib/aws-dynamodb';
import { buildApp, addNagChecks } from '../../infra/build.js';
import type { KontorStack } from '../../infra/stack.js';
import type { KontorFunction } from '../../infra/constructs/kontor-function.js';
import { TABLE_ACTIONS } from '../../infra/constructs/table.js';
import { TABLE } from '../../shared/data/table.js';
import { FUNCTIONS, ROUTES, type FunctionName, type Route } from '../../shared/http/routes.js';
import { GATEWAY_RESPONSES } from '../../shared/http/gateway-responses.js';
import { StageConfigError } from '../../shared/config/stage.js';
import { METRIC, METRICS_NAMESPACE } from '../../shared/observability/metric-names.js';
import { ALARM_THRESHOLDS, dashboardName } from '../../infra/constructs/observability.js';
import { KontorApi, PARENT_FUNCTIONS, planResources } from '../../infra/constructs/kontor-api.js';
import { MANAGED_RULE_GROUPS } from '../../infra/constructs/waf.js';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CURSOR_SECRET_LENGTH } from '../../infra/stack.js';
import { AGGREGATOR_SOURCE, DOCUMENT_RECORDS_FILTERS, REPORT_AGGREGATOR_ENTRY } from '../../functions/report-aggregator/source.js';
import { ALLEGRO_POLL_MINUTES, ALLEGRO_POLLER_ENTRY, ALLEGRO_POLLER_TIMEOUT_SECONDS } from '../../functions/allegro-poller/source.js';
import { SKIP_BUNDLING, cdkJsonContext, freshOutdir, removeOutdirs } from './support.js';

/*
 * The stack exactly as `cdk synth` builds it from cdk.json (dev stage), bundled by the
 * local esbuild and checked by cdk-nag: built once for the whole file.
 */
type Resources = Record<string, { Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string; UpdateReplacePolicy?: string }>;
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

let stack: KontorStack;
let template: Template;
let resources: Resources;
let assemblyDir: string;
let ttlSeconds: number;
let templateBytes: number;
/** The API's own resources wherever they live: the parent's plus every nested route stack's. */
let apiResources: Resources;
let nestedTemplates: { id: string; resources: Resources; bytes: number }[];

// The logical id of an L2 construct's resource (or of an L1 itself).
const logicalId = (construct: IConstruct): string => stack.getLogicalId((construct.node.defaultChild ?? construct) as CfnElement);
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const apiOfType = (type: string) => Object.entries(apiResources).filter(([, r]) => r.Type === type);
const variablesOf = (fn: KontorFunction): Record<string, unknown> =>
  (resources[logicalId(fn.fn)]!.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
const asArray = <T,>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

beforeAll(() => {
  // Any attempt to bundle in Docker would run this missing program and fail the build.
  process.env.CDK_DOCKER = '/nonexistent/kontor-never-bundles-in-docker';
  const built = buildApp({ context: cdkJsonContext(), outdir: freshOutdir() });
  stack = built.stack;
  ttlSeconds = built.config.authorizerCacheTtlSeconds;
  // In-memory synthesis throws when a validation plugin (cdk-nag) reports an error.
  const assembly = built.app.synth();
  assemblyDir = assembly.directory;
  const json = assembly.getStackByName(stack.stackName).template as { Resources: Resources };
  template = Template.fromJSON(json);
  resources = json.Resources;
  // What CloudFormation receives: the file cdk writes (and uploads), not a compact re-encoding.
  templateBytes = readFileSync(join(assemblyDir, assembly.getStackByName(stack.stackName).templateFile)).length;
  nestedTemplates = stack.node
    .findAll()
    .filter(NestedStack.isNestedStack)
    .map((nested) => {
      const file = readFileSync(join(assemblyDir, nested.templateFile), 'utf8');
      const nestedResource = resources[stack.getLogicalId(nested.nestedStackResource as CfnElement)]!;
      const parameters = (nestedResource.Properties!.Parameters ?? {}) as Record<string, unknown>;
      const own = (JSON.parse(file) as { Resources: Resources }).Resources;
      return { id: nested.node.id, resources: inParentTerms(nested.node.id, own, parameters), bytes: file.length };
    });
  apiResources = Object.assign({}, resources, ...nestedTemplates.map((t) => t.resources)) as Resources;
}, 180_000);

/**
 * A nested template's resources with each `{ Ref: <parameter> }` replaced by what the parent
 * passes for it, so paths, functions and the authorizer read as in one template; its own
 * logical ids are prefixed with the nested stack's id, which keeps two stacks' ids apart.
 */
function inParentTerms(prefix: string, nested: Resources, parameters: Record<string, unknown>): Resources {
  const substitute = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(substitute);
    if (value && typeof value === 'object') {
      const ref = (value as { Ref?: unknown }).Ref;
      if (typeof ref === 'string' && Object.keys(value).length === 1) {
        if (ref in parameters) return parameters[ref];
        if (ref in nested) return { Ref: `${prefix}/${ref}` };
      }
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v)]));
    }
    return value;
  };
  return Object.fromEntries(Object.entries(nested).map(([id, r]) => [`${prefix}/${id}`, substitute(r) as Resources[string]]));
}

afterAll(removeOutdirs);

describe('the table', () => {
  it('is built from shared/data/table.ts: keys, every index and the TTL attribute', () => {
    const keyAttributes = [TABLE.partitionKey, TABLE.sortKey, ...TABLE.indexes.flatMap((i) => [i.partitionKey, i.sortKey])];
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
      ],
      AttributeDefinitions: Match.arrayWith(keyAttributes.map((name) => ({ AttributeName: name, AttributeType: 'S' }))),
      GlobalSecondaryIndexes: TABLE.indexes.map((index) =>
        Match.objectLike({
          IndexName: index.indexName,
          KeySchema: [
            { AttributeName: index.partitionKey, KeyType: 'HASH' },
            { AttributeName: index.sortKey, KeyType: 'RANGE' },
          ],
        }),
      ),
      TimeToLiveSpecification: { AttributeName: TABLE.ttlAttribute, Enabled: true },
    });
  });

  it('is on demand, encrypted, with point-in-time recovery', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    });
  });

  it('takes removal policy and deletion protection from the dev stage of cdk.json', () => {
    const [[, table]] = ofType('AWS::DynamoDB::Table') as [[string, Resources[string]]];
    expect(table.DeletionPolicy).toBe('Delete');
    expect(table.Properties?.DeletionProtectionEnabled).toBe(false);
  });
});

describe('the report aggregator', () => {
  it("reads the table's stream, both images, through a mapping that bisects, retries a bounded number of times and keeps what it gave up on", () => {
    const table = resources[logicalId(stack.table.table)]!;
    expect(table.Properties!.StreamSpecification).toEqual({ StreamViewType: 'NEW_AND_OLD_IMAGES' });
    const mappings = ofType('AWS::Lambda::EventSourceMapping');
    expect(mappings).toHaveLength(1);
    const mapping = mappings[0]![1].Properties!;
    expect(mapping).toMatchObject({
      FunctionName: { Ref: logicalId(stack.reportAggregator.fn) },
      EventSourceArn: { 'Fn::GetAtt': [logicalId(stack.table.table), 'StreamArn'] },
      StartingPosition: 'TRIM_HORIZON',
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRetryAttempts: AGGREGATOR_SOURCE.retryAttempts,
      MaximumRecordAgeInSeconds: AGGREGATOR_SOURCE.maxRecordAgeHours * 3600,
      ParallelizationFactor: 1,
      BatchSize: AGGREGATOR_SOURCE.batchSize,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(stack.reportAggregatorFailures), 'Arn'] } } },
    });
    // Only document items reach it: the aggregates' own writes would otherwise feed it again.
    expect((mapping.FilterCriteria as { Filters: { Pattern: string }[] }).Filters.map((f) => JSON.parse(f.Pattern))).toEqual(DOCUMENT_RECORDS_FILTERS);
    expect(resources[logicalId(stack.reportAggregatorFailures)]!.Properties).toMatchObject({ MessageRetentionPeriod: 14 * 24 * 3600 });
  });

});

describe('the Allegro poller', () => {
  it('is run every 5 minutes by an EventBridge rule, its only invoker, without retries', () => {
    const fnId = logicalId(stack.allegroPoller.function.fn);
    const rules = ofType('AWS::Events::Rule');
    expect(rules).toHaveLength(1);
    expect(rules[0]![1].Properties).toMatchObject({
      ScheduleExpression: `rate(${ALLEGRO_POLL_MINUTES} minutes)`,
      State: 'ENABLED',
      Targets: [expect.objectContaining({ Arn: { 'Fn::GetAtt': [fnId, 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 0 } })],
    });
    const invokers = ofType('AWS::Lambda::Permission').filter(([, p]) => JSON.stringify(p.Properties!.FunctionName).includes(`"${fnId}"`));
    expect(invokers.map(([, p]) => [p.Properties!.Principal, p.Properties!.SourceArn])).toEqual([['events.amazonaws.com', { 'Fn::GetAtt': [rules[0]![0], 'Arn'] }]]);
  });

  it('is the deployed poller entry, with a 5-minute timeout, the secrets key and no Allegro URL override (production Allegro)', () => {
    const fn = resources[logicalId(stack.allegroPoller.function.fn)]!.Properties!;
    expect(Object.values(FUNCTIONS).map((f) => f.entry)).not.toContain(ALLEGRO_POLLER_ENTRY);
    expect(fn.Timeout).toBe(ALLEGRO_POLLER_TIMEOUT_SECONDS);
    const variables = variablesOf(stack.allegroPoller.function);
    expect(variables).toMatchObject({ POWERTOOLS_SERVICE_NAME: 'allegro-poller', TABLE_NAME: { Ref: logicalId(stack.table.table) }, SECRET_KEY_ID: { 'Fn::GetAtt': [logicalId(stack.secretsKey), 'Arn'] } });
    expect(variables).not.toHaveProperty('ALLEGRO_API_URL');
    expect(variables).not.toHaveProperty('CURSOR_SECRET');
  });
});

describe('the functions', () => {
  it('are one per entry of FUNCTIONS plus the two authorizers, the report aggregator and the Allegro poller, and nothing else', () => {
    expect(ofType('AWS::Lambda::Function')).toHaveLength(Object.keys(FUNCTIONS).length + 4);
  });

  it('all run Node.js 22 on arm64 with tracing and source maps', () => {
    for (const [id, fn] of ofType('AWS::Lambda::Function')) {
      expect(fn.Properties, id).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        Environment: { Variables: expect.objectContaining({ NODE_OPTIONS: '--enable-source-maps' }) },
      });
    }
  });

  it('were bundled by the local esbuild into minified ESM with a source map', () => {
    const code = (stack.functions.system.fn.node.defaultChild as CfnFunction).code as { s3Key?: string };
    const hash = String(stack.resolve(code.s3Key)).replace(/\.zip$/, '');
    const dir = join(assemblyDir, `asset.${hash}`);
    expect(existsSync(join(dir, 'index.mjs.map'))).toBe(true);
    const bundle = readFileSync(join(dir, 'index.mjs'), 'utf8');
    expect(bundle.startsWith("import { createRequire } from 'module';")).toBe(true);
    // Minified: thousands of characters per line on average, not indented source.
    expect(bundle.length / bundle.split('\n').length).toBeGreaterThan(1000);
    expect(bundle).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
  });

  it('produced bundles that run: the system bundle answers /health, the authorizer refuses a request without a token', async () => {
    const bundleOf = (fn: KontorFunction): string => {
      const code = (fn.fn.node.defaultChild as CfnFunction).code as { s3Key?: string };
      return join(assemblyDir, `asset.${String(stack.resolve(code.s3Key)).replace(/\.zip$/, '')}`, 'index.mjs');
    };
    const system = (await import(pathToFileURL(bundleOf(stack.functions.system)).href)) as { handler: (e: unknown, c: unknown) => Promise<{ statusCode: number; body: string }> };
    const health = await system.handler(
      { httpMethod: 'GET', resource: '/health', path: '/health', headers: {}, multiValueHeaders: {}, queryStringParameters: null, pathParameters: null, requestContext: { requestId: 'r', resourcePath: '/health', httpMethod: 'GET' }, body: null, isBase64Encoded: false },
      {},
    );
    expect(health.statusCode).toBe(200);
    expect(JSON.parse(health.body)).toEqual({ status: 'ok' });

    const env = { TABLE_NAME: 't', JWT_ISSUER: 'https://issuer.example.com/', JWT_AUDIENCE: 'kontor', JWKS_URL: 'https://issuer.example.com/jwks.json' };
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    try {
      const authorizer = (await import(pathToFileURL(bundleOf(stack.authorizer)).href)) as { handler: (e: unknown) => Promise<unknown> };
      await expect(
        authorizer.handler({ type: 'REQUEST', methodArn: 'arn:aws:execute-api:eu-west-1:123456789012:api/dev/GET/me', headers: {}, pathParameters: null }),
      ).rejects.toThrow('Unauthorized');
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  }, 90_000);

  it('give each API function TABLE_NAME exactly when FUNCTIONS says it uses the table', () => {
    for (const [name, spec] of Object.entries(FUNCTIONS) as [FunctionName, (typeof FUNCTIONS)[FunctionName]][]) {
      const variables = (resources[logicalId(stack.functions[name].fn)]!.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
      if (spec.table === 'none') expect(variables, name).not.toHaveProperty('TABLE_NAME');
      else expect(variables.TABLE_NAME, name).toEqual({ Ref: logicalId(stack.table.table) });
    }
  });

  it('configure the authorizer with the issuer, audience, JWKS URL and table of the stage', () => {
    const context = cdkJsonContext() as { stages: { dev: Record<string, string> } };
    const variables = (resources[logicalId(stack.authorizer.fn)]!.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(variables).toEqual({
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: 'authorizer',
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      POWERTOOLS_LOG_LEVEL: 'INFO',
      JWT_ISSUER: context.stages.dev.jwtIssuer,
      JWT_AUDIENCE: context.stages.dev.jwtAudience,
      JWKS_URL: context.stages.dev.jwksUrl,
      TABLE_NAME: { Ref: logicalId(stack.table.table) },
    });
  });

  it('give every function the Powertools environment: its service name, the Kontor namespace, the log level', () => {
    const all: [string, KontorFunction][] = [...Object.entries(stack.functions), ['authorizer', stack.authorizer]];
    for (const [name, fn] of all) {
      expect(variablesOf(fn), name).toMatchObject({
        POWERTOOLS_SERVICE_NAME: name,
        POWERTOOLS_METRICS_NAMESPACE: 'Kontor',
        POWERTOOLS_LOG_LEVEL: 'INFO',
      });
    }
  });

  it('give every API function the cursor secret as a dynamic reference, and the authorizer not', () => {
    const secretId = logicalId(stack.cursorSecret);
    const reference = { 'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: secretId }, ':SecretString:::}}']] };
    for (const [name, fn] of Object.entries(stack.functions)) expect(variablesOf(fn).CURSOR_SECRET, name).toEqual(reference);
    expect(variablesOf(stack.authorizer)).not.toHaveProperty('CURSOR_SECRET');
  });

  it('write to their own log group with the configured retention', () => {
    const context = cdkJsonContext() as { stages: { dev: { logRetentionDays: number } } };
    for (const fn of [...Object.values(stack.functions), stack.authorizer]) {
      const config = resources[logicalId(fn.fn)]!.Properties!.LoggingConfig as { LogGroup: unknown };
      expect(config.LogGroup).toEqual({ Ref: logicalId(fn.logGroup) });
      expect(resources[logicalId(fn.logGroup)]!.Properties!.RetentionInDays).toBe(context.stages.dev.logRetentionDays);
    }
  });
});

describe('IAM', () => {
  const statementsOf = (roleLogicalId: string): Statement[] =>
    ofType('AWS::IAM::Policy')
      .filter(([, p]) => (p.Properties!.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleLogicalId })))
      .flatMap(([, p]) => (p.Properties!.PolicyDocument as { Statement: Statement[] }).Statement);
  const allStatements = (): Statement[] => [
    ...ofType('AWS::IAM::Policy').flatMap(([, p]) => (p.Properties!.PolicyDocument as { Statement: Statement[] }).Statement),
    ...ofType('AWS::IAM::ManagedPolicy').flatMap(([, p]) => (p.Properties!.PolicyDocument as { Statement: Statement[] }).Statement),
    ...ofType('AWS::IAM::Role').flatMap(([, r]) =>
      ((r.Properties!.Policies as { PolicyDocument: { Statement: Statement[] } }[] | undefined) ?? []).flatMap((p) => p.PolicyDocument.Statement),
    ),
  ];
  const dynamoActions = (statements: Statement[]): string[] =>
    statements.flatMap((s) => asArray(s.Action)).filter((a) => a.startsWith('dynamodb:'));

  it('lets the report aggregator read and write the table and read its stream; no API route invokes it', () => {
    const actions = dynamoActions(statementsOf(logicalId(stack.reportAggregator.role)));
    expect(actions).toEqual(expect.arrayContaining([...TABLE_ACTIONS.read, ...TABLE_ACTIONS.write, 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:DescribeStream']));
    expect(Object.values(FUNCTIONS).map((f) => f.entry)).not.toContain(REPORT_AGGREGATOR_ENTRY);
    const invokedBy = ofType('AWS::Lambda::Permission').filter(([, p]) => JSON.stringify(p.Properties!.FunctionName).includes(`"${logicalId(stack.reportAggregator.fn)}"`));
    expect(invokedBy).toEqual([]);
  });

  it('never grants a wildcard action: no "*", no "dynamodb:*", no "dynamodb:Get*"', () => {
    const actions = allStatements().flatMap((s) => asArray(s.Action));
    expect(actions.length).toBeGreaterThan(0);
    for (const action of actions) expect(action, action).not.toMatch(/\*/);
  });

  it('uses Resource "*" only for the X-Ray actions, which have no resource-level permissions', () => {
    for (const s of allStatements().filter((st) => asArray(st.Resource as string).includes('*'))) {
      for (const action of asArray(s.Action)) expect(action).toMatch(/^xray:/);
    }
  });

  it('grants no function Scan: tenant data is only ever queried by key', () => {
    expect(allStatements().flatMap((s) => asArray(s.Action))).not.toContain('dynamodb:Scan');
  });

  it('gives each function exactly the table access FUNCTIONS declares, the authorizer read only', () => {
    const expected = Object.entries(FUNCTIONS).map(([name, spec]) => [stack.functions[name as FunctionName], spec.table] as const);
    expected.push([stack.authorizer, 'read'], [stack.webhookAuthorizer, 'read'], [stack.allegroPoller.function, 'readwrite']);
    for (const [fn, access] of expected) {
      const actions = new Set(dynamoActions(statementsOf(logicalId(fn.role))));
      const want = access === 'none' ? [] : access === 'read' ? TABLE_ACTIONS.read : [...TABLE_ACTIONS.read, ...TABLE_ACTIONS.write];
      expect([...actions].sort(), `${fn.node.id} (${access})`).toEqual([...want].sort());
    }
  });

  it('lets read-only functions use no write action', () => {
    const readOnly = [stack.authorizer, ...Object.entries(FUNCTIONS).filter(([, s]) => s.table !== 'readwrite').map(([n]) => stack.functions[n as FunctionName])];
    expect(readOnly.length).toBeGreaterThan(1);
    const writes = ['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'ConditionCheckItem', 'TransactWriteItems', 'PartiQLInsert', 'PartiQLUpdate', 'PartiQLDelete'];
    for (const fn of readOnly) {
      const actions = dynamoActions(statementsOf(logicalId(fn.role)));
      for (const write of writes) expect(actions, fn.node.id).not.toContain(`dynamodb:${write}`);
    }
  });

  it('lets API Gateway invoke the functions only from this API (the Allegro poller only its schedule)', () => {
    const apiId = stack.getLogicalId(stack.api.api.node.defaultChild as CfnRestApi);
    const poller = `"${logicalId(stack.allegroPoller.function.fn)}"`;
    const permissions = ofType('AWS::Lambda::Permission').filter(([, p]) => !JSON.stringify(p.Properties!.FunctionName).includes(poller));
    expect(permissions.length).toBeGreaterThan(0);
    for (const [id, p] of permissions) {
      expect(p.Properties!.Principal, id).toBe('apigateway.amazonaws.com');
      expect(JSON.stringify(p.Properties!.SourceArn), id).toContain(`{"Ref":"${apiId}"}`);
    }
  });
});

describe('the REST API', () => {
  // Full path of every API Gateway resource, from its PathPart and parent chain.
  const resourcePaths = (): Map<string, string> => {
    const apiId = stack.getLogicalId(stack.api.api.node.defaultChild as CfnRestApi);
    const paths = new Map<string, string>();
    const pathOf = (id: string): string => {
      const known = paths.get(id);
      if (known !== undefined) return known;
      const props = apiResources[id]!.Properties!;
      const parent = props.ParentId as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
      const parentPath = parent['Fn::GetAtt']?.[0] === apiId ? '' : pathOf(parent.Ref!);
      const path = `${parentPath}/${String(props.PathPart)}`;
      paths.set(id, path);
      return path;
    };
    for (const [id] of apiOfType('AWS::ApiGateway::Resource')) pathOf(id);
    return paths;
  };
  const methodOf = (route: Route) => {
    const found = apiOfType('AWS::ApiGateway::Method').filter(([, m]) => m.Properties!.OperationName === route.id);
    expect(found, route.id).toHaveLength(1);
    return found[0]![1].Properties!;
  };

  it('has one method per route, at the route path, proxied to the route function', () => {
    const paths = resourcePaths();
    expect(apiOfType('AWS::ApiGateway::Method')).toHaveLength(ROUTES.length);
    for (const route of ROUTES as readonly Route[]) {
      const method = methodOf(route);
      expect(method.HttpMethod, route.id).toBe(route.method);
      expect(paths.get((method.ResourceId as { Ref: string }).Ref), route.id).toBe(route.path);
      const integration = method.Integration as { Type: string; Uri: unknown };
      expect(integration.Type, route.id).toBe('AWS_PROXY');
      expect(JSON.stringify(integration.Uri), route.id).toContain(`"${logicalId(stack.functions[route.fn].fn)}"`);
    }
  });

  it('puts every non-public route behind the REQUEST authorizer (webhook routes behind the webhook authorizer) and the public ones behind none', () => {
    const authorizerId = stack.getLogicalId(stack.api.authorizer.node.defaultChild as CfnAuthorizer);
    const webhookAuthorizerId = stack.getLogicalId(stack.api.webhookAuthorizer!.node.defaultChild as CfnAuthorizer);
    const publicRoutes = (ROUTES as readonly Route[]).filter((r) => r.auth === 'public');
    expect(publicRoutes.length).toBeGreaterThan(0);
    expect(publicRoutes.length).toBeLessThan(ROUTES.length);
    for (const route of ROUTES as readonly Route[]) {
      const method = methodOf(route);
      if (route.auth === 'public') {
        expect(method.AuthorizationType, route.id).toBe('NONE');
        expect(method.AuthorizerId, route.id).toBeUndefined();
      } else {
        expect(method.AuthorizationType, route.id).toBe('CUSTOM');
        expect(method.AuthorizerId, route.id).toEqual({ Ref: route.auth === 'webhook' ? webhookAuthorizerId : authorizerId });
      }
    }
  });

  it('keys the webhook authorizer cache on the path alone (providers send no token), for the same TTL', () => {
    const webhook = ofType('AWS::ApiGateway::Authorizer').find(([, a]) => String(a.Properties!.Name).endsWith('-webhook-authorizer'))!;
    expect(webhook[1].Properties!.IdentitySource).toBe('context.path');
    expect(webhook[1].Properties!.AuthorizerResultTtlInSeconds).toBe(ttlSeconds);
    expect(JSON.stringify(webhook[1].Properties!.AuthorizerUri)).toContain(`"${logicalId(stack.webhookAuthorizer.fn)}"`);
  });

  it('gives only the integrations function kms:Encrypt and only the webhooks function kms:Decrypt on the secrets key', () => {
    const kms = (fn: { role?: unknown }) =>
      ofType('AWS::IAM::Policy')
        .filter(([, p]) => (p.Properties!.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: logicalId(fn.role as never) })))
        .flatMap(([, p]) => (p.Properties!.PolicyDocument as { Statement: Statement[] }).Statement)
        .flatMap((st) => asArray(st.Action))
        .filter((a) => a.startsWith('kms:'));
    expect(kms(stack.functions.integrations.fn)).toEqual(['kms:Encrypt']);
    expect(kms(stack.functions.webhooks.fn)).toEqual(['kms:Decrypt']);
    expect(kms(stack.functions.documents.fn)).toEqual([]);
    expect(kms(stack.webhookAuthorizer.fn)).toEqual([]);
    // It opens the Allegro credentials and seals the tokens Allegro hands out.
    expect(kms(stack.allegroPoller.function.fn).sort()).toEqual(['kms:Decrypt', 'kms:Encrypt']);
  });

  it('keys the authorizer cache on the token and the path, for the configured TTL', () => {
    template.resourceCountIs('AWS::ApiGateway::Authorizer', 2);
    const [, authorizer] = ofType('AWS::ApiGateway::Authorizer').find(([, a]) => !String(a.Properties!.Name).endsWith('-webhook-authorizer'))!;
    expect(authorizer.Properties!.Type).toBe('REQUEST');
    expect(String(authorizer.Properties!.IdentitySource).split(',').sort()).toEqual(['context.path', 'method.request.header.Authorization']);
    expect(authorizer.Properties!.AuthorizerResultTtlInSeconds).toBe(ttlSeconds);
    expect(JSON.stringify(authorizer.Properties!.AuthorizerUri)).toContain(`"${logicalId(stack.authorizer.fn)}"`);
  });

  it('answers with a problem+json gateway response, no-store and nosniff, for each of GATEWAY_RESPONSES', () => {
    const responses = ofType('AWS::ApiGateway::GatewayResponse').map(([, r]) => r.Properties!);
    expect(responses).toHaveLength(Object.keys(GATEWAY_RESPONSES).length);
    for (const [type, expected] of Object.entries(GATEWAY_RESPONSES)) {
      const response = responses.find((r) => r.ResponseType === type);
      expect(response, type).toBeDefined();
      // A catch-all keeps API Gateway's own status (413, 415, 504…) instead of forcing one.
      expect(response!.StatusCode, type).toBe('keepStatus' in expected ? undefined : String(expected.statusCode));
      expect(response!.ResponseParameters, type).toEqual({
        'gatewayresponse.header.Content-Type': "'application/problem+json'",
        'gatewayresponse.header.cache-control': "'no-store'",
        'gatewayresponse.header.x-content-type-options': "'nosniff'",
        ...Object.fromEntries(Object.entries('headers' in expected ? expected.headers : {}).map(([k, v]) => [`gatewayresponse.header.${k}`, `'${v}'`])),
      });
      const body = JSON.parse((response!.ResponseTemplates as Record<string, string>)['application/json']!);
      expect(body, type).toEqual(expected.problem);
      expect(body.status, type).toBe('keepStatus' in expected ? undefined : expected.statusCode);
    }
  });

  it("tells a client to retry shortly when the authorizer fails (DynamoDB or the JWKS unavailable)", () => {
    const responses = ofType('AWS::ApiGateway::GatewayResponse').map(([, r]) => r.Properties!);
    for (const type of ['AUTHORIZER_FAILURE', 'AUTHORIZER_CONFIGURATION_ERROR']) {
      const response = responses.find((r) => r.ResponseType === type);
      expect(response!.StatusCode, type).toBe('503');
      expect((response!.ResponseParameters as Record<string, string>)['gatewayresponse.header.retry-after'], type).toBe("'1'");
    }
  });

  it('logs access as JSON, traces and throttles its stage as configured', () => {
    const context = cdkJsonContext() as { stages: { dev: { throttlingRateLimit: number; throttlingBurstLimit: number } } };
    const [[, stage]] = ofType('AWS::ApiGateway::Stage') as [[string, Resources[string]]];
    const props = stage.Properties as {
      TracingEnabled: boolean;
      AccessLogSetting: { DestinationArn: unknown; Format: string };
      MethodSettings: Record<string, unknown>[];
      StageName: string;
    };
    expect(props.StageName).toBe('dev');
    expect(props.TracingEnabled).toBe(true);
    const line = JSON.parse(props.AccessLogSetting.Format) as Record<string, string>;
    expect(line).toMatchObject({ requestId: '$context.requestId', status: '$context.status', principalId: '$context.authorizer.principalId' });
    expect(props.MethodSettings).toContainEqual(
      expect.objectContaining({
        ResourcePath: '/*',
        HttpMethod: '*',
        ThrottlingRateLimit: context.stages.dev.throttlingRateLimit,
        ThrottlingBurstLimit: context.stages.dev.throttlingBurstLimit,
        DataTraceEnabled: false,
      }),
    );
  });

  it('compresses responses of 1 KiB and more', () => {
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { MinimumCompressionSize: 1024 });
  });

  it('outputs the API URL', () => {
    const outputs = template.findOutputs('*');
    expect(Object.keys(outputs)).toEqual(['ApiUrl']);
    expect(JSON.stringify(outputs.ApiUrl!.Value)).toContain('execute-api');
  });
});

describe('the cursor secret', () => {
  it('is one generated, alphanumeric secret of 32 bytes or more, with no value in the template', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    const [[, secret]] = ofType('AWS::SecretsManager::Secret') as [[string, Resources[string]]];
    expect(secret.Properties!.SecretString).toBeUndefined();
    expect(secret.Properties!.GenerateSecretString).toEqual({ PasswordLength: CURSOR_SECRET_LENGTH, ExcludePunctuation: true });
    expect(CURSOR_SECRET_LENGTH).toBeGreaterThanOrEqual(32);
    // Replacing it (a deploy) is its rotation; the stage's removal policy applies as to the table.
    expect(secret.DeletionPolicy).toBe('Delete');
  });
});

/*
 * CloudFormation refuses a stack of more than 500 resources. What grows with the route table
 * is one AWS::ApiGateway::Method per route plus an AWS::ApiGateway::Resource per new path
 * segment (~1.6 per route); invoke permissions are one per function and the dashboard is one
 * resource whatever its widget count. So each function's routes live in a nested stack of
 * their own (infra/constructs/kontor-api.ts): the parent grows by a few resources per
 * function, not per route, and a nested stack only with its own function's routes.
 * RESOURCE_BUDGET leaves 100 of the 500 in every stack for what comes next.
 */
const RESOURCE_BUDGET = 400;
// A template larger than 51,200 bytes goes through S3, where CloudFormation accepts 1 MB.
const CLOUDFORMATION_TEMPLATE_BYTES = 1_000_000;

describe('scaling with the route table', () => {
  const apiArnPrefix = () => [
    'arn:',
    { Ref: 'AWS::Partition' },
    ':execute-api:',
    { Ref: 'AWS::Region' },
    ':',
    { Ref: 'AWS::AccountId' },
    ':',
    { Ref: stack.getLogicalId(stack.api.api.node.defaultChild as CfnRestApi) },
  ];

  it('has one invoke permission per API function, scoped to this API stage, plus each authorizer\'s own (and the Allegro schedule\'s)', () => {
    const permissions = ofType('AWS::Lambda::Permission');
    expect(permissions).toHaveLength(Object.keys(FUNCTIONS).length + 3);
    for (const [name, fn] of Object.entries(stack.functions)) {
      const own = permissions.filter(([, p]) => JSON.stringify(p.Properties!.FunctionName).includes(`"${logicalId(fn.fn)}"`));
      expect(own, name).toHaveLength(1);
      expect(own[0]![1].Properties, name).toMatchObject({
        Action: 'lambda:InvokeFunction',
        Principal: 'apigateway.amazonaws.com',
        SourceArn: { 'Fn::Join': ['', [...apiArnPrefix(), '/dev/*/*']] },
      });
    }
    const authorizers = permissions.filter(([, p]) => JSON.stringify(p.Properties!.FunctionName).includes(`"${logicalId(stack.authorizer.fn)}"`));
    expect(authorizers).toHaveLength(1);
    expect(JSON.stringify(authorizers[0]![1].Properties!.SourceArn)).toContain('/authorizers/');
    const webhook = permissions.filter(([, p]) => JSON.stringify(p.Properties!.FunctionName).includes(`"${logicalId(stack.webhookAuthorizer.fn)}"`));
    expect(webhook).toHaveLength(1);
    expect(JSON.stringify(webhook[0]![1].Properties!.SourceArn)).toContain('/authorizers/');
  });

  it(`keeps the parent and every nested route stack within the resource budget (${RESOURCE_BUDGET})`, () => {
    expect(Object.keys(resources).length, 'parent').toBeLessThanOrEqual(RESOURCE_BUDGET);
    expect(nestedTemplates.length).toBeGreaterThan(0);
    for (const nested of nestedTemplates) expect(Object.keys(nested.resources).length, nested.id).toBeLessThanOrEqual(RESOURCE_BUDGET);
  });

  it('holds in the parent only the methods of its own functions; every other function has its own nested stack', () => {
    const parentRoutes = (ROUTES as readonly Route[]).filter((r) => PARENT_FUNCTIONS.has(r.fn));
    expect(ofType('AWS::ApiGateway::Method').map(([, m]) => m.Properties!.OperationName).sort()).toEqual(parentRoutes.map((r) => r.id).sort());
    const nestedFunctions = Object.keys(FUNCTIONS).filter((fn) => !PARENT_FUNCTIONS.has(fn as FunctionName));
    expect(nestedTemplates.map((t) => t.id).sort()).toEqual(nestedFunctions.map((fn) => `Routes${fn.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase())}`).sort());
    for (const nested of nestedTemplates) {
      const methods = Object.values(nested.resources).filter((r) => r.Type === 'AWS::ApiGateway::Method');
      expect(methods.length, nested.id).toBeGreaterThan(0);
    }
  });

  it('deploys the stage after every nested route stack, and replaces the deployment when the route table changes', () => {
    const [[, deployment]] = ofType('AWS::ApiGateway::Deployment') as [[string, Resources[string] & { DependsOn?: string[] }]];
    const nestedIds = ofType('AWS::CloudFormation::Stack').map(([id]) => id);
    expect(nestedIds).toHaveLength(nestedTemplates.length);
    expect(deployment.DependsOn).toEqual(expect.arrayContaining(nestedIds));
  });

  it('replaces the deployment (a new logical id) when a route is added to a nested function, and not otherwise', () => {
    const deploymentIdWith = (routes: readonly Route[]): string => {
      const app = new App();
      const bare = new Stack(app, 'Bare');
      const fn = (id: string) => new LambdaFunction(bare, id, { runtime: Runtime.NODEJS_22_X, handler: 'index.handler', code: Code.fromInline('exports.handler = 0') });
      const api = new KontorApi(bare, 'Http', {
        stageName: 'dev',
        functions: Object.fromEntries(Object.keys(FUNCTIONS).map((name) => [name, fn(name)])) as Record<FunctionName, LambdaFunction>,
        authorizerFunction: fn('Authorizer'),
        authorizerCacheTtl: Duration.seconds(60),
        webhookAuthorizerFunction: fn('WebhookAuthorizer'),
        throttlingRateLimit: 10,
        throttlingBurstLimit: 10,
        logRetention: RetentionDays.ONE_DAY,
        removalPolicy: RemovalPolicy.DESTROY,
        routes,
      });
      expect(api.api.latestDeployment).toBeDefined();
      const deployments = Object.entries(Template.fromStack(bare).toJSON().Resources as Resources).filter(([, r]) => r.Type === 'AWS::ApiGateway::Deployment');
      expect(deployments).toHaveLength(1);
      return deployments[0]![0];
    };
    const extra: Route = { id: 'listThings', method: 'GET', path: '/accounts/{accountId}/things', fn: 'catalog', auth: { action: 'products.view' }, summary: 'Things' };
    const routes = ROUTES as readonly Route[];
    expect(deploymentIdWith(routes)).toBe(deploymentIdWith(routes));
    expect(deploymentIdWith([...routes, extra])).not.toBe(deploymentIdWith(routes));
  });

  it(`would keep every template under CloudFormation's size limit with twice the routes`, () => {
    // The parent grows with the routes only through the dashboard's per-route widgets, counted
    // twice here; a nested stack holds one function's routes, so it is counted twice whole.
    const dashboardBytes = ofType('AWS::CloudWatch::Dashboard')
      .map(([id, r]) => JSON.stringify({ [id]: r }, null, 1).length)
      .reduce((a, b) => a + b, 0);
    expect(templateBytes + dashboardBytes, 'parent').toBeLessThan(CLOUDFORMATION_TEMPLATE_BYTES);
    for (const nested of nestedTemplates) expect(2 * nested.bytes, nested.id).toBeLessThan(CLOUDFORMATION_TEMPLATE_BYTES);
  });
});

describe('splitting the routes across nested stacks', () => {
  const route = (id: string, path: string, fn: FunctionName): Route => ({ id, method: 'GET', path, fn, auth: 'user', summary: id });

  it('shares a path resource only where routes of several functions, or of the parent, sit at or below it', () => {
    const plan = planResources([
      route('me', '/me', 'identity'),
      route('a', '/accounts/{accountId}', 'organization'),
      route('b', '/accounts/{accountId}/clients', 'catalog'),
      route('c', '/accounts/{accountId}/clients/{clientId}', 'catalog'),
      route('d', '/accounts/{accountId}/audit', 'organization'),
    ]);
    expect(plan.shared.sort()).toEqual(['/accounts', '/accounts/{accountId}', '/me']);
    expect(plan.sharedAncestor('/accounts/{accountId}/clients/{clientId}')).toBe('/accounts/{accountId}');
    expect(plan.sharedAncestor('/invitations/{id}/accept')).toBe('/');
    expect([...plan.byFunction.keys()]).toEqual(['identity', 'organization', 'catalog']);
  });
});

describe('alarms', () => {
  const alarms = () => ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties as Record<string, unknown>);
  const alarmNamed = (name: string) => {
    const found = alarms().filter((a) => a.AlarmName === name);
    expect(found, name).toHaveLength(1);
    return found[0]!;
  };
  const metricsOf = (alarm: Record<string, unknown>) =>
    ((alarm.Metrics as { MetricStat?: { Metric: { MetricName: string; Namespace: string; Dimensions: { Name: string; Value: unknown }[] }; Stat: string } }[] | undefined) ?? [])
      .filter((m) => m.MetricStat)
      .map((m) => m.MetricStat!);

  it('are the four of the stage, none with an action when no alarmEmail is configured', () => {
    expect(alarms().map((a) => a.AlarmName).sort()).toEqual(
      ['kontor-dev-api-5xx-rate', 'kontor-dev-authorizer-errors', 'kontor-dev-authorizer-throttles', 'kontor-dev-table-throttles'],
    );
    for (const alarm of alarms()) {
      expect(alarm.AlarmActions, String(alarm.AlarmName)).toBeUndefined();
      expect(alarm.TreatMissingData).toBe('notBreaching');
    }
    template.resourceCountIs('AWS::SNS::Topic', 0);
  });

  it('watch the authorizer function: its error rate (errors over invocations) and its throttles', () => {
    const fnRef = { Ref: logicalId(stack.authorizer.fn) };
    const errors = alarmNamed('kontor-dev-authorizer-errors');
    expect(metricsOf(errors).map((m) => [m.Metric.MetricName, m.Stat]).sort()).toEqual([
      ['Errors', 'Sum'],
      ['Invocations', 'Sum'],
    ]);
    for (const m of metricsOf(errors)) expect(m.Metric.Dimensions).toEqual([{ Name: 'FunctionName', Value: fnRef }]);
    expect(errors.Threshold).toBe(ALARM_THRESHOLDS.authorizerErrorRatePercent);
    const throttles = alarmNamed('kontor-dev-authorizer-throttles');
    expect(throttles).toMatchObject({ MetricName: 'Throttles', Namespace: 'AWS/Lambda', Statistic: 'Sum', Dimensions: [{ Name: 'FunctionName', Value: fnRef }] });
  });

  it('watch the stage 5xx rate: the Average of 5XXError for this API and stage', () => {
    const alarm = alarmNamed('kontor-dev-api-5xx-rate');
    expect(alarm).toMatchObject({ Namespace: 'AWS/ApiGateway', MetricName: '5XXError', Statistic: 'Average', Threshold: ALARM_THRESHOLDS.api5xxRate });
    expect((alarm.Dimensions as { Name: string }[]).map((d) => d.Name).sort()).toEqual(['ApiName', 'Stage']);
  });

  it('watch read and write throttle events on the table and on every index', () => {
    const stats = metricsOf(alarmNamed('kontor-dev-table-throttles'));
    const seen = stats.map((m) => `${m.Metric.MetricName}:${m.Metric.Dimensions.find((d) => d.Name === 'GlobalSecondaryIndexName')?.Value ?? '(table)'}`);
    const expected = ['(table)', ...TABLE.indexes.map((i) => i.indexName)].flatMap((on) => [`ReadThrottleEvents:${on}`, `WriteThrottleEvents:${on}`]);
    expect(seen.sort()).toEqual(expected.sort());
    for (const m of stats) expect(m.Metric.Dimensions).toContainEqual({ Name: 'TableName', Value: { Ref: logicalId(stack.table.table) } });
  });
});

describe('the dashboard', () => {
  // The body with every token replaced by a placeholder: what CloudWatch will parse.
  const body = (): { widgets: { type: string; properties: Record<string, unknown> }[] } => {
    const [[, dashboard]] = ofType('AWS::CloudWatch::Dashboard') as [[string, Resources[string]]];
    const join = (dashboard.Properties!.DashboardBody as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
    return JSON.parse(join.map((part) => (typeof part === 'string' ? part : 'TOKEN')).join('')) as ReturnType<typeof body>;
  };
  const graphs = () => body().widgets.filter((w) => w.type === 'metric');
  type MetricRow = (string | Record<string, unknown>)[];

  it('is one, named after the stage', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: dashboardName('dev') });
  });

  it('graphs every route by method and resource: latency p50 and p99, count, 4xx and 5xx', () => {
    for (const route of ROUTES as readonly Route[]) {
      const widget = graphs().find((w) => String(w.properties.title).startsWith(`${route.id}:`));
      expect(widget, route.id).toBeDefined();
      const rows = widget!.properties.metrics as MetricRow[];
      const seen = rows.map((row) => {
        const options = row.at(-1) as { stat: string };
        expect(row.slice(0, 2), route.id).toEqual(['AWS/ApiGateway', row[1]]);
        expect(row, route.id).toEqual(expect.arrayContaining(['Method', route.method, 'Resource', route.path, 'Stage']));
        return `${String(row[1])}:${options.stat}`;
      });
      expect(seen.sort(), route.id).toEqual(['4XXError:Sum', '5XXError:Sum', 'Count:Sum', 'Latency:p50', 'Latency:p99']);
    }
  });

  it('has per-method metrics turned on for the stage, which the route widgets read', () => {
    const [[, stage]] = ofType('AWS::ApiGateway::Stage') as [[string, Resources[string]]];
    expect(stage.Properties!.MethodSettings).toContainEqual(expect.objectContaining({ ResourcePath: '/*', HttpMethod: '*', MetricsEnabled: true }));
  });

  it('graphs every function: duration, errors and throttles; and counts cold starts from their logs', () => {
    const all: [string, KontorFunction][] = [...Object.entries(stack.functions), ['authorizer', stack.authorizer]];
    for (const [name] of all) {
      const widget = graphs().find((w) => w.properties.title === `λ ${name}`);
      expect(widget, name).toBeDefined();
      const names = (widget!.properties.metrics as MetricRow[]).map((row) => `${String(row[0])}/${String(row[1])}`);
      expect(new Set(names), name).toEqual(new Set(['AWS/Lambda/Duration', 'AWS/Lambda/Errors', 'AWS/Lambda/Throttles']));
    }
    const coldStarts = body().widgets.find((w) => w.type === 'log');
    expect(String(coldStarts?.properties.query)).toContain('@initDuration');
    expect(String(coldStarts?.properties.query).match(/SOURCE/g)).toHaveLength(all.length);
  });

  it('graphs the table: consumed capacity and throttles', () => {
    const text = JSON.stringify(body());
    for (const metric of ['ConsumedReadCapacityUnits', 'ConsumedWriteCapacityUnits', 'ReadThrottleEvents', 'WriteThrottleEvents', 'ThrottledRequests']) {
      expect(text, metric).toContain(metric);
    }
  });

  it('graphs each custom metric of shared/observability/metric-names.ts, in the Kontor namespace', () => {
    const expressions = graphs()
      .flatMap((w) => w.properties.metrics as MetricRow[])
      .map((row) => (row.at(-1) as { expression?: string }).expression)
      .filter((e): e is string => typeof e === 'string');
    for (const name of Object.values(METRIC)) {
      expect(expressions.some((e) => e.includes(`Namespace="${METRICS_NAMESPACE}" MetricName="${name}"`)), name).toBe(true);
    }
    for (const outcome of ['allow', 'deny', 'unavailable']) expect(expressions.join('\n')).toContain(`outcome="${outcome}"`);
  });

  it('would stay under CloudWatch\'s 500 widgets per dashboard with twice the routes', () => {
    expect(body().widgets.length + ROUTES.length).toBeLessThan(500);
  });
});

describe('alarm notifications', () => {
  it('when alarmEmail is set, every alarm notifies an SNS topic with that address subscribed, and cdk-nag passes', () => {
    const { app, stack: withEmail } = buildApp({
      context: { ...cdkJsonContext(), ...SKIP_BUNDLING, alarmEmail: 'ops@example.com' },
      outdir: freshOutdir(),
    });
    const t = Template.fromJSON(app.synth().getStackByName(withEmail.stackName).template as Record<string, unknown>);
    t.resourceCountIs('AWS::SNS::Topic', 1);
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
    const topicId = withEmail.getLogicalId(withEmail.observability.topic!.node.defaultChild as CfnElement);
    const alarms = Object.values(t.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(4);
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
  }, 120_000);
});

describe('the optional web ACL', () => {
  it('when waf is set, puts managed rule groups and a per-IP rate rule in front of the stage, and cdk-nag passes without the APIG3 acknowledgment', () => {
    const { app, stack: withWaf } = buildApp({
      context: { ...cdkJsonContext(), ...SKIP_BUNDLING, waf: 'true', wafRateLimit: '500' },
      outdir: freshOutdir(),
    });
    // Synthesis runs cdk-nag and throws on an unacknowledged finding.
    const t = Template.fromJSON(app.synth().getStackByName(withWaf.stackName).template as Record<string, unknown>);
    t.resourceCountIs('AWS::WAFv2::WebACL', 1);
    const [acl] = Object.values(t.findResources('AWS::WAFv2::WebACL')) as { Properties: { Scope: string; DefaultAction: unknown; Rules: Record<string, unknown>[] } }[];
    expect(acl!.Properties.Scope).toBe('REGIONAL');
    expect(acl!.Properties.DefaultAction).toEqual({ Allow: {} });
    const rules = acl!.Properties.Rules;
    expect(rules.map((r) => r.Name)).toEqual([...MANAGED_RULE_GROUPS.map((g) => g.name), 'RatePerIp']);
    expect(rules.at(-1)).toMatchObject({ Action: { Block: {} }, Statement: { RateBasedStatement: { Limit: 500, AggregateKeyType: 'IP' } } });
    // Bodies up to the API's own 1 MiB limit must get through: the 8 KB body rule only counts.
    const common = rules.find((r) => r.Name === 'AWSManagedRulesCommonRuleSet') as { Statement: { ManagedRuleGroupStatement: { RuleActionOverrides: unknown[] } } };
    expect(common.Statement.ManagedRuleGroupStatement.RuleActionOverrides).toEqual([{ Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } }]);
    const stageId = withWaf.getLogicalId(withWaf.api.api.deploymentStage.node.defaultChild as CfnElement);
    const [association] = Object.values(t.findResources('AWS::WAFv2::WebACLAssociation')) as { Properties: { ResourceArn: unknown; WebACLArn: unknown } }[];
    expect(JSON.stringify(association!.Properties.ResourceArn)).toContain(`{"Ref":"${stageId}"}`);
    expect(association!.Properties.WebACLArn).toEqual({ 'Fn::GetAtt': [withWaf.getLogicalId(withWaf.waf!.webAcl), 'Arn'] });
  }, 120_000);

  it('is off by default: no web ACL in the dev stack', () => {
    template.resourceCountIs('AWS::WAFv2::WebACL', 0);
    template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 0);
  });
});

describe('cdk-nag', () => {
  it('reports no unsuppressed AwsSolutions finding on the stack', () => {
    // Synthesis already ran the checks (and would have thrown on an error); warnings and
    // errors alike land in the validation report, which must hold no violation.
    const report = JSON.parse(readFileSync(join(assemblyDir, 'validation-report.json'), 'utf8')) as {
      pluginReports: { pluginName: string; violations?: unknown[] }[];
    };
    const violations = report.pluginReports.flatMap((r) => (r.violations ?? []).map((v) => ({ plugin: r.pluginName, v })));
    expect(violations).toEqual([]);
  });

  it('is wired so that a violation fails synthesis (control: a table without PITR)', () => {
    const app = new App({ outdir: freshOutdir() });
    const control = new Stack(app, 'Control');
    new Table(control, 'Bare', { partitionKey: { name: 'pk', type: AttributeType.STRING } });
    addNagChecks(app);
    expect(() => app.synth()).toThrow(/AwsSolutions-DDB3/);
  });

  it('carries a specific reason on every acknowledged finding', () => {
    const acknowledged = stack.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
      .flatMap((m) => Object.entries(m.data as Record<string, string>));
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const [rule, reason] of acknowledged) {
      expect(rule).toMatch(/AwsSolutions-/);
      expect(reason.length, rule).toBeGreaterThan(60);
    }
  });
});

describe('stage configuration', () => {
  it('fails naming the key when the stage has no issuer', () => {
    const context = { ...cdkJsonContext(), stage: 'prod' };
    expect(() => buildApp({ context, outdir: freshOutdir() })).toThrow(StageConfigError);
    expect(() => buildApp({ context, outdir: freshOutdir() })).toThrow(/jwtIssuer: is required/);
  });

  it('fails naming the key when the JWKS URL is not https', () => {
    const context = { ...cdkJsonContext(), jwksUrl: 'http://example.auth0.com/.well-known/jwks.json' };
    expect(() => buildApp({ context, outdir: freshOutdir() })).toThrow(/jwksUrl: must be an https:\/\/ URL/);
  });

  it('fails naming the key when the cache TTL is out of range', () => {
    const context = { ...cdkJsonContext(), authorizerCacheTtlSeconds: '3601' };
    expect(() => buildApp({ context, outdir: freshOutdir() })).toThrow(/authorizerCacheTtlSeconds: must be at most 3600/);
  });

  it('takes -c overrides for a prod stage: retained, protected table; the cache TTL as given', () => {
    const { stack: prod, app } = buildApp({
      context: {
        ...cdkJsonContext(),
        ...SKIP_BUNDLING,
        stage: 'prod',
        jwtIssuer: 'https://issuer.example.com/',
        jwtAudience: 'kontor',
        jwksUrl: 'https://issuer.example.com/.well-known/jwks.json',
        authorizerCacheTtlSeconds: '0',
      },
      outdir: freshOutdir(),
    });
    expect(prod.stackName).toBe('Kontor-prod');
    const prodTemplate = Template.fromJSON(app.synth().getStackByName('Kontor-prod').template as Record<string, unknown>);
    prodTemplate.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({ DeletionProtectionEnabled: true }),
    });
    prodTemplate.hasResourceProperties('AWS::ApiGateway::Authorizer', { AuthorizerResultTtlInSeconds: 0 });
    prodTemplate.hasResourceProperties('AWS::ApiGateway::Stage', { StageName: 'prod' });
    prodTemplate.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ JWT_ISSUER: 'https://issuer.example.com/', JWT_AUDIENCE: 'kontor' }) },
    });
  }, 120_000);
});
