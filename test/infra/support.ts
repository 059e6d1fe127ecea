import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoPath } from '../../infra/paths.js';

/** The context `cdk synth` runs with: the tests check the stack cdk.json actually describes. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(repoPath('cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  return structuredClone(cdkJson.context);
}

const outdirs: string[] = [];

/** A fresh cloud-assembly directory per app, so parallel test files never share one. */
export function freshOutdir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kontor-cdk-'));
  outdirs.push(dir);
  return dir;
}

/** Removes the assemblies (bundles included) this test file made. */
export function removeOutdirs(): void {
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/**
 * Context that tells CDK to bundle no stack's assets: for tests about configuration
 * only, where the functions' code does not matter and esbuild's seconds do.
 */
export const SKIP_BUNDLING = { 'aws:cdk:bundling-stacks': [] as string[] };
