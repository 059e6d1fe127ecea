import { systemContracts } from '#shared/contracts/system.js';
import { createApiHandler, jsonResponse } from '#shared/http/api.js';
import { buildOpenApi } from '#shared/http/openapi.js';
import { catalogueView } from '#shared/views/catalogue.js';
import { apiReferenceAsset, apiReferencePage } from './api-reference.js';

// Built once per container: the document depends only on code.
let openApi: string | undefined;

export const handler = createApiHandler('system', {
  health: async () => jsonResponse(200, { status: 'ok' }, { 'cache-control': 'no-store' }),
  getOpenApi: async () => {
    openApi ??= JSON.stringify(buildOpenApi());
    return { statusCode: 200, headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' }, body: openApi };
  },
  getApiReference: apiReferencePage,
  getApiReferenceAsset: (req) => apiReferenceAsset(req.pathParameters.file ?? ''),
  // Depends only on code, like the document: cacheable by anyone.
  getCatalogue: async () => jsonResponse(200, catalogueView(), { 'cache-control': 'public, max-age=300' }),
}, systemContracts);
