import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/paths.js';

const run = promisify(execFile);

describe('npx cdk synth', () => {
  it('when the stage config is missing a key, it exits non-zero naming that key', async () => {
    // Fails while resolving the config, before any bundling: cheap to run through the real CLI.
    const result = await run('npx', ['cdk', 'synth', '--quiet', '-c', 'stage=prod', '-c', 'jwtIssuer=https://issuer.example.com/', '-c', 'jwtAudience=kontor'], {
      cwd: REPO_ROOT,
      env: { ...process.env, CDK_DISABLE_VERSION_CHECK: 'true' },
    }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('jwksUrl: is required');
    expect(result.stderr).not.toContain('jwtIssuer');
  }, 60_000);
});
