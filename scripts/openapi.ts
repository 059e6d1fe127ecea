import { writeFileSync } from 'node:fs';
import { buildOpenApi } from '#shared/http/openapi.js';

// Writes docs/openapi.json; test/unit/openapi.test.ts fails when it is stale.
writeFileSync(new URL('../docs/openapi.json', import.meta.url), `${JSON.stringify(buildOpenApi(), null, 2)}\n`);
console.log('docs/openapi.json written');
