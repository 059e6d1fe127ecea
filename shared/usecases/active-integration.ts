import type { Store } from '../data/context.js';
import { integrationActiveStep, listIntegrations, type Integration, type IntegrationKind } from '../data/entities/integration.js';
import type { TxStep } from '../data/dynamo.js';
import { Conflict } from '../domain/errors.js';

/*
 * Features that are integrations (bank imports, e-receipts) act only while the account has
 * an active integration of their kind (SPEC 2.3): the integrations catalogue is where a
 * holder of integrations.manage switches them on and off. The catalogue is read from its
 * index (eventually consistent); every write of such a feature then carries the returned
 * ConditionCheck, so a deactivation that commits first cancels the write.
 */
export class IntegrationInactive extends Conflict {}

/** An account has a handful of integrations; one page holds them all. */
const CATALOGUE_PAGE = 200;

export async function requireActiveIntegration(store: Store, accountId: string, kind: IntegrationKind): Promise<{ integration: Integration; step: TxStep }> {
  const page = await listIntegrations(store, accountId, { limit: CATALOGUE_PAGE, boundTo: accountId });
  const integration = page.items.find((i) => i.kind === kind && i.status === 'active');
  if (!integration) {
    throw new IntegrationInactive(`this account has no active ${kind} integration; activate one in the integrations catalogue first`, {
      extensions: { reason: 'integration-inactive', kind },
    });
  }
  return { integration, step: integrationActiveStep(store, integration) };
}
