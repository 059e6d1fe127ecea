import { invoicingContracts } from '#shared/contracts/invoicing.js';
import { createApiHandler, jsonResponse, parse, requirePrincipal } from '#shared/http/api.js';
import { exportPath, exportQuery, reportPath, reportQuery, timeReportPath } from '#shared/contracts/invoicing.js';
import { defaultStore } from '#shared/data/context.js';
import * as reporting from '#shared/usecases/reporting.js';
import { exportCsvView, exportView, reportView, timeReportView } from '#shared/views/reporting.js';

/* Reports and exports: parse, one use case, the view (JSON, or CSV for exports). */
export const handler = createApiHandler('reporting', {
  getReport: async (req) => {
    const { report } = parse('path', reportPath, req.pathParameters);
    const result = await reporting.report(defaultStore(), requirePrincipal(req), report, parse('query', reportQuery, req.query));
    return jsonResponse(200, reportView(result));
  },

  getTimeReport: async (req) => {
    parse('path', timeReportPath, req.pathParameters);
    const result = await reporting.timeReport(defaultStore(), requirePrincipal(req), parse('query', reportQuery, req.query));
    return jsonResponse(200, timeReportView(result));
  },

  getExport: async (req) => {
    const { dataset } = parse('path', exportPath, req.pathParameters);
    const q = parse('query', exportQuery, req.query);
    const page = await reporting.exportPage(defaultStore(), requirePrincipal(req), dataset, q);
    return q.format === 'json' ? jsonResponse(200, exportView(dataset, page)) : exportCsvView(dataset, page, q.cursor === undefined);
  },
}, invoicingContracts);
