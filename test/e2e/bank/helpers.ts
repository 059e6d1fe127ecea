import { readFileSync } from 'node:fs';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { integrationEntity, type IntegrationKind } from '#shared/data/entities/integration.js';
import { ulid } from '#shared/domain/ids.js';
import { localDb } from '../../support/dynamodb.js';
import type { TestOrganization } from '../../support/orgs.js';

export const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/bank/${name}`, import.meta.url), 'utf8');

/**
 * An integration of `kind` in the account, as the integrations catalogue stores it when a
 * holder of integrations.manage activates it (that route belongs to the catalogue; here
 * the item is written the way its use case writes it, so these tests depend only on the
 * entity).
 */
export async function activateIntegration(org: TestOrganization, kind: IntegrationKind, status: 'active' | 'inactive' = 'active'): Promise<string> {
  const now = new Date().toISOString();
  const integrationId = ulid();
  await localDb().send(
    new PutCommand({
      TableName: inject('tableName'),
      Item: integrationEntity.item({
        integrationId,
        organizationId: org.organizationId,
        accountId: org.mainAccountId,
        kind,
        name: kind,
        status,
        activatedBy: org.users.owner!.userId,
        activatedAt: now,
        config: {},
        createdAt: now,
        updatedAt: now,
        version: 1,
      }),
    }),
  );
  return integrationId;
}

/** Sets an integration's status, as deactivating it in the catalogue does. */
export async function setIntegrationStatus(org: TestOrganization, integrationId: string, status: 'active' | 'inactive'): Promise<void> {
  const now = new Date().toISOString();
  await localDb().send(
    new PutCommand({
      TableName: inject('tableName'),
      Item: integrationEntity.item({
        integrationId,
        organizationId: org.organizationId,
        accountId: org.mainAccountId,
        kind: 'e-receipts',
        name: 'e-receipts',
        status,
        activatedBy: org.users.owner!.userId,
        activatedAt: now,
        config: {},
        createdAt: now,
        updatedAt: now,
        version: 2,
      }),
    }),
  );
}
