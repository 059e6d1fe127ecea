import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { repoPath } from '../../infra/paths.js';
import { resolveStageConfig, STAGE_CONFIG_KEYS, StageConfigError } from '../../shared/config/stage.js';

const DEV = {
  jwtIssuer: 'https://issuer.example.com/',
  jwtAudience: 'kontor',
  jwksUrl: 'https://issuer.example.com/.well-known/jwks.json',
};
const contextOf = (values: Record<string, unknown>) => (key: string) => values[key];
const failure = (values: Record<string, unknown>): StageConfigError => {
  try {
    resolveStageConfig(contextOf(values));
  } catch (e) {
    if (e instanceof StageConfigError) return e;
    throw e;
  }
  throw new Error('expected the configuration to be refused');
};

describe('stage configuration', () => {
  it('when only the required keys are set, it applies the production-safe defaults', () => {
    expect(resolveStageConfig(contextOf({ stages: { dev: DEV } }))).toEqual({
      stage: 'dev',
      ...DEV,
      authorizerCacheTtlSeconds: 60,
      removalPolicy: 'retain',
      deletionProtection: true,
      logRetentionDays: 90,
      throttlingRateLimit: 50,
      throttlingBurstLimit: 100,
      logLevel: 'INFO',
      waf: false,
      wafRateLimit: 3000,
    });
  });

  it('when a -c value is given, it overrides the stage block and is parsed from its string form', () => {
    const config = resolveStageConfig(
      contextOf({
        stage: 'prod',
        stages: { prod: { ...DEV, authorizerCacheTtlSeconds: 120, deletionProtection: true } },
        authorizerCacheTtlSeconds: '0',
        deletionProtection: 'false',
        jwtAudience: 'other',
      }),
    );
    expect(config).toMatchObject({ stage: 'prod', authorizerCacheTtlSeconds: 0, deletionProtection: false, jwtAudience: 'other' });
  });

  it('when the stage has no block and no -c values, it names every missing required key', () => {
    const error = failure({ stage: 'prod', stages: { dev: DEV } });
    expect(error.issues).toEqual([
      { key: 'jwtIssuer', message: 'is required' },
      { key: 'jwtAudience', message: 'is required' },
      { key: 'jwksUrl', message: 'is required' },
    ]);
    expect(error.message).toContain('stage "prod"');
    expect(error.message).toContain('-c <key>=<value>');
  });

  it.each([
    ['jwksUrl', 'http://issuer.example.com/jwks.json', 'must be an https:// URL'],
    ['jwtIssuer', 'not a url', 'must be an https:// URL'],
    ['jwtAudience', '  ', 'must not be empty'],
    ['authorizerCacheTtlSeconds', -1, 'must be at least 0'],
    ['authorizerCacheTtlSeconds', '3601', 'must be at most 3600'],
    ['authorizerCacheTtlSeconds', 1.5, 'must be an integer'],
    ['removalPolicy', 'snapshot', 'must be "retain" or "destroy"'],
    ['deletionProtection', 'yes', 'must be true or false'],
    ['logRetentionDays', 8, 'must be one of'],
    ['throttlingRateLimit', 0, 'must be at least 1'],
    ['throttlingBurstLimit', 'many', 'must be an integer'],
    ['logLevel', 'verbose', 'must be one of'],
    ['alarmEmail', 'ops-team', 'must be an e-mail address'],
  ])('when %s is %j, it fails naming the key', (key, value, message) => {
    const error = failure({ stages: { dev: { ...DEV, [key]: value } } });
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]!.key).toBe(key);
    expect(error.issues[0]!.message).toContain(message);
  });

  it('when the stage name is not a valid name, it fails naming "stage"', () => {
    expect(failure({ stage: 'Prod_1', stages: { Prod_1: DEV } }).issues).toEqual([{ key: 'stage', message: expect.stringContaining('lower-case') }]);
  });

  it('when a stage block holds an unknown key, it names it (most likely a typo)', () => {
    const error = failure({ stages: { dev: { ...DEV, jwksUri: 'https://x.example.com/' } } });
    expect(error.issues).toEqual([{ key: 'jwksUri', message: expect.stringContaining('is not a stage setting') }]);
  });

  it('when "stages" is not an object, it says so', () => {
    expect(failure({ stages: 'dev' }).issues).toEqual([{ key: 'stages', message: expect.any(String) }]);
  });

  it('docs/deploy.md documents every key of the schema', () => {
    const doc = readFileSync(repoPath('docs/deploy.md'), 'utf8');
    for (const key of STAGE_CONFIG_KEYS) expect(doc, key).toContain(`| \`${key}\` |`);
  });
});
