import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The repository root: entries, the lock file and tsconfig are resolved against it, never the cwd. */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const repoPath = (relative: string): string => join(REPO_ROOT, relative);
