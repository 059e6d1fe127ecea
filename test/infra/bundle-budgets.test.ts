import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { bundleBudgetBytes, esbuildOptions, KontorFunction } from '../../infra/constructs/kontor-function.js';
import { AUTHORIZER_ENTRY, WEBHOOK_AUTHORIZER_ENTRY } from '../../infra/stack.js';
import { REPORT_AGGREGATOR_ENTRY } from '../../functions/report-aggregator/source.js';
import { ALLEGRO_POLLER_ENTRY } from '../../functions/allegro-poller/source.js';
import { repoPath } from '../../infra/paths.js';
import { FUNCTIONS } from '../../shared/http/routes.js';
import { freshOutdir, removeOutdirs } from './support.js';

/*
 * Bundle budgets (issue 13): a bundle's size is deterministic, so every Lambda is built with
 * the options `cdk synth` uses and its index.mjs must stay within its budget. A dependency
 * that drags a client stack or a second validation library into a function fails here, not
 * in a cold start in production.
 */
const ENTRIES: Record<string, string> = {
  authorizer: AUTHORIZER_ENTRY,
  // Not behind routes, but deployed Lambdas all the same: held to the API functions' ceiling.
  'webhook-authorizer': WEBHOOK_AUTHORIZER_ENTRY,
  'report-aggregator': REPORT_AGGREGATOR_ENTRY,
  'allegro-poller': ALLEGRO_POLLER_ENTRY,
  ...Object.fromEntries(Object.entries(FUNCTIONS).map(([name, spec]) => [name, spec.entry])),
};

const work = mkdtempSync(join(tmpdir(), 'kontor-budgets-'));
const sizes: Record<string, number> = {};
const inputs: Record<string, string[]> = {};

beforeAll(async () => {
  for (const [name, entry] of Object.entries(ENTRIES)) {
    const outfile = join(work, name, 'index.mjs');
    const out = await build({ ...esbuildOptions(repoPath(entry), outfile), metafile: true, logLevel: 'error' });
    sizes[name] = statSync(outfile).size;
    inputs[name] = Object.keys(out.metafile.inputs);
  }
}, 300_000);
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  removeOutdirs();
});

describe('bundle budgets', () => {
  it.each(Object.keys(ENTRIES))('%s stays within its budget', (name) => {
    expect(sizes[name], `${name}: ${sizes[name]} bytes`).toBeLessThanOrEqual(bundleBudgetBytes(name));
  });

  it('the authorizer is within 200 KB, without zod, the SDK client stack or Powertools', () => {
    expect(bundleBudgetBytes('authorizer')).toBe(200 * 1024);
    // Issue 13's API target; only bank (XML parser) and system (Swagger UI) have their own.
    expect(Object.keys(ENTRIES).filter((n) => bundleBudgetBytes(n) > 600 * 1024).sort()).toEqual(['bank', 'system']);
    expect(inputs.authorizer!.filter((i) => /node_modules\/(zod\/v4\/classic|@aws-sdk\/(client-|lib-|core)|@smithy\/|@aws-lambda-powertools\/)/.test(i))).toEqual([]);
  });

  it('the explorer, one static page, is within 128 KB, without the SDK client stack or Powertools', () => {
    expect(bundleBudgetBytes('explorer')).toBe(128 * 1024);
    expect(inputs.explorer!.filter((i) => /node_modules\/(@aws-sdk|@smithy|@aws-lambda-powertools|@middy)\//.test(i))).toEqual([]);
  });

  it.each(Object.keys(ENTRIES))('%s carries neither the X-Ray SDK nor the SDK credential chain beyond the environment', (name) => {
    // Lambda's credentials are its environment variables (shared/data/lambda-credentials.ts);
    // profiles, SSO, STS and IMDS providers, and the X-Ray SDK (active tracing records each
    // invocation without it), were ~250 KB of each function.
    expect(inputs[name]!.filter((i) => /node_modules\/(aws-xray-sdk|@aws-lambda-powertools\/tracer|@aws-sdk\/(credential-provider-(?!env)|nested-clients))/.test(i))).toEqual([]);
  });

  it('the options are the ones cdk synth bundles with: the same authorizer and API function, byte for byte', () => {
    process.env.CDK_DOCKER = '/nonexistent/kontor-never-bundles-in-docker';
    const app = new App({ outdir: freshOutdir() });
    const stack = new Stack(app, 'BudgetCheck', { env: { region: 'eu-central-1' } });
    // The authorizer, and an API function: the one that goes through the SDK's client stack
    // and so through the credentials alias.
    const built = { authorizer: AUTHORIZER_ENTRY, documents: ENTRIES.documents! };
    for (const [name, entry] of Object.entries(built)) {
      new KontorFunction(stack, name, {
        entry,
        description: 'budget check',
        serviceName: name,
        logRetention: RetentionDays.ONE_WEEK,
        removalPolicy: RemovalPolicy.DESTROY,
      });
    }
    const dir = app.synth().directory;
    const assets = readdirSync(dir).filter((d) => d.startsWith('asset.'));
    expect(assets).toHaveLength(2);
    const deployed = assets.map((a) => readFileSync(join(dir, a, 'index.mjs')).toString('base64')).sort();
    const tested = Object.keys(built).map((name) => readFileSync(join(work, name, 'index.mjs')).toString('base64')).sort();
    expect(deployed).toEqual(tested);
  }, 120_000);
});
