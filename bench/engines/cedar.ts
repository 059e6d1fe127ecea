import { readFileSync } from 'node:fs';
import { preparsePolicySet, statefulIsAuthorized, type EntityJson, type StatefulAuthorizationCall } from '@cedar-policy/cedar-wasm/nodejs';
import type { BenchAccount, BenchOrganization, BenchUser, Workload } from '../workload.js';

/*
 * Cedar's side: the policies of kontor.cedar, parsed once with preparsePolicySet, then
 * statefulIsAuthorized per check (cedar-wasm's fastest path: no policy parsing per call).
 * The entities a request needs are built before timing; serializing them into the wasm
 * module on each call is part of Cedar's cost, as in any real use of its API.
 */
const POLICY_SET_ID = 'kontor-bench';

export function loadCedarPolicies(): void {
  const text = readFileSync(new URL('./kontor.cedar', import.meta.url), 'utf8');
  const answer = preparsePolicySet(POLICY_SET_ID, { staticPolicies: text });
  if (answer.type !== 'success') throw new Error(`Cedar policies do not parse: ${JSON.stringify(answer.errors)}`);
}

const ref = (type: string, id: string) => ({ __entity: { type, id } });

export function prepareCedar(w: Workload): StatefulAuthorizationCall[] {
  const orgs = new Map<string, BenchOrganization>(w.organizations.map((o) => [o.organizationId, o]));
  const userEntities = new Map<string, EntityJson>();
  const userEntity = (u: BenchUser): EntityJson => {
    let e = userEntities.get(u.userId);
    if (!e) {
      e = {
        uid: { type: 'Kontor::User', id: u.userId },
        attrs: { home: ref('Kontor::Account', u.home.accountId), grants: u.grants.map((g) => ref('Kontor::Account', g)) },
        parents: [{ type: 'Kontor::Role', id: u.role }],
      };
      userEntities.set(u.userId, e);
    }
    return e;
  };
  const accountEntity = (a: BenchAccount): EntityJson => ({
    uid: { type: 'Kontor::Account', id: a.accountId },
    attrs: {
      main: ref('Kontor::Account', a.mainAccountId),
      archived: a.archived,
      org: ref('Kontor::Organization', a.organizationId),
    },
    parents: [],
  });
  const orgEntity = (o: BenchOrganization): EntityJson => ({
    uid: { type: 'Kontor::Organization', id: o.organizationId },
    attrs: { backoffice: o.plan !== 'free' && o.selfBookkeeping },
    parents: [],
  });
  return w.checks.map((c, i) => ({
    principal: { type: 'Kontor::User', id: c.user.userId },
    action: { type: 'Kontor::Action', id: c.action },
    resource: { type: 'Kontor::Object', id: `o${i}` },
    context: {},
    preparsedPolicySetId: POLICY_SET_ID,
    entities: [
      userEntity(c.user),
      {
        uid: { type: 'Kontor::Object', id: `o${i}` },
        attrs: { account: ref('Kontor::Account', c.account.accountId), owner: ref('Kontor::User', c.ownerId) },
        parents: [],
      },
      accountEntity(c.account),
      orgEntity(orgs.get(c.account.organizationId)!),
    ],
  }));
}

export function cedarDecide(call: StatefulAuthorizationCall): boolean {
  const answer = statefulIsAuthorized(call);
  if (answer.type !== 'success') throw new Error(`Cedar failed: ${JSON.stringify(answer.errors)}`);
  return answer.response.decision === 'allow';
}
