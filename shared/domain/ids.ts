import { randomBytes } from 'node:crypto';

/*
 * Identifiers are hierarchical, like ARNs: a sub-account id embeds its organization's id.
 * The authorizer derives every key it needs from (user, accountId) alone, so it can load
 * a principal in one BatchGetItem. The embedded id is a routing hint, never a credential:
 * the account item read in that same batch must exist and name the same organization.
 */

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A ULID: 48-bit millisecond time + 80 random bits, Crockford base32, sortable by time. */
export function ulid(now: number = Date.now()): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const bytes = randomBytes(16);
  let rand = '';
  for (let i = 0; i < 16; i++) rand += CROCKFORD[bytes[i]! % 32];
  return time + rand;
}

const ULID = '[0-9A-HJKMNP-TV-Z]{26}';
export const ULID_SOURCE = '[0-9A-HJKMNP-TV-Z]{26}';
const ORG_RE = new RegExp(`^org_(${ULID})$`);
const ACCOUNT_RE = new RegExp(`^acc_(${ULID})(?:_(${ULID}))?$`);

export const newOrganizationId = (): string => `org_${ulid()}`;
export const mainAccountIdOf = (organizationId: string): string => `acc_${organizationId.slice(4)}`;
export const newSubAccountId = (organizationId: string): string =>
  `${mainAccountIdOf(organizationId)}_${ulid()}`;

export interface AccountRef {
  accountId: string;
  organizationId: string;
  mainAccountId: string;
  isSubAccount: boolean;
}

/** Parses an account id from a path; undefined for anything that is not one. */
export function parseAccountId(accountId: string): AccountRef | undefined {
  const m = ACCOUNT_RE.exec(accountId);
  if (!m) return undefined;
  return {
    accountId,
    organizationId: `org_${m[1]}`,
    mainAccountId: `acc_${m[1]}`,
    isSubAccount: m[2] !== undefined,
  };
}

export const isOrganizationId = (id: string): boolean => ORG_RE.test(id);
