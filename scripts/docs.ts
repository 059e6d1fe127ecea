import { readFileSync, writeFileSync } from 'node:fs';
import { withRoleMatrix } from '#shared/authz/matrix.js';

// Regenerates the generated parts of the docs; test/unit/docs.test.ts fails when they are stale.
const path = new URL('../docs/authorization.md', import.meta.url);
writeFileSync(path, withRoleMatrix(readFileSync(path, 'utf8')));
console.log('docs/authorization.md: role matrix regenerated');
