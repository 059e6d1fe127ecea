import { createHash, randomBytes } from 'node:crypto';
import { permissionsOfRole, type Principal } from '../authz/engine.js';
import type { Store } from '../data/context.js';
import { transact } from '../data/dynamo.js';
import { auditStep } from '../data/entities/audit.js';
import { listMembers, withActor, type Actor, type MemberWithGrants } from '../data/entities/membership.js';
import { getOrganization } from '../data/entities/organization.js';
import { consumeUnlockStep, permissionModeStep, putUnlockToken, type PermissionModeState } from '../data/entities/permission-mode.js';
import { aclRightsOf, decideInMode, OBJECT_TYPES, type ObjectType, type PermissionMode } from '../domain/acl.js';
import { auditEntry } from '../domain/audit.js';
import { Conflict, NotFound } from '../domain/errors.js';
import { getMode, loadWorld, roleAllows } from './acl.js';

/*
 * The permission-management mode (SPEC 5.6) behind its lock (5.7): the Owner asks to
 * unlock a change to a target mode and gets the warning - computed from this account's
 * members and objects - with a token valid 5 minutes, once, for that organization, that
 * target and the mode as it was when warned. The change consumes the token in the same
 * transaction that writes the mode and its audit entry; without a valid token it is a 409.
 */
export const UNLOCK_TTL_MS = 5 * 60 * 1000;

const hash = (token: string) => createHash('sha256').update(token).digest('hex');

const PLURAL: Record<ObjectType, string> = {
  contractor: 'contractors',
  project: 'projects',
  case: 'cases',
  event: 'events',
  'next-step': 'next steps',
  'automated-action': 'automated actions',
};

export interface Consequence {
  type: ObjectType;
  /** Members who can read fewer / more objects of this type after the change. */
  membersLosing: number;
  objectsLost: number;
  membersGaining: number;
  objectsGained: number;
}

async function allMembers(store: Store, p: Principal): Promise<MemberWithGrants[]> {
  const out: MemberWithGrants[] = [];
  let cursor: string | undefined;
  do {
    const page = await listMembers(store, p.accountId, { limit: 200, cursor, boundTo: p.userId });
    out.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

/** Who reads what of this account now and under `target`, by type: the real consequences of the change. */
export async function consequencesOf(store: Store, p: Principal, from: PermissionMode, target: PermissionMode): Promise<Consequence[]> {
  const [org, members, world] = await Promise.all([getOrganization(store, p.organizationId), allMembers(store, p), loadWorld(store, p.accountId)]);
  if (!org) throw new NotFound('the organization does not exist');
  const out = new Map<ObjectType, Consequence>(
    OBJECT_TYPES.map((t) => [t, { type: t, membersLosing: 0, objectsLost: 0, membersGaining: 0, objectsGained: 0 }]),
  );
  const lost = new Map<ObjectType, Set<string>>(OBJECT_TYPES.map((t) => [t, new Set()]));
  const gained = new Map<ObjectType, Set<string>>(OBJECT_TYPES.map((t) => [t, new Set()]));
  for (const { membership: m } of members) {
    const owner = m.role === 'owner';
    if (owner) continue;
    const perms = permissionsOfRole(m.role, org);
    const rightsOf = aclRightsOf(world, { userId: m.userId, role: m.role });
    const losing = new Set<ObjectType>();
    const gaining = new Set<ObjectType>();
    for (const node of world.values()) {
      const byRole = perms !== undefined && roleAllows({ permissions: perms }, node.type, 'read');
      const byAcl = rightsOf(node.id).has('read');
      const now = decideInMode(from, owner, byRole, byAcl);
      const then = decideInMode(target, owner, byRole, byAcl);
      if (now && !then) {
        losing.add(node.type);
        lost.get(node.type)!.add(node.id);
      } else if (!now && then) {
        gaining.add(node.type);
        gained.get(node.type)!.add(node.id);
      }
    }
    for (const t of losing) out.get(t)!.membersLosing++;
    for (const t of gaining) out.get(t)!.membersGaining++;
  }
  for (const t of OBJECT_TYPES) {
    out.get(t)!.objectsLost = lost.get(t)!.size;
    out.get(t)!.objectsGained = gained.get(t)!.size;
  }
  return [...out.values()].filter((c) => c.membersLosing || c.membersGaining);
}

export function warningOf(from: PermissionMode, target: PermissionMode, consequences: readonly Consequence[]): string {
  const parts = consequences.flatMap((c) => [
    ...(c.membersLosing ? [`${c.membersLosing} member(s) lose access to ${c.objectsLost} ${PLURAL[c.type]}`] : []),
    ...(c.membersGaining ? [`${c.membersGaining} member(s) gain access to ${c.objectsGained} ${PLURAL[c.type]}`] : []),
  ]);
  return `Changing the permission mode from ${from} to ${target}: ${parts.length ? parts.join('; ') : 'no member gains or loses read access to any object'}.`;
}

export async function unlockModeChange(
  store: Store,
  p: Principal,
  target: PermissionMode,
): Promise<{ fromMode: PermissionMode; targetMode: PermissionMode; warning: string; consequences: Consequence[]; token: string; expiresAt: string }> {
  const current = await getMode(store, p.organizationId);
  if (current.mode === target) throw new Conflict(`the organization is already in ${target} mode`, { extensions: { reason: 'same-mode' } });
  const consequences = await consequencesOf(store, p, current.mode, target);
  const token = randomBytes(32).toString('base64url');
  const expiresAtMs = store.now().getTime() + UNLOCK_TTL_MS;
  await putUnlockToken(store, {
    organizationId: p.organizationId,
    tokenHash: hash(token),
    targetMode: target,
    fromVersion: current.version,
    issuedTo: p.userId,
    expiresAt: Math.ceil(expiresAtMs / 1000),
    expiresAtMs,
  });
  return { fromMode: current.mode, targetMode: target, warning: warningOf(current.mode, target, consequences), consequences, token, expiresAt: new Date(expiresAtMs).toISOString() };
}

export async function changeMode(store: Store, p: Actor, input: { mode: PermissionMode; token?: string | undefined }): Promise<PermissionModeState> {
  if (!input.token) {
    throw new Conflict('the mode is locked: unlock it first (POST permission-mode/unlock) and send the token it returns', {
      extensions: { reason: 'mode-locked' },
    });
  }
  const current = await getMode(store, p.organizationId);
  const now = store.now();
  const next: PermissionModeState = { organizationId: p.organizationId, mode: input.mode, version: current.version + 1, changedBy: p.userId, changedAt: now.toISOString() };
  await transact(store, withActor(store, p, [
    consumeUnlockStep(store, { organizationId: p.organizationId, tokenHash: hash(input.token), targetMode: input.mode, fromVersion: current.version, nowMs: now.getTime() }),
    permissionModeStep(store, current, next),
    auditStep(
      store,
      auditEntry(p, { action: 'permission-mode.changed', targetType: 'organization', targetId: p.organizationId, before: { mode: current.mode }, after: { mode: next.mode } }),
      now.toISOString(),
    ),
  ]));
  return next;
}
