import type { RouteId } from '../http/routes.js';
import type { RouteContract } from './types.js';
import { identityContracts } from './identity.js';
import { systemContracts } from './system.js';
import { organizationContracts } from './organization.js';
import { membersContracts } from './members.js';
import { invoicingContracts } from './invoicing.js';
import { bankContracts } from './bank.js';
import { accountingContracts } from './accounting.js';
import { stockContracts } from './stock.js';
import { pricingContracts } from './pricing.js';
import { crmContracts } from './crm.js';
import { integrationsContracts } from './integrations.js';
import { explorerContracts } from './explorer.js';

/* Every route's contract, by route id; a test checks that each route of the table has one. */
export const CONTRACTS: Readonly<Partial<Record<RouteId, RouteContract>>> = {
  ...systemContracts,
  ...identityContracts,
  ...organizationContracts,
  ...membersContracts,
  ...invoicingContracts,
  ...bankContracts,
  ...accountingContracts,
  ...stockContracts,
  ...pricingContracts,
  ...crmContracts,
  ...integrationsContracts,
  ...explorerContracts,
};
