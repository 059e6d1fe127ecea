import { STREAMS_SETTLE_PATH } from '../../scripts/local/runtime.js';
import { apiUrl } from './http.js';

/*
 * Reports read aggregates that follow document writes through the table's stream, so a
 * test that writes documents and then reads a report first waits for the local runtime's
 * stream poller to hand every earlier write to the aggregator: a barrier, never a sleep.
 */
export async function reportsSettled(): Promise<void> {
  const res = await fetch(`${apiUrl()}${STREAMS_SETTLE_PATH}`, { method: 'POST' });
  if (res.status !== 204) throw new Error(`the stream poller did not settle: ${res.status} ${await res.text()}`);
}
