import { randomBytes } from 'node:crypto';
import type { Principal } from '../authz/engine.js';
import type { Store } from '../data/context.js';
import { transact } from '../data/dynamo.js';
import { activeAccountStep } from '../data/entities/account.js';
import { auditStep } from '../data/entities/audit.js';
import * as integrations from '../data/entities/integration.js';
import { withActor, type Actor } from '../data/entities/membership.js';
import type { Page, PageRequest } from '../data/paginator.js';
import { auditEntry, type AuditAction } from '../domain/audit.js';
import { IllegalTransition, NotFound, StaleVersion, ValidationError } from '../domain/errors.js';
import { ulid } from '../domain/ids.js';
import type { SecretBox } from '../integrations/secret-box.js';

/*
 * The integrations catalogue of an account (SPEC 2.3, 6.3). Activating, configuring and
 * deactivating need integrations.manage in the path's account (the route table and the
 * wrapper check it; the wrapper hands a freshly read Actor). Each change is one
 * transaction with its audit entry and the actor's own checks (withActor), so a member
 * demoted while the request ran changes nothing.
 *
 * The member who activates an integration is recorded as `activatedBy`: every later
 * delivery acts under that member's integrations.manage (checked by the webhook
 * authorizer and the poller), so revoking it stops the integration. Re-activating an
 * inactive integration makes the caller its new activator.
 *
 * Secrets: a signed provider (WooCommerce, Shopify) needs a shared HMAC secret. Unless the
 * caller brings the provider's own (Shopify shows it in its admin), one is generated and
 * returned ONCE, in the activation's answer; it is stored sealed by the secret box.
 */
export type Integration = integrations.Integration;
export type IntegrationKind = integrations.IntegrationKind;

/** What an Allegro integration polls with (its app's client and the seller's refresh token): sealed, never answered. */
export interface AllegroCredentials {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
}

export interface ActivateInput {
  kind: IntegrationKind;
  /** Allegro only, and required there. */
  allegro?: AllegroCredentials | undefined;
  name?: string | undefined;
  config?: Record<string, unknown> | undefined;
  /** The provider's secret when it chose it (Shopify); else one is generated for signed kinds. */
  secret?: string | undefined;
}

export interface ConfigureInput {
  version: number;
  name?: string | undefined;
  config?: Record<string, unknown> | undefined;
  /** A new secret, generated and returned once (signed kinds only). */
  rotateSecret?: boolean | undefined;
  secret?: string | undefined;
  /** New Allegro credentials (a seller who authorized the app again). */
  allegro?: AllegroCredentials | undefined;
}

export interface WithSecret {
  integration: Integration;
  /** Present only in the answer that created it. */
  secret?: string | undefined;
}

const KIND_NAMES: Record<IntegrationKind, string> = {
  woocommerce: 'WooCommerce',
  shopify: 'Shopify',
  allegro: 'Allegro',
  'bank-import': 'Bank import',
  'accounting-export': 'Accounting export',
  'e-receipts': 'E-receipts',
};

const isSigned = (kind: IntegrationKind) => integrations.SIGNED_KINDS.includes(kind);
const newSecret = () => randomBytes(32).toString('base64url');

/** What an audit entry says about an integration: never its secret. */
const audited = (i: Integration) => ({ kind: i.kind, name: i.name, status: i.status, activatedBy: i.activatedBy, config: i.config });

function auditOf(store: Store, actor: Actor, action: AuditAction, before: Integration | null, after: Integration, at: string) {
  return auditStep(
    store,
    auditEntry(actor, { action, targetType: 'integration', targetId: after.integrationId, before: before && audited(before), after: audited(after) }),
    at,
  );
}

export const list = (store: Store, p: Principal, page: Omit<PageRequest, 'boundTo'>): Promise<Page<Integration>> =>
  integrations.listIntegrations(store, p.accountId, { ...page, boundTo: p.userId });

/** The integration when it belongs to the principal's account; any other is "not found". */
export async function get(store: Store, p: Principal, integrationId: string): Promise<Integration> {
  const found = await integrations.getIntegration(store, integrationId);
  if (!found || found.accountId !== p.accountId || found.organizationId !== p.organizationId) {
    throw new NotFound('no such integration in this account');
  }
  return found;
}

function requireSecretFits(kind: IntegrationKind, secret: string | undefined, field: string): void {
  if (secret !== undefined && !isSigned(kind)) {
    throw new ValidationError(`a ${KIND_NAMES[kind]} integration takes no webhook secret`, { errors: [{ field, message: 'not a signed provider' }] });
  }
}

/*
 * An Allegro integration polls with its app's client id and secret and the seller's refresh
 * token (OAuth authorization code flow, done in Allegro's own UI): the three are sealed
 * together as the integration's secret, and the client id is also kept in `config` so a
 * person can see which app it is. Other kinds take no credentials.
 */
function requireCredentialsFit(kind: IntegrationKind, credentials: AllegroCredentials | undefined, activating: boolean): void {
  if (credentials !== undefined && kind !== 'allegro') {
    throw new ValidationError(`a ${KIND_NAMES[kind]} integration takes no Allegro credentials`, { errors: [{ field: 'body.allegro', message: 'Allegro integrations only' }] });
  }
  if (activating && kind === 'allegro' && credentials === undefined) {
    throw new ValidationError('an Allegro integration needs its credentials', { errors: [{ field: 'body.allegro', message: 'required: clientId, clientSecret, refreshToken' }] });
  }
}

const sealedCredentials = (c: AllegroCredentials) => JSON.stringify({ clientId: c.clientId, clientSecret: c.clientSecret, refreshToken: c.refreshToken });

export async function activate(store: Store, box: SecretBox, actor: Actor, input: ActivateInput): Promise<WithSecret> {
  requireSecretFits(input.kind, input.secret, 'body.secret');
  requireCredentialsFit(input.kind, input.allegro, true);
  const integrationId = ulid();
  const generated = isSigned(input.kind) && input.secret === undefined ? newSecret() : undefined;
  const plain = input.allegro ? sealedCredentials(input.allegro) : (input.secret ?? generated);
  const now = store.now().toISOString();
  const integration: Integration = {
    integrationId,
    organizationId: actor.organizationId,
    accountId: actor.accountId,
    kind: input.kind,
    name: input.name ?? KIND_NAMES[input.kind],
    status: 'active',
    activatedBy: actor.userId,
    activatedAt: now,
    secret: plain === undefined ? undefined : await box.seal(plain, integrationId),
    config: input.allegro ? { ...input.config, clientId: input.allegro.clientId } : (input.config ?? {}),
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  await transact(
    store,
    withActor(store, actor, [
      integrations.integrationPutStep(store, integration),
      activeAccountStep(store, actor.organizationId, actor.accountId),
      auditOf(store, actor, 'integration.activated', null, integration, now),
    ]),
  );
  return { integration, secret: generated };
}

function requireVersion(i: Integration, version: number): void {
  if (i.version !== version) throw new StaleVersion('the integration changed since it was read', { extensions: { currentVersion: i.version } });
}

async function change(store: Store, actor: Actor, before: Integration, after: Integration, action: AuditAction): Promise<Integration> {
  const steps = [integrations.integrationReplaceStep(store, before, after)];
  if (after.status === 'active') steps.push(activeAccountStep(store, actor.organizationId, actor.accountId));
  steps.push(auditOf(store, actor, action, before, after, after.updatedAt));
  await transact(store, withActor(store, actor, steps));
  return { ...after, version: before.version + 1 };
}

export async function configure(store: Store, box: SecretBox, actor: Actor, integrationId: string, input: ConfigureInput): Promise<WithSecret> {
  const before = await get(store, actor, integrationId);
  requireVersion(before, input.version);
  requireSecretFits(before.kind, input.secret ?? (input.rotateSecret ? '' : undefined), input.secret !== undefined ? 'body.secret' : 'body.rotateSecret');
  requireCredentialsFit(before.kind, input.allegro, false);
  const generated = input.rotateSecret && input.secret === undefined ? newSecret() : undefined;
  const plain = input.allegro ? sealedCredentials(input.allegro) : (input.secret ?? generated);
  const config = input.config ?? before.config;
  const after: Integration = {
    ...before,
    name: input.name ?? before.name,
    config: before.kind === 'allegro' ? { ...config, clientId: input.allegro?.clientId ?? before.config.clientId } : config,
    secret: plain === undefined ? before.secret : await box.seal(plain, integrationId),
    updatedAt: store.now().toISOString(),
  };
  return { integration: await change(store, actor, before, after, 'integration.configured'), secret: generated };
}

export async function deactivate(store: Store, actor: Actor, integrationId: string, version: number): Promise<Integration> {
  const before = await get(store, actor, integrationId);
  requireVersion(before, version);
  if (before.status === 'inactive') throw new IllegalTransition('the integration is already inactive', { extensions: { from: 'inactive', to: 'inactive' } });
  const now = store.now().toISOString();
  return change(store, actor, before, { ...before, status: 'inactive', deactivatedAt: now, updatedAt: now }, 'integration.deactivated');
}

/** Re-activates an inactive integration; the caller becomes the member it acts under. */
export async function reactivate(store: Store, actor: Actor, integrationId: string, version: number): Promise<Integration> {
  const before = await get(store, actor, integrationId);
  requireVersion(before, version);
  if (before.status === 'active') throw new IllegalTransition('the integration is already active', { extensions: { from: 'active', to: 'active' } });
  const now = store.now().toISOString();
  const after: Integration = { ...before, status: 'active', activatedBy: actor.userId, activatedAt: now, deactivatedAt: undefined, updatedAt: now };
  return change(store, actor, before, after, 'integration.activated');
}
