import { writeFileSync } from 'node:fs';
import { buildOpenApi } from '#shared/http/openapi.js';

// Writes docs/openapi.json; test/unit/openapi.test.ts fails when it is stale. Compact, as
// served: pretty-printing doubles its size, and `jq . docs/openapi.json` reads it as well.
writeFileSync(new URL('../docs/openapi.json', import.meta.url), `${JSON.stringify(buildOpenApi())}\n`);
console.log('docs/openapi.json written');
