import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { Duration, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE } from '../../shared/observability/metric-names.js';
import { repoPath, REPO_ROOT } from '../paths.js';

/*
 * Every Lambda of Kontor is one of these: the defaults live here once (arm64, Node.js 22,
 * ESM bundle by the local esbuild, minified with source maps, a log group with retention,
 * X-Ray, the Powertools environment) so no function can drift from them. The caller's
 * environment is MERGED into the defaults: Powertools' equivalent construct replaces it,
 * and the lost variable (e.g. NODE_OPTIONS, so stack traces point at minified code) only
 * shows up in production.
 */
export interface KontorFunctionProps {
  /** Entry file, relative to the repository root (`functions/<name>/handler.ts`). */
  readonly entry: string;
  readonly description: string;
  /** POWERTOOLS_SERVICE_NAME: the name logs, traces and metrics are grouped by (the FUNCTIONS key, or "authorizer"). */
  readonly serviceName: string;
  /** POWERTOOLS_LOG_LEVEL. @default INFO */
  readonly logLevel?: string;
  readonly environment?: Record<string, string>;
  readonly logRetention: RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  /** @default 512 */
  readonly memorySize?: number;
  /** @default 10 s: API Gateway gives up at 29 s, and no Kontor call is long-running. */
  readonly timeout?: Duration;
}

export const FUNCTION_DEFAULTS = {
  runtime: Runtime.NODEJS_22_X,
  architecture: Architecture.ARM_64,
  memorySize: 512,
  timeout: Duration.seconds(10),
  esbuildTarget: 'node20',
  // Node.js resolves stack traces through the bundle's source map only when told to.
  environment: { NODE_OPTIONS: '--enable-source-maps' },
} as const;

// An ESM bundle has no `require`; CommonJS dependencies that call it need one.
/*
 * The SDK's default credential chain, swapped at bundle time for the environment provider
 * (shared/data/lambda-credentials.ts says why). A path relative to the project root: local
 * bundling runs esbuild there, and a relative path keeps the asset hash machine-independent.
 */
const CREDENTIALS_ALIAS = { '@aws-sdk/credential-provider-node': './shared/data/lambda-credentials.ts' } as const;

const ESM_REQUIRE_BANNER = "import { createRequire } from 'module';const require = createRequire(import.meta.url);";

/*
 * Bundle budgets, in bytes of the minified index.mjs (source map apart): a bundle's size is
 * deterministic, so test/infra/bundle-budgets.test.ts fails the build when one grows past
 * its budget. The authorizer's and the API functions' are issue 13's targets (docs/
 * benchmarks.md, "Bundles and cold start"): zod imported as a namespace (tree-shaken), no
 * X-Ray SDK, and the SDK's credential chain reduced to the environment (CREDENTIALS_ALIAS).
 * Three functions have their own, for a reason each: bank parses CAMT.053 with an XML parser
 * (~53 KB), system serves Swagger UI's assets, and the explorer serves one static page
 * (about 30 KB of it) without the API wrapper, so its budget is a small one: the SDK or
 * Powertools creeping in fails it.
 */
export const BUNDLE_BUDGET_BYTES = {
  authorizer: 200 * 1024,
  api: 600 * 1024,
  bank: 620 * 1024,
  system: 2500 * 1024,
  explorer: 128 * 1024,
} as const;

/** The budget of a function's bundle: its own where it has one, else the API functions'. */
export const bundleBudgetBytes = (name: string): number =>
  (BUNDLE_BUDGET_BYTES as Record<string, number>)[name] ?? BUNDLE_BUDGET_BYTES.api;

/**
 * The esbuild options NodejsFunction runs below, as esbuild's own build options: the bundle
 * bench and the budget test build with these (the test checks they give the deployed bytes).
 */
export function esbuildOptions(entry: string, outfile: string) {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node' as const,
    format: 'esm' as const,
    target: FUNCTION_DEFAULTS.esbuildTarget,
    banner: { js: ESM_REQUIRE_BANNER },
    mainFields: ['module', 'main'],
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    tsconfig: repoPath('tsconfig.json'),
    alias: CREDENTIALS_ALIAS,
    absWorkingDir: REPO_ROOT,
  };
}

export class KontorFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly logGroup: LogGroup;
  readonly role: Role;

  constructor(scope: Construct, id: string, props: KontorFunctionProps) {
    super(scope, id);
    assertLocalEsbuild();
    const entry = repoPath(props.entry);
    if (!existsSync(entry)) {
      throw new Error(`${this.node.path}: entry ${props.entry} does not exist (API functions are declared in FUNCTIONS, shared/http/routes.ts)`);
    }

    this.logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: props.removalPolicy });
    // An own role, not the default one: the default attaches AWSLambdaBasicExecutionRole,
    // which may write to every log group of the account; this one writes to its own only.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs ${props.description}`,
    });
    this.logGroup.grantWrite(this.role);

    this.fn = new NodejsFunction(this, 'Function', {
      entry,
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: repoPath('package-lock.json'),
      description: props.description,
      runtime: FUNCTION_DEFAULTS.runtime,
      architecture: FUNCTION_DEFAULTS.architecture,
      memorySize: props.memorySize ?? FUNCTION_DEFAULTS.memorySize,
      timeout: props.timeout ?? FUNCTION_DEFAULTS.timeout,
      role: this.role,
      logGroup: this.logGroup,
      tracing: Tracing.ACTIVE,
      environment: mergeEnvironment(
        { ...FUNCTION_DEFAULTS.environment, ...powertoolsEnvironment(props.serviceName, props.logLevel ?? 'INFO') },
        props.environment,
      ),
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: FUNCTION_DEFAULTS.esbuildTarget,
        banner: ESM_REQUIRE_BANNER,
        // Prefer dependencies' ESM builds: better tree-shaking in an ESM bundle.
        mainFields: ['module', 'main'],
        minify: true,
        sourceMap: true,
        sourceMapMode: SourceMapMode.DEFAULT,
        sourcesContent: false,
        // Bundle the SDK instead of using the runtime's copy: the deployed code then runs
        // the exact SDK version the tests ran against.
        bundleAwsSDK: true,
        tsconfig: repoPath('tsconfig.json'),
        esbuildArgs: Object.fromEntries(Object.entries(CREDENTIALS_ALIAS).map(([from, to]) => [`--alias:${from}`, to])),
      },
    });

    Validations.of(this.fn).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Pinned to Node.js 22 (nodejs22.x), the runtime the project targets and tests on; moving to a newer runtime is a deliberate change, not an automatic one.',
    });
    // Only X-Ray's two write actions carry Resource '*' (added by `tracing`); every other
    // statement of this role names its log group or table (test/infra/stack.test.ts checks).
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'xray:PutTraceSegments and xray:PutTelemetryRecords (added for active tracing) support no resource-level permissions, so their Resource must be "*".',
    });
  }
}

/** What Powertools for AWS Lambda reads at start-up, so the app never hard-codes it. */
export function powertoolsEnvironment(serviceName: string, logLevel: string): Record<string, string> {
  return {
    POWERTOOLS_SERVICE_NAME: serviceName,
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    POWERTOOLS_LOG_LEVEL: logLevel,
  };
}

/** Defaults first, the caller's variables over them; NODE_OPTIONS flags are combined, not replaced. */
export function mergeEnvironment(
  defaults: Readonly<Record<string, string>>,
  environment: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const merged: Record<string, string> = { ...defaults, ...environment };
  if (defaults.NODE_OPTIONS && environment.NODE_OPTIONS) {
    merged.NODE_OPTIONS = [...new Set(`${defaults.NODE_OPTIONS} ${environment.NODE_OPTIONS}`.split(/\s+/).filter(Boolean))].join(' ');
  }
  return merged;
}

// NodejsFunction silently falls back to Docker when it cannot find esbuild; Kontor never
// bundles in Docker, so a missing esbuild is an error that says what to do.
let esbuildChecked = false;
function assertLocalEsbuild(): void {
  if (esbuildChecked) return;
  try {
    createRequire(import.meta.url).resolve('esbuild/package.json');
    // NodejsFunction detects esbuild from aws-cdk-lib's own location: check that too.
    createRequire(createRequire(import.meta.url).resolve('aws-cdk-lib/package.json')).resolve('esbuild/package.json');
  } catch {
    throw new Error('esbuild is not installed: run `npm ci`. Kontor bundles Lambdas with the local esbuild, never Docker.');
  }
  esbuildChecked = true;
}
