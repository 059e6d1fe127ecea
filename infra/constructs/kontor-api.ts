import { CfnOutput, NestedStack, RemovalPolicy, Size, Stack, Validations, type Duration } from 'aws-cdk-lib';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  AccessLogField,
  AccessLogFormat,
  AuthorizationType,
  AwsIntegration,
  EndpointType,
  IdentitySource,
  LogGroupLogDestination,
  MethodLoggingLevel,
  RequestAuthorizer,
  RequestValidator,
  Resource,
  ResponseType,
  RestApi,
  type IAuthorizer,
  type IRequestValidator,
  type IResource,
  type Method,
} from 'aws-cdk-lib/aws-apigateway';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ROUTES, type FunctionName, type Route } from '../../shared/http/routes.js';
import { GATEWAY_RESPONSE_HEADERS, GATEWAY_RESPONSES } from '../../shared/http/gateway-responses.js';
import { PROBLEM_CONTENT_TYPE } from '../../shared/http/problem.js';

/*
 * The REST API, built from the route table: one resource per path segment, one method per
 * route, proxied to the route's function. Public routes have no authorizer; every other
 * route sits behind the one REQUEST authorizer. Nothing about a route is written here.
 *
 * CloudFormation refuses a stack of more than 500 resources, and every route costs about
 * 1.6 (its method and its share of path resources). So the methods of each function, with
 * the path resources only that function's routes use, live in a nested stack of their own
 * (`Routes<Function>`); the parent keeps the API, its authorizer, the path resources several
 * functions share, and the routes of PARENT_FUNCTIONS. The API is one API whatever the split:
 * the paths, methods and authorizer are the same, and adding a route never moves another.
 */
export interface KontorApiProps {
  readonly stageName: string;
  readonly functions: Readonly<Record<FunctionName, LambdaFunction>>;
  readonly authorizerFunction: LambdaFunction;
  readonly authorizerCacheTtl: Duration;
  readonly throttlingRateLimit: number;
  readonly throttlingBurstLimit: number;
  readonly logRetention: RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  /** The webhook authorizer (integration gate, SPEC 6.3) of `auth: 'webhook'` routes. */
  readonly webhookAuthorizerFunction?: LambdaFunction | undefined;
  /** Its cache TTL: how long a revoked integration's deliveries may still pass API Gateway. */
  readonly webhookAuthorizerCacheTtl?: Duration | undefined;
  /** The route table; the stack passes none and gets ROUTES (tests pass variants). */
  readonly routes?: readonly Route[];
}

/**
 * The authorizer's cache key. API Gateway cannot key its cache on a path parameter, so the
 * whole path stands in for the account id: a policy cached for one account must never
 * answer a request for another (AWS's Verified Permissions construct does the same).
 */
export const AUTHORIZER_IDENTITY_SOURCES = [IdentitySource.header('Authorization'), IdentitySource.context('path')];

/**
 * The webhook authorizer's cache key: providers send no token, so the path alone, which
 * names the integration (`/webhooks/{integrationId}`): one cached decision per integration.
 */
export const WEBHOOK_AUTHORIZER_IDENTITY_SOURCES = [IdentitySource.context('path')];

export class KontorApi extends Construct {
  readonly api: RestApi;
  readonly authorizer: RequestAuthorizer;
  readonly webhookAuthorizer: RequestAuthorizer | undefined;
  /** Every route's method, by route id. */
  readonly methods: ReadonlyMap<string, Method>;

  constructor(scope: Construct, id: string, props: KontorApiProps) {
    super(scope, id);

    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: props.logRetention, removalPolicy: props.removalPolicy });

    this.api = new RestApi(this, 'Api', {
      restApiName: `kontor-${props.stageName}`,
      description: 'Kontor: multi-tenant invoicing and bookkeeping API',
      endpointTypes: [EndpointType.REGIONAL],
      // Lists and the OpenAPI document compress well; below 1 KiB gzip saves less than it costs.
      minCompressionSize: Size.kibibytes(1),
      // API Gateway writes access and execution logs through the account's CloudWatch
      // role; the role is account-wide, so it outlives this stack.
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: props.stageName,
        tracingEnabled: true,
        throttlingRateLimit: props.throttlingRateLimit,
        throttlingBurstLimit: props.throttlingBurstLimit,
        // Per-method metrics (ApiName, Method, Resource, Stage): the dashboard's per-route widgets.
        metricsEnabled: true,
        // Errors only, and never request or response bodies: those carry tokens and
        // tenants' business data.
        loggingLevel: MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: accessLogFormat(),
      },
    });
    // One output, named for what it is, instead of RestApi's generic "Endpoint" one.
    this.api.node.tryRemoveChild('Endpoint');
    new CfnOutput(Stack.of(this), 'ApiUrl', { value: this.api.url, description: 'Base URL of the Kontor API (stage included)' });

    this.authorizer = new RequestAuthorizer(this, 'Authorizer', {
      authorizerName: `kontor-${props.stageName}-authorizer`,
      handler: props.authorizerFunction,
      identitySources: AUTHORIZER_IDENTITY_SOURCES,
      resultsCacheTtl: props.authorizerCacheTtl,
    });

    this.webhookAuthorizer = props.webhookAuthorizerFunction
      ? new RequestAuthorizer(this, 'WebhookAuthorizer', {
          authorizerName: `kontor-${props.stageName}-webhook-authorizer`,
          handler: props.webhookAuthorizerFunction,
          identitySources: WEBHOOK_AUTHORIZER_IDENTITY_SOURCES,
          resultsCacheTtl: props.webhookAuthorizerCacheTtl ?? props.authorizerCacheTtl,
        })
      : undefined;

    // Path parameters are required by construction; the validator makes API Gateway check
    // the declared request parameters. Bodies and queries are validated by each handler's
    // zod contract, which answers with a problem+json naming every bad field.
    const validator = this.api.addRequestValidator('ParameterValidator', {
      requestValidatorName: 'parameters',
      validateRequestParameters: true,
      validateRequestBody: false,
    });

    // One integration and ONE invoke permission per function, scoped to this API's stage
    // (`<api>/<stage>/*/*`). LambdaIntegration would add a permission per method (73
    // resources for 72 routes, the largest share of CloudFormation's 500-resource limit),
    // and its per-API alternative also allows the console's test-invoke stage; this is the
    // same proxy integration without either. Console test invocations are not permitted.
    const invokeSourceArn = this.api.arnForExecuteApi('*', '/*', props.stageName);
    const integrations = new Map<FunctionName, AwsIntegration>();
    const integrationFor = (name: FunctionName): AwsIntegration => {
      let integration = integrations.get(name);
      if (!integration) {
        const fn = props.functions[name];
        fn.addPermission('ApiInvoke', { principal: new ServicePrincipal('apigateway.amazonaws.com'), sourceArn: invokeSourceArn });
        integration = new AwsIntegration({ proxy: true, service: 'lambda', path: `2015-03-31/functions/${fn.functionArn}/invocations` });
        integrations.set(name, integration);
      }
      return integration;
    };

    const methods = new Map<string, Method>();
    const routeTable = props.routes ?? (ROUTES as readonly Route[]);
    const plan = planResources(routeTable);
    // Resources several functions' routes use (and everything on the parent's routes' paths).
    for (const path of plan.shared) this.api.root.resourceForPath(path);

    const authorizer: IAuthorizer = this.authorizer;
    const addRoute = (route: Route, at: IResource, tokenAuth: IAuthorizer, requestValidator: IRequestValidator, integration: AwsIntegration) => {
      const isPublic = route.auth === 'public';
      let auth = tokenAuth;
      if (route.auth === 'webhook') {
        // The webhook authorizer attaches itself to the API through its method, so webhook
        // routes stay in the parent stack (PARENT_FUNCTIONS).
        if (!this.webhookAuthorizer || at !== this.api.root) throw new Error(`KontorApi: ${route.id} needs the webhook authorizer, in the parent stack`);
        auth = this.webhookAuthorizer;
      }
      const method = at.resourceForPath(relativePath(at.path, route.path)).addMethod(route.method, integration, {
        operationName: route.id,
        requestValidator,
        requestParameters: Object.fromEntries(pathParameters(route.path).map((p) => [`method.request.path.${p}`, true])),
        ...(isPublic ? { authorizationType: AuthorizationType.NONE } : { authorizationType: AuthorizationType.CUSTOM, authorizer: auth }),
      });
      if (isPublic) {
        Validations.of(method).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: `${route.method} ${route.path} (${route.id}) is public by design in shared/http/routes.ts: ${route.summary.toLowerCase()} must be reachable without a token.`,
        });
      }
      methods.set(route.id, method);
    };

    const nestedStacks: NestedStack[] = [];
    for (const [fn, routes] of plan.byFunction) {
      if (PARENT_FUNCTIONS.has(fn)) {
        for (const route of routes) addRoute(route, this.api.root, authorizer, validator, integrationFor(fn));
        continue;
      }
      const nested = new NestedStack(this, `Routes${pascal(fn)}`, { description: `Kontor API: the routes of the ${fn} function` });
      nestedStacks.push(nested);
      const api = RestApi.fromRestApiAttributes(nested, 'Api', {
        restApiId: this.api.restApiId,
        restApiName: this.api.restApiName,
        rootResourceId: this.api.restApiRootResourceId,
      });
      const nestedValidator = RequestValidator.fromRequestValidatorId(nested, 'ParameterValidator', validator.requestValidatorId);
      // The authorizer by id: an Authorizer object would try to attach itself to the imported
      // API as if it were a second one. It is attached to this API by the parent's routes.
      const nestedAuthorizer: IAuthorizer = { authorizerId: this.authorizer.authorizerId, authorizationType: AuthorizationType.CUSTOM };
      const integration = integrationFor(fn);
      const imported = new Map<string, IResource>();
      const anchorFor = (path: string): IResource => {
        const anchor = plan.sharedAncestor(path);
        if (anchor === '/') return api.root;
        let resource = imported.get(anchor);
        if (!resource) {
          resource = Resource.fromResourceAttributes(nested, `Shared${imported.size}`, {
            resourceId: this.api.root.resourceForPath(anchor).resourceId,
            restApi: api,
            path: anchor,
          });
          imported.set(anchor, resource);
        }
        return resource;
      };
      for (const route of routes) addRoute(route, anchorFor(route.path), nestedAuthorizer, nestedValidator, integration);
    }
    this.methods = methods;

    // The stage's deployment must follow every route, wherever its method lives: after the
    // nested stacks, and replaced (a new logical id) whenever the route table changes. RestApi
    // only hashes the methods it created itself, which here are the parent's.
    const deployment = this.api.latestDeployment;
    if (!deployment) throw new Error('KontorApi: the REST API has no deployment to follow the nested routes');
    for (const nested of nestedStacks) deployment.node.addDependency(nested);
    deployment.addToLogicalId({
      routes: routeTable.map((r) => [r.id, r.method, r.path, r.fn, typeof r.auth === 'string' ? r.auth : r.auth.action]),
    });

    for (const [type, response] of Object.entries(GATEWAY_RESPONSES)) {
      const responseType = (ResponseType as unknown as Record<string, ResponseType | undefined>)[type];
      if (!(responseType instanceof ResponseType)) throw new Error(`GATEWAY_RESPONSES: ${type} is not an API Gateway response type`);
      const body = JSON.stringify(response.problem);
      // A gateway response template substitutes `$variables` (no full Velocity): the body
      // must not contain one by accident.
      if (body.includes('$')) throw new Error(`GATEWAY_RESPONSES.${type}: the problem must not contain "$" (template variable)`);
      this.api.addGatewayResponse(`Gateway${type}`, {
        type: responseType,
        ...('keepStatus' in response ? {} : { statusCode: String(response.statusCode) }),
        // The same no-store and nosniff as every answer of the API's own functions.
        responseHeaders: {
          'Content-Type': `'${PROBLEM_CONTENT_TYPE}'`,
          ...Object.fromEntries(
            Object.entries({ ...GATEWAY_RESPONSE_HEADERS, ...('headers' in response ? response.headers : {}) }).map(([k, v]) => [k, `'${v}'`]),
          ),
        },
        templates: { 'application/json': body },
      });
    }

    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG2',
      reason:
        'Request parameters are validated by API Gateway (the "parameters" validator); bodies and query strings are validated by each route\'s zod contract in its handler, which answers 400 problem+json naming every bad field. A gateway body model would duplicate the contract and answer without field names.',
    });
    for (const scope of [this.api, ...nestedStacks]) Validations.of(scope).acknowledge(NOT_COGNITO);
    const cloudWatchRole = this.api.node.tryFindChild('CloudWatchRole');
    if (cloudWatchRole) {
      Validations.of(cloudWatchRole).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason:
          "AmazonAPIGatewayPushToCloudWatchLogs is AWS's policy for the account-wide API Gateway logging role; API Gateway names its log groups itself, so no narrower resource list is possible.",
      });
    }
  }
}

const pathParameters = (path: string): string[] => [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);

/**
 * Functions whose routes stay in the parent stack: the public system routes (a RestApi must
 * hold a method of its own), /me, whose method attaches the authorizer to the API, and the
 * webhook route, whose method attaches the webhook authorizer.
 */
const NOT_COGNITO = {
  id: 'AwsSolutions-COG4',
  reason:
    'Callers authenticate with JWTs of a configurable OIDC issuer (not necessarily Cognito), verified by the REQUEST authorizer, which also decides per account from DynamoDB: a Cognito user pool authorizer could do neither.',
};

export const PARENT_FUNCTIONS: ReadonlySet<FunctionName> = new Set<FunctionName>(['system', 'identity', 'webhooks']);

const pascal = (name: string): string => name.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase());

/** `route` as resourceForPath takes it from `base`: absolute from the root, else relative ('' is base itself). */
const relativePath = (base: string, route: string): string => (base === '/' ? route : route.slice(base.length + 1));

/**
 * Which path resources the parent creates: a path is shared when routes of more than one
 * function sit at or below it, or when a parent-stack route does. Every other resource belongs
 * to the one nested stack whose routes use it.
 */
export function planResources(routes: readonly Route[]): {
  shared: string[];
  byFunction: Map<FunctionName, Route[]>;
  sharedAncestor: (path: string) => string;
} {
  const users = new Map<string, Set<FunctionName>>();
  const pinned = new Set<string>();
  const byFunction = new Map<FunctionName, Route[]>();
  for (const route of routes) {
    byFunction.set(route.fn, [...(byFunction.get(route.fn) ?? []), route]);
    const segments = route.path.split('/').filter(Boolean);
    for (let i = 1; i <= segments.length; i++) {
      const prefix = `/${segments.slice(0, i).join('/')}`;
      users.set(prefix, (users.get(prefix) ?? new Set<FunctionName>()).add(route.fn));
      // A parent-stack route's whole path is the parent's.
      if (PARENT_FUNCTIONS.has(route.fn)) pinned.add(prefix);
    }
  }
  const shared = [...users].filter(([path, fns]) => fns.size > 1 || pinned.has(path)).map(([path]) => path);
  const sharedSet = new Set(shared);
  const sharedAncestor = (path: string): string => {
    const segments = path.split('/').filter(Boolean);
    for (let i = segments.length; i > 0; i--) {
      const prefix = `/${segments.slice(0, i).join('/')}`;
      if (sharedSet.has(prefix)) return prefix;
    }
    return '/';
  };
  return { shared, byFunction, sharedAncestor };
}

// JSON, one line per request; only context fields that cannot contain quotes (no error
// messages, no headers), so every line parses.
function accessLogFormat(): AccessLogFormat {
  return AccessLogFormat.custom(
    JSON.stringify({
      requestId: AccessLogField.contextRequestId(),
      extendedRequestId: AccessLogField.contextExtendedRequestId(),
      requestTime: AccessLogField.contextRequestTimeEpoch(),
      sourceIp: AccessLogField.contextIdentitySourceIp(),
      httpMethod: AccessLogField.contextHttpMethod(),
      resourcePath: AccessLogField.contextResourcePath(),
      path: AccessLogField.contextPath(),
      protocol: AccessLogField.contextProtocol(),
      status: AccessLogField.contextStatus(),
      responseLength: AccessLogField.contextResponseLength(),
      responseLatency: AccessLogField.contextResponseLatency(),
      integrationLatency: AccessLogField.contextIntegrationLatency(),
      integrationStatus: AccessLogField.contextIntegrationStatus(),
      authorizerStatus: AccessLogField.contextAuthorizerStatus(),
      authorizerLatency: AccessLogField.contextAuthorizerLatency(),
      authorizerIntegrationLatency: AccessLogField.contextAuthorizerIntegrationLatency(),
      principalId: AccessLogField.contextAuthorizerPrincipalId(),
      errorResponseType: AccessLogField.contextErrorResponseType(),
      xrayTraceId: AccessLogField.contextXrayTraceId(),
    }),
  );
}

