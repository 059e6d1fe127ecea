import { ALLEGRO_POLLER_ENTRY } from '#functions/allegro-poller/source.js';

/*
 * `npm start`'s stand-in for the EventBridge rule: every `intervalMs` it runs the same
 * Lambda handler the rule runs (functions/allegro-poller), which runs the same use case.
 * One run at a time: a run still going when the next is due is not overlapped (the lease
 * would refuse it anyway). Allegro's URLs come from ALLEGRO_API_URL / ALLEGRO_AUTH_URL
 * (the sandbox, or a fake server), as in the deployed function.
 */
export interface AllegroTimer {
  stop(): Promise<void>;
}

type PollerHandler = (event: unknown) => Promise<{ polled: number; failed: number; skipped: number }>;

export function startAllegroTimer(options: {
  intervalMs: number;
  load: (entry: string) => Promise<PollerHandler>;
  log?: ((line: Record<string, unknown>) => void) | undefined;
}): AllegroTimer {
  let running: Promise<void> | undefined;
  const run = () => {
    if (running) return;
    running = options
      .load(ALLEGRO_POLLER_ENTRY)
      .then((handler) => handler({ source: 'kontor.local', 'detail-type': 'Scheduled Event' }))
      .then((summary) => {
        if (summary.polled || summary.failed) options.log?.({ level: summary.failed ? 'WARN' : 'INFO', message: 'allegro poll run', ...summary });
      })
      .catch((e: unknown) => options.log?.({ level: 'ERROR', message: 'allegro poll run failed', error: String(e) }))
      .finally(() => (running = undefined));
  };
  const timer = setInterval(run, options.intervalMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
