/*
 * Named domain errors. Domain and data code throw these; one middleware turns them into
 * application/problem+json (the `onError` of shared/http/api.ts), so handlers never build error
 * responses themselves and an unexpected error can never leak its message.
 */
export interface FieldError {
  /** Where the bad value is: `body.lines.0.quantity`, `path.accountId`, `query.limit`. */
  field: string;
  message: string;
}

export abstract class DomainError extends Error {
  abstract readonly status: number;
  /** Stable slug; the problem `type` is built from it. */
  abstract readonly slug: string;
  abstract readonly title: string;
  readonly errors?: FieldError[] | undefined;
  /** Extra machine-readable members of the problem document. */
  readonly extensions?: Record<string, unknown> | undefined;
  /** Response headers the problem needs (`Retry-After` on a 503). */
  readonly headers?: Record<string, string> | undefined;

  constructor(
    detail: string,
    options?: { errors?: FieldError[]; extensions?: Record<string, unknown>; headers?: Record<string, string> },
  ) {
    super(detail);
    this.name = new.target.name;
    this.errors = options?.errors;
    this.extensions = options?.extensions;
    this.headers = options?.headers;
  }
}

export class ValidationError extends DomainError {
  readonly status = 400;
  readonly slug = 'validation-error';
  readonly title = 'The request is not valid';
}

export class Unauthenticated extends DomainError {
  readonly status = 401;
  readonly slug = 'unauthenticated';
  readonly title = 'Authentication is required';
}

export class Forbidden extends DomainError {
  readonly status = 403;
  readonly slug = 'forbidden';
  readonly title = 'The caller may not do this';
}

export class NotFound extends DomainError {
  readonly status = 404;
  readonly slug = 'not-found';
  readonly title = 'Not found';
}

export class MethodNotAllowed extends DomainError {
  readonly status = 405;
  readonly slug = 'method-not-allowed';
  readonly title = 'Method not allowed';
}

export class Conflict extends DomainError {
  readonly status = 409;
  readonly slug = 'conflict';
  readonly title = 'The request conflicts with the current state';
}

/** Throttling or a transient fault downstream: the client may retry after `Retry-After` seconds. */
export class ServiceUnavailable extends DomainError {
  readonly status = 503;
  readonly slug = 'service-unavailable';
  readonly title = 'The service is temporarily unavailable';

  constructor(detail: string, options?: { retryAfterSeconds?: number; extensions?: Record<string, unknown> }) {
    const retryAfter = options?.retryAfterSeconds ?? 1;
    super(detail, { extensions: options?.extensions, headers: { 'retry-after': String(retryAfter) } });
  }
}

// ---------------------------------------------------------------------------------------
// Organization administration: conflicts a client can tell apart by `type`.
// Each carries machine-readable extensions (the members, plans or versions concerned).
// ---------------------------------------------------------------------------------------

/** Optimistic locking: the item changed since the client read it. */
export class StaleVersion extends DomainError {
  readonly status = 409;
  readonly slug = 'stale-version';
  readonly title = 'The resource changed since it was read';
}

/** SPEC 4.3: the change needs one of the listed plans (or an inactive feature) first. */
export class PlanRequired extends DomainError {
  readonly status = 409;
  readonly slug = 'plan-required';
  readonly title = 'The plan does not include this';
}

/** SPEC 7.2: the organization would be left without an Owner. */
export class LastOwner extends DomainError {
  readonly status = 409;
  readonly slug = 'last-owner';
  readonly title = 'The last Owner cannot be removed or demoted';
}

/** A role or plan cannot change while members still depend on it; `members` names them. */
export class InUse extends DomainError {
  readonly status = 409;
  readonly slug = 'in-use';
  readonly title = 'Members still depend on this';
}
// --- invoicing -------------------------------------------------------------------------

/** 409: a document status change the status machine does not allow (extensions: from, to). */
export class IllegalTransition extends DomainError {
  readonly status = 409;
  readonly slug = 'illegal-transition';
  readonly title = 'This status change is not allowed';
}

/**
 * 409: the change touches a closed accounting period (a month closed by accounting.edit);
 * `period` names it. Reopening the period is the only way to change what is dated in it.
 */
export class PeriodClosed extends DomainError {
  readonly status = 409;
  readonly slug = 'period-closed';
  readonly title = 'The accounting period is closed';

  constructor(readonly period: string, what: string) {
    super(`the accounting period ${period} is closed: ${what} dated in it cannot change until it is reopened`, { extensions: { period } });
  }
}

/**
 * 409: another change to this account's instance ACLs or CRM structure holds the ACL lock
 * (docs/authorization.md, "Upkeep of the index"); retry after `Retry-After` seconds.
 */
export class AclBusy extends DomainError {
  readonly status = 409;
  readonly slug = 'acl-busy';
  readonly title = "Another change to this account's permissions is being applied";

  constructor(detail: string, options?: { retryAfterSeconds?: number }) {
    super(detail, { headers: { 'retry-after': String(options?.retryAfterSeconds ?? 1) } });
  }
}

// --- HTTP conventions (one shape for everything) ----------------------------------------

/** 412: an If-Match precondition failed (RFC 9110 13.1.1): the resource is not at that version. */
export class PreconditionFailed extends DomainError {
  readonly status = 412;
  readonly slug = 'precondition-failed';
  readonly title = 'A precondition of the request failed';
}

/** 413: the request body is over the size the API reads (shared/http/conventions.ts). */
export class PayloadTooLarge extends DomainError {
  readonly status = 413;
  readonly slug = 'payload-too-large';
  readonly title = 'The request is too large';
}

/** 415: the request has a body in a media type the API does not read (only JSON). */
export class UnsupportedMediaType extends DomainError {
  readonly status = 415;
  readonly slug = 'unsupported-media-type';
  readonly title = 'The request body must be JSON';
}

/** 422: an Idempotency-Key was reused with a different request body (IETF httpapi idempotency-key draft). */
export class IdempotencyKeyReused extends DomainError {
  readonly status = 422;
  readonly slug = 'idempotency-key-reused';
  readonly title = 'The Idempotency-Key was used for a different request';
}

/** 409: the first request with this Idempotency-Key is still running; retry after `Retry-After` seconds. */
export class IdempotencyInProgress extends DomainError {
  readonly status = 409;
  readonly slug = 'idempotency-in-progress';
  readonly title = 'A request with this Idempotency-Key is still being processed';

  constructor(detail: string, options?: { retryAfterSeconds?: number }) {
    super(detail, { headers: { 'retry-after': String(options?.retryAfterSeconds ?? 1) } });
  }
}
