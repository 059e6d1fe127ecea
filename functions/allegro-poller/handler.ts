import type { Context } from 'aws-lambda';
import { defaultStore, type Store } from '#shared/data/context.js';
import { allegroClient, allegroEndpoints } from '#shared/integrations/allegro.js';
import { secretBox } from '#shared/integrations/secret-box.js';
import { logger } from '#shared/observability/logger.js';
import { pollDue } from '#shared/usecases/allegro-poller.js';

/*
 * The Allegro poller: invoked by an EventBridge rule every ALLEGRO_POLL_MINUTES (and by the
 * local runtime's timer), not by an API route. It polls every active Allegro integration
 * that is due (shared/usecases/allegro-poller.ts); each poll's outcome or error is in that
 * integration's delivery log, so one failing seller never fails the run.
 */
export function makeHandler(store: () => Store) {
  return async (_event: unknown, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<{ polled: number; failed: number; skipped: number }> => {
    const s = store();
    const stopAt = context ? new Date(s.now().getTime() + context.getRemainingTimeInMillis() - 60_000) : undefined;
    const results = await pollDue({ store: s, box: await secretBox(), allegro: allegroClient(allegroEndpoints(), s.now) }, { concurrency: 4, ...(stopAt ? { stopAt } : {}) });
    const count = (r: string) => results.filter((x) => x.result === r).length;
    const summary = { polled: count('polled'), failed: count('failed'), skipped: count('skipped') };
    if (summary.failed) logger.warn('allegro polls failed; see their delivery logs', { ...summary, failedIntegrations: results.filter((r) => r.result === 'failed').map((r) => r.integrationId) });
    else logger.debug('allegro polls done', summary);
    return summary;
  };
}

export const handler = makeHandler(defaultStore);
