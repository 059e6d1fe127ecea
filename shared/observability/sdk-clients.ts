/*
 * A hook for instrumenting AWS SDK clients, with no dependency of its own: shared code that
 * builds a client (shared/data/client.ts) calls `instrumentSdkClient`, and only functions
 * that load the Tracer (the API functions, through the API wrapper) install one. The
 * authorizer, which shares the DynamoDB client code, thus never bundles the X-Ray SDK.
 */
type Instrument = <T>(client: T) => T;
let instrument: Instrument | undefined;

/** Installs the instrumentation applied to every client built from now on. */
export function setSdkClientInstrumentation(fn: Instrument | undefined): void {
  instrument = fn;
}

/** The client, instrumented when a function installed instrumentation (else unchanged). */
export function instrumentSdkClient<T>(client: T): T {
  return instrument ? instrument(client) : client;
}
