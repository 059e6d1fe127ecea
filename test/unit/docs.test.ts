import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { withRoleMatrix } from '#shared/authz/matrix.js';

describe('generated documentation', () => {
  it('docs/authorization.md shows the current built-in role matrix (run `npm run docs` to refresh)', () => {
    const doc = readFileSync(new URL('../../docs/authorization.md', import.meta.url), 'utf8');
    expect(doc).toBe(withRoleMatrix(doc));
  });
});
