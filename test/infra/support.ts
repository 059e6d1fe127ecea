import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoPath } from '../../infra/paths.js';

/** The context `cdk synth` runs with: the tests check the stack cdk.json actually describes. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(repoPath('cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  return structuredClone(cdkJson.context);
}

/** A fresh cloud-assembly directory per app, so parallel test files never share one. */
export const freshOutdir = (): string => mkdtempSync(join(tmpdir(), 'kontor-cdk-'));

/**
 * Context that tells CDK to bundle no stack's assets: for tests about configuration
 * only, where the functions' code does not matter and esbuild's seconds do.
 */
export const SKIP_BUNDLING = { 'aws:cdk:bundling-stacks': [] as string[] };
