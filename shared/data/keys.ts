/*
 * Every DynamoDB key of Kontor is built here and nowhere else; docs/data-model.md documents
 * each one with the access pattern it serves. Id segments are URI-encoded so that an id
 * from an identity provider containing '#' can never forge another entity's key.
 */
export interface Key {
  pk: string;
  sk: string;
}

const seg = (value: string): string => encodeURIComponent(value);

export const keys = {
  /** The organization: plan, features and the compiled custom roles the authorizer needs. */
  organization: (organizationId: string): Key => ({ pk: `ORG#${seg(organizationId)}`, sk: 'ORG' }),

  /** A custom role's full definition (names, description); its compiled bits live on the organization. */
  customRole: (organizationId: string, roleId: string): Key => ({
    pk: `ORG#${seg(organizationId)}`,
    sk: `ROLE#${seg(roleId)}`,
  }),
  customRolePrefix: (organizationId: string) => ({ pk: `ORG#${seg(organizationId)}`, skPrefix: 'ROLE#' }),

  /** A main account or a sub-account. */
  account: (accountId: string): Key => ({ pk: `ACCOUNT#${seg(accountId)}`, sk: 'ACCOUNT' }),
  /** gsi1: the accounts of an organization, main first (its id sorts before its subs'). */
  accountsOfOrganization: (organizationId: string) => ({ gsi1pk: `ORG#${seg(organizationId)}#ACCOUNTS` }),
  accountInOrganization: (organizationId: string, accountId: string) => ({
    gsi1pk: `ORG#${seg(organizationId)}#ACCOUNTS`,
    gsi1sk: `ACCOUNT#${seg(accountId)}`,
  }),
  /** Uniqueness guard for a sub-account's external identifier within its organization. */
  externalId: (organizationId: string, externalId: string): Key => ({
    pk: `ORG#${seg(organizationId)}`,
    sk: `EXTID#${seg(externalId)}`,
  }),

  /**
   * A membership: the user belongs to this account with a role. Its grants share the
   * partition and the prefix `MEMBER#<user>#`, so one Query returns a member with their grants.
   */
  membership: (accountId: string, userId: string): Key => ({
    pk: `ACCOUNT#${seg(accountId)}`,
    sk: `MEMBER#${seg(userId)}#`,
  }),
  membersPrefix: (accountId: string) => ({ pk: `ACCOUNT#${seg(accountId)}`, skPrefix: 'MEMBER#' }),
  memberWithGrantsPrefix: (accountId: string, userId: string) => ({
    pk: `ACCOUNT#${seg(accountId)}`,
    skPrefix: `MEMBER#${seg(userId)}#`,
  }),
  /** gsi1: every membership of a user, across organizations. */
  membershipOfUser: (userId: string, accountId: string) => ({
    gsi1pk: `USER#${seg(userId)}#MEMBERSHIPS`,
    gsi1sk: `ACCOUNT#${seg(accountId)}`,
  }),
  membershipsOfUser: (userId: string) => ({ gsi1pk: `USER#${seg(userId)}#MEMBERSHIPS` }),

  /** A main-account member's access to one sub-account (SPEC 3.3), stored beside the membership. */
  grant: (mainAccountId: string, userId: string, subAccountId: string): Key => ({
    pk: `ACCOUNT#${seg(mainAccountId)}`,
    sk: `MEMBER#${seg(userId)}#GRANT#${seg(subAccountId)}`,
  }),

  /** A user's profile, as last seen in a verified token. */
  user: (userId: string): Key => ({ pk: `USER#${seg(userId)}`, sk: 'PROFILE' }),
} as const;

/** The part of a key after the prefix, decoded: the inverse of `seg`. */
export const idFromKey = (key: string, prefix: string): string =>
  decodeURIComponent(key.slice(prefix.length).split('#')[0]!);

// ---------------------------------------------------------------------------------------
// Issue 4 (organization administration): keys of sign-up, invitations, audit entries and
// the organization-wide role-holder index (gsi4). Documented in docs/data-model.md.
// ---------------------------------------------------------------------------------------
export const adminKeys = {
  /** One per user: the organization they signed up, so a retried sign-up never makes two. */
  signUp: (userId: string): Key => ({ pk: `USER#${seg(userId)}`, sk: 'SIGNUP' }),

  /**
   * An invitation, in its organization's partition, sorted by the account it invites into:
   * the main account lists every invitation (`INVITATION#`), a sub-account its own
   * (`INVITATION#<subId>#`; a main id followed by `#` never prefixes a sub-account id).
   */
  invitation: (organizationId: string, accountId: string, invitationId: string): Key => ({
    pk: `ORG#${seg(organizationId)}`,
    sk: `INVITATION#${seg(accountId)}#${seg(invitationId)}`,
  }),
  invitationsPrefix: (organizationId: string, accountId?: string) => ({
    pk: `ORG#${seg(organizationId)}`,
    skPrefix: accountId === undefined ? 'INVITATION#' : `INVITATION#${seg(accountId)}#`,
  }),

  /** An audit entry; the sort key is a ULID, so the partition reads newest first in reverse. */
  audit: (organizationId: string, auditId: string): Key => ({
    pk: `ORG#${seg(organizationId)}#AUDIT`,
    sk: `AUDIT#${seg(auditId)}`,
  }),
  auditPartition: (organizationId: string) => ({ pk: `ORG#${seg(organizationId)}#AUDIT` }),
  /** gsi2: the audit entries one actor caused. */
  auditByActor: (organizationId: string, actorId: string, auditId: string) => ({
    gsi2pk: `ORG#${seg(organizationId)}#AUDIT#ACTOR#${seg(actorId)}`,
    gsi2sk: `AUDIT#${seg(auditId)}`,
  }),
  /** gsi4: the audit entries about one target (a member, role, account, invitation, the organization). */
  auditByTarget: (organizationId: string, targetId: string, auditId: string) => ({
    gsi4pk: `ORG#${seg(organizationId)}#AUDIT#TARGET#${seg(targetId)}`,
    gsi4sk: `AUDIT#${seg(auditId)}`,
  }),

  /**
   * gsi4 on memberships: who holds a role anywhere in the organization (main account and
   * sub-accounts). Serves the last-Owner rule, Backoffice seats and "role still assigned".
   */
  roleHolder: (organizationId: string, role: string, accountId: string, userId: string) => ({
    gsi4pk: `ORG#${seg(organizationId)}#ROLE#${seg(role)}`,
    gsi4sk: `ACCOUNT#${seg(accountId)}#MEMBER#${seg(userId)}`,
  }),
  roleHolders: (organizationId: string, role: string) => ({ gsi4pk: `ORG#${seg(organizationId)}#ROLE#${seg(role)}` }),

  /** gsi1 sort-key prefix of an organization's sub-accounts (the main account sorts before them). */
  subAccountsPrefix: (mainAccountId: string) => `ACCOUNT#${seg(mainAccountId)}_`,
} as const;
