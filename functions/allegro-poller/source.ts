/*
 * The Allegro poller's schedule and entry, declared once for the EventBridge rule
 * (infra/constructs/allegro-poller.ts) and the local runtime's timer (scripts/local).
 */
export const ALLEGRO_POLLER_ENTRY = 'functions/allegro-poller/handler.ts';

/** How often the poller runs: every integration is polled at most this often (more rarely while it backs off). */
export const ALLEGRO_POLL_MINUTES = 5;

/** The function's timeout; it stops starting integrations a minute before it, leaving them due for the next run. */
export const ALLEGRO_POLLER_TIMEOUT_SECONDS = 300;
