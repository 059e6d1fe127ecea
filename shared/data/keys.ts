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
