import type { DynamoDb } from '../data/dynamo.js';
import { decide, resolveAccess, type DenyReason, type Principal } from '../authz/engine.js';
import { loadAccessFacts } from '../data/entities/access-facts.js';
import { getIntegration, type Integration } from '../data/entities/integration.js';
import { parseAccountId, ULID_RE } from '../domain/ids.js';

/*
 * SPEC 6.3: an integration acts only while it is active, its (sub-)account is active, and
 * the member who activated it still holds integrations.manage there. The gate decides that
 * with the SAME facts and engine as the API authorizer: the activator's access facts in the
 * integration's account (one strongly consistent BatchGetItem), `resolveAccess`, then
 * `decide(integrations.manage)`. An archived account, a removed or demoted activator, a
 * revoked grant, a custom role that lost the permission: each denies exactly as it would
 * deny that member's own API call.
 *
 * Used by the webhook authorizer (before a delivery reaches its function), by the webhook
 * function again (API Gateway may answer from its cache for up to the TTL), and by the
 * Allegro poller before each poll.
 */
export type GateReason = 'unknown-integration' | 'integration-inactive' | DenyReason;
export type Gate =
  | { readonly allowed: true; readonly integration: Integration; readonly activator: Principal }
  | { readonly allowed: false; readonly reason: GateReason; readonly integration?: Integration | undefined };

export async function integrationGate(db: DynamoDb, table: string, integrationId: string): Promise<Gate> {
  if (!ULID_RE.test(integrationId)) return { allowed: false, reason: 'unknown-integration' };
  const integration = await getIntegration({ db, table, now: () => new Date() }, integrationId, true);
  if (!integration) return { allowed: false, reason: 'unknown-integration' };
  if (integration.status !== 'active') return { allowed: false, reason: 'integration-inactive', integration };
  const ref = parseAccountId(integration.accountId);
  if (!ref || ref.organizationId !== integration.organizationId) return { allowed: false, reason: 'unknown-account', integration };
  const { facts } = await loadAccessFacts(db, table, integration.activatedBy, ref);
  const access = resolveAccess(facts);
  if (!access.allowed) return { allowed: false, reason: access.reason, integration };
  const d = decide(access.principal, 'integrations.manage', { organizationId: ref.organizationId, accountId: ref.accountId });
  if (!d.allowed) return { allowed: false, reason: d.reason, integration };
  return { allowed: true, integration, activator: access.principal };
}
