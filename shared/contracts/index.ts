import type { RouteId } from '../http/routes.js';
import type { RouteContract } from './types.js';
import { identityContracts } from './identity.js';
import { systemContracts } from './system.js';
import { organizationContracts } from './organization.js';
import { membersContracts } from './members.js';
import { invoicingContracts } from './invoicing.js';
import { integrationsContracts } from './integrations.js';

/* Every route's contract, by route id; a test checks that each route of the table has one. */
export const CONTRACTS: Readonly<Partial<Record<RouteId, RouteContract>>> = {
  ...systemContracts,
  ...identityContracts,
  ...organizationContracts,
  ...membersContracts,
  ...invoicingContracts,
  ...integrationsContracts,
};
