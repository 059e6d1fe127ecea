import type * as z from 'zod';

/*
 * A route's contract: the zod schemas its handler parses input with and answers with.
 * The OpenAPI document is generated from these, so the published API and the validation
 * the handlers do are the same code.
 */
export interface RouteContract {
  readonly path?: z.ZodType;
  readonly query?: z.ZodType;
  readonly body?: z.ZodType;
  readonly response?: z.ZodType;
  /** Success status; 200 when absent. */
  readonly status?: number;
}
