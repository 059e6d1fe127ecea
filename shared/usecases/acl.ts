import type { Principal } from '../authz/engine.js';
import { mayUse, permissionsOfRole } from '../authz/engine.js';
import { infoOf } from '../authz/catalogue.js';
import { hasBit } from '../authz/permission-set.js';
import { isBuiltInRole, customRoleIdOf } from '../authz/roles.js';
import type { Store } from '../data/context.js';
import { batchGetItems, getItem, transact, type Stored, type TxStep } from '../data/dynamo.js';
import type { Key } from '../data/entity.js';
import {
  aclEntryItems,
  aclEntryKeys,
  aclSubjectEntity,
  aclSubjectKey,
  listAclSubjects,
  listReadableEntries,
  listSubjectEntries,
  parseAclEntry,
  putSubjectStep,
  rightsList,
  storedEntryItems,
  writeIndexDiff,
  type AclEntry,
  type IndexChange,
} from '../data/entities/acl-index.js';
import { aclFenceStep, noteAclIntent, readAclLock, releaseAclLock, takeAclLock, type AclLock, type AclRoot } from '../data/entities/acl-lock.js';
import { childEdges } from '../data/entities/crm-edge.js';
import { auditStep } from '../data/entities/audit.js';
import { allClients, clientEntity, clientKeys, clientReplaceStep, clients as clientAccess, type Client } from '../data/entities/client.js';
import {
  allCrmObjects,
  crmObjectKey,
  crmReplaceStep,
  listCrmObjects,
  parseCrmObject,
  type CrmObject,
} from '../data/entities/crm-object.js';
import { getMembership, withActor, type Actor } from '../data/entities/membership.js';
import { deleteEventLinkStep, eventLinkEntity, eventLinkKey, getEventLink, putEventLinkStep, type EventLink } from '../data/entities/event-link.js';
import { getOrganization } from '../data/entities/organization.js';
import { defaultMode, permissionModeEntity, permissionModeKey, type PermissionModeState } from '../data/entities/permission-mode.js';
import type { Page, PageRequest } from '../data/paginator.js';
import {
  aclRightsOf,
  CRM_TYPES,
  decideInMode,
  explainAcl,
  isRight,
  parsePrincipal,
  RIGHTS,
  staticActionOf,
  EMPTY_ACL,
  type Acl,
  type AclNode,
  type AclReason,
  type CrmType,
  type ObjectType,
  type PermissionMode,
  type PrincipalRef,
  type Right,
  type Subject,
} from '../domain/acl.js';
import { auditEntry } from '../domain/audit.js';
import { AclBusy, Forbidden, InUse, NotFound, ValidationError, type FieldError } from '../domain/errors.js';
import { parseAccountId } from '../domain/ids.js';

/*
 * Instance ACLs (SPEC 5) over the table: checks, lists, ACL changes, the explanation and
 * the upkeep of the materialized index. The model is pure (shared/domain/acl.ts); this
 * module reads and writes around it. docs/data-model.md ("Instance ACLs") has the design.
 */

/** A contractor (the invoicing client) or another CRM object. */
export type AnyObject = { type: 'contractor'; item: Client } | { type: CrmType; item: CrmObject };

export const objectKey = (accountId: string, type: ObjectType, id: string): Key =>
  type === 'contractor' ? clientKeys.entry(accountId, id) : crmObjectKey(accountId, type, id);

export const parseObject = (type: ObjectType, raw: Stored): AnyObject =>
  type === 'contractor' ? { type, item: clientEntity.parse(raw) } : { type, item: parseCrmObject(raw) };

export const objectIdOf = (o: AnyObject): string => (o.type === 'contractor' ? o.item.clientId : o.item.objectId);

export const aclOf = (o: AnyObject): Acl => (o.item.acl as Acl | undefined) ?? EMPTY_ACL;

export const parentsOf = (o: AnyObject): string[] =>
  o.type === 'contractor' ? [] : [o.item.contractorId, o.item.projectId, o.item.caseId, o.item.eventId].filter((x): x is string => !!x);

export const nodeOf = (o: AnyObject): AclNode => ({ id: objectIdOf(o), type: o.type, parents: parentsOf(o), acl: aclOf(o) });

/** Every object of an account as the model sees it. */
export type World = Map<string, AclNode>;

/** The ACL world of an account: every contractor and CRM object (6 Queries, paginated). */
export async function loadWorld(store: Store, accountId: string): Promise<World> {
  const [cs, ...crm] = await Promise.all([allClients(store, accountId), ...CRM_TYPES.map((t) => allCrmObjects(store, accountId, t))]);
  const world: World = new Map();
  for (const c of cs) world.set(c.clientId, nodeOf({ type: 'contractor', item: c }));
  for (const list of crm) for (const o of list) world.set(o.objectId, nodeOf({ type: o.objectType, item: o }));
  return world;
}

export const isOwner = (p: Pick<Principal, 'role'>): boolean => p.role === 'owner';

export const roleAllows = (p: Pick<Principal, 'permissions'>, type: ObjectType, right: Right): boolean => {
  const info = infoOf(staticActionOf(type, right));
  return info !== undefined && hasBit(p.permissions, info.allBit);
};

const subjectOf = (p: Pick<Principal, 'userId' | 'role'>): Subject => ({ userId: p.userId, role: p.role });

/* --- the upkeep of the materialized index ---------------------------------------------- */

const PARENT_TYPE = { contractorId: 'contractor', projectId: 'project', caseId: 'case', eventId: 'event' } as const;

/** The parents of an object with their types (each parent field names one type). */
export const parentRefsOf = (o: AnyObject): AclRoot[] =>
  o.type === 'contractor'
    ? []
    : (Object.keys(PARENT_TYPE) as Array<keyof typeof PARENT_TYPE>).flatMap((f) => (o.item[f] ? [{ id: o.item[f], type: PARENT_TYPE[f] }] : []));

function entriesFor(world: World, accountId: string, subject: Subject, id: string): Array<Stored & Key> {
  const node = world.get(id);
  if (!node) return [];
  const rights = aclRightsOf(world, subject)(id);
  return aclEntryItems({ accountId, userId: subject.userId, objectId: id, objectType: node.type, rights: rightsList(rights) }, node.parents);
}

/** The ids (with types) of the roots and everything below them: one strongly consistent Query of edges per node. */
export async function subtreeIds(store: Store, accountId: string, roots: readonly AclRoot[]): Promise<Map<string, ObjectType>> {
  const out = new Map<string, ObjectType>(roots.map((r) => [r.id, r.type]));
  let frontier = [...out].map(([id, type]) => ({ id, type }));
  while (frontier.length) {
    const edges = (await Promise.all(frontier.map((f) => childEdges(store, accountId, f.id)))).flat();
    frontier = [];
    for (const e of edges) {
      if (out.has(e.childId)) continue;
      out.set(e.childId, e.childType);
      frontier.push({ id: e.childId, type: e.childType });
    }
  }
  return out;
}

/**
 * The part of the ACL world a change of `roots` can alter: their subtrees, and every
 * ancestor of a node in them (what the subtree inherits from, a case's other parent
 * included). Edges by Query, objects by BatchGetItem level by level upwards: the reads
 * follow the subtree and the depth (at most four levels), never the account.
 */
export async function loadSubtree(store: Store, accountId: string, roots: readonly AclRoot[]): Promise<{ world: World; subtree: Map<string, ObjectType> }> {
  const subtree = await subtreeIds(store, accountId, roots);
  const world: World = new Map();
  const asked = new Set(subtree.keys());
  let want: AclRoot[] = [...subtree].map(([id, type]) => ({ id, type }));
  while (want.length) {
    const keys = want.map((w) => ({ ...w, key: objectKey(accountId, w.type, w.id) }));
    const raws = await batchGetItems(store, keys.map((k) => k.key), true);
    const next: AclRoot[] = [];
    for (const k of keys) {
      const raw = raws.find(same(k.key));
      if (!raw) continue;
      const o = parseObject(k.type, raw);
      world.set(k.id, nodeOf(o));
      for (const parent of parentRefsOf(o)) {
        if (!asked.has(parent.id)) {
          asked.add(parent.id);
          next.push(parent);
        }
      }
    }
    want = next;
  }
  return { world, subtree };
}

/**
 * Re-derives the index entries of every subject for the subtrees of `roots`, under the
 * ACL lock (every write carries its fence). What the index holds is read, not assumed
 * (the two possible entries of each (subject, object) pair, one BatchGetItem per 100), and
 * only the difference to what the model derives is written, so running it again is a
 * no-op and running it after a crash repairs whatever the crashed holder left half done.
 * Cost: edges and objects of the subtree (plus its ancestors), 2 × subjects × subtree
 * index keys read, and the entries that changed written.
 */
export async function reindexSubtree(store: Store, lock: AclLock, accountId: string, roots: readonly AclRoot[]): Promise<number> {
  const subjects = await listAclSubjects(store, accountId);
  if (subjects.length === 0 || roots.length === 0) return 0;
  const { world, subtree } = await loadSubtree(store, accountId, roots);
  const pairs = subjects.flatMap((s) => [...subtree].map(([id, type]) => ({ s, id, type })));
  const raws = await batchGetItems(
    store,
    pairs.flatMap((x) => {
      const k = aclEntryKeys(accountId, x.s.userId, x.type, x.id);
      return [k.readable, k.other];
    }),
    true,
  );
  const held = new Map<string, AclEntry[]>();
  for (const raw of raws) {
    const e = parseAclEntry(raw);
    const k = `${e.userId}\u0000${e.objectId}`;
    held.set(k, [...(held.get(k) ?? []), e]);
  }
  const changes: IndexChange[] = pairs.map((x) => ({
    before: (held.get(`${x.s.userId}\u0000${x.id}`) ?? []).flatMap((e) => storedEntryItems(e, world.get(x.id)?.parents ?? [])),
    after: entriesFor(world, accountId, { userId: x.s.userId, role: x.s.role }, x.id),
  }));
  return writeIndexDiff(store, changes, aclFenceStep(store, lock));
}

/**
 * Makes a member a subject (or rebuilds one whose role changed since their entries were
 * computed), under the ACL lock: the subject is written first, so a change serialized
 * after it includes them; then every entry they hold is read and the difference to the
 * model over the whole account written (a build is the one upkeep that is per account: it
 * runs once per member and role). Returns the world read.
 */
export async function buildSubject(store: Store, lock: AclLock, accountId: string, subject: Subject): Promise<World> {
  await transact(store, [putSubjectStep(store, { accountId, userId: subject.userId, role: subject.role, builtAt: store.now().toISOString() }), aclFenceStep(store, lock)]);
  const [world, held] = await Promise.all([loadWorld(store, accountId), listSubjectEntries(store, accountId, subject.userId)]);
  const heldBy = new Map<string, AclEntry[]>();
  for (const e of held) heldBy.set(e.objectId, [...(heldBy.get(e.objectId) ?? []), e]);
  const ids = new Set([...world.keys(), ...heldBy.keys()]);
  const changes: IndexChange[] = [...ids].map((id) => ({
    before: (heldBy.get(id) ?? []).flatMap((e) => storedEntryItems(e, world.get(id)?.parents ?? [])),
    after: entriesFor(world, accountId, subject, id),
  }));
  await writeIndexDiff(store, changes, aclFenceStep(store, lock));
  return world;
}

/*
 * Waits between attempts on a held lock: growing from 20 ms, capped at 400 ms, jittered. Twelve
 * attempts wait about 3 s in all: creating a client or a CRM object takes the lock too, so a
 * few concurrent creations in one account (a shop's orders arriving together) queue behind
 * each other instead of failing; five attempts (~0.3 s) let one of three concurrent client
 * creations fail with acl-busy on an idle machine (the load harness, test/e2e/load-harness.test.ts).
 */
const pause = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.min(400, 20 * 2 ** attempt) + Math.random() * 40));

/**
 * Takes the account's ACL lock (attempts for about 3 s, then 409 acl-busy). An expired
 * lease is taken over and what it names is repaired first (docs/authorization.md).
 */
export async function acquireAclLock(store: Store, accountId: string, intent: { roots: AclRoot[]; builds: string[] }, attempts = 12): Promise<AclLock> {
  for (let attempt = 0; ; attempt++) {
    try {
      const current = await readAclLock(store, accountId);
      if (!current) return await takeAclLock(store, accountId, intent);
      if (current.expiresAtMs < store.now().getTime()) {
        // The take-over inherits the stale intent, so a crash during the repair is repaired too.
        const lock = await takeAclLock(store, accountId, { roots: [...current.roots, ...intent.roots], builds: [...current.builds, ...intent.builds] }, current);
        await repairAclLock(store, lock, current);
        return lock;
      }
    } catch (e) {
      if (!(e instanceof AclBusy)) throw e;
    }
    if (attempt + 1 >= attempts) throw new AclBusy('another change to the permissions of this account is being applied; retry shortly', { retryAfterSeconds: 1 });
    await pause(attempt);
  }
}

/** Re-derives what a crashed holder named: its roots' subtrees and its members' builds. */
export async function repairAclLock(store: Store, lock: AclLock, stale: AclLock): Promise<void> {
  await reindexSubtree(store, lock, stale.accountId, stale.roots);
  for (const userId of new Set(stale.builds)) {
    const raw = await getItem(store, aclSubjectKey(stale.accountId, userId), true);
    // The subject is the build's first write: without it the build wrote nothing.
    if (raw) await buildSubject(store, lock, stale.accountId, { userId, role: aclSubjectEntity.parse(raw).role });
  }
}

/** Runs `fn` holding the account's ACL lock, released at the end whatever happens. */
export async function withAclLock<T>(store: Store, accountId: string, intent: { roots: AclRoot[]; builds?: string[] }, fn: (lock: AclLock) => Promise<T>): Promise<T> {
  const lock = await acquireAclLock(store, accountId, { roots: intent.roots, builds: intent.builds ?? [] });
  try {
    return await fn(lock);
  } finally {
    await releaseAclLock(store, lock);
  }
}

/** 409 in-use naming (up to 20 of) the children of an object that is to be deleted. */
export async function refuseWithChildren(store: Store, accountId: string, type: string, id: string): Promise<void> {
  const children = await childEdges(store, accountId, id);
  if (children.length) {
    throw new InUse(`the ${type} still has ${children.length} child object(s); move or delete them first`, {
      extensions: { children: children.slice(0, 20).map((c) => ({ type: c.childType, id: c.childId })) },
    });
  }
}

/** A caller not yet indexed, or indexed for another role: built once, under the lock (the one given, or its own). */
async function ensureSubject(store: Store, p: Principal, lock: AclLock | undefined): Promise<World> {
  if (lock) return buildSubject(store, await noteAclIntent(store, lock, { builds: [p.userId] }), p.accountId, subjectOf(p));
  return withAclLock(store, p.accountId, { roots: [], builds: [p.userId] }, (own) => buildSubject(store, own, p.accountId, subjectOf(p)));
}

/* --- the mode ------------------------------------------------------------------------------ */

export async function getMode(store: Store, organizationId: string, consistent = true): Promise<PermissionModeState> {
  const raw = await getItem(store, permissionModeKey(organizationId), consistent);
  return raw ? permissionModeEntity.parse(raw) : defaultMode(organizationId);
}

/* --- checks --------------------------------------------------------------------------------- */

export interface Checked {
  object: AnyObject;
  mode: PermissionMode;
  /** The caller's decision per right on this instance, in the organization's mode. */
  rights: ReadonlySet<Right>;
}

const same = (a: Key) => (raw: Stored) => raw.pk === a.pk && raw.sk === a.sk;

/**
 * The object and what the caller may do on it, in ONE BatchGetItem whatever its depth: the
 * object, the organization's mode, the caller's subject and their two possible index
 * entries. Only a caller not yet indexed (or whose role changed) pays a rebuild, once.
 */
export async function loadChecked(store: Store, p: Principal, type: ObjectType, id: string, lock?: AclLock): Promise<Checked> {
  const oKey = objectKey(p.accountId, type, id);
  const mKey = permissionModeKey(p.organizationId);
  const sKey = aclSubjectKey(p.accountId, p.userId);
  const eKeys = aclEntryKeys(p.accountId, p.userId, type, id);
  const owner = isOwner(p);
  const items = await batchGetItems(store, owner ? [oKey, mKey] : [oKey, mKey, sKey, eKeys.readable, eKeys.other], true);
  const raw = items.find(same(oKey));
  if (!raw) throw new NotFound(`the ${type} does not exist`);
  const object = parseObject(type, raw);
  const modeRaw = items.find(same(mKey));
  const mode = modeRaw ? permissionModeEntity.parse(modeRaw).mode : 'static';
  let acl: ReadonlySet<Right> = new Set();
  if (!owner && mode !== 'static') {
    const sRaw = items.find(same(sKey));
    const subject = sRaw ? aclSubjectEntity.parse(sRaw) : undefined;
    if (!subject || subject.role !== p.role) {
      const world = await ensureSubject(store, p, lock);
      acl = aclRightsOf(world, subjectOf(p))(id);
    } else {
      const eRaw = items.find(same(eKeys.readable)) ?? items.find(same(eKeys.other));
      acl = new Set(eRaw ? parseAclEntry(eRaw).rights : []);
    }
  }
  const rights = new Set(RIGHTS.filter((r) => decideInMode(mode, owner, roleAllows(p, type, r), acl.has(r))));
  return { object, mode, rights };
}

/**
 * The object if the caller holds `right` on it. Without read it does not exist for them
 * (404, as another member's document is for an Employee); with read but not `right`, 403.
 */
export async function requireRight(store: Store, p: Principal, type: ObjectType, id: string, right: Right, lock?: AclLock): Promise<Checked> {
  const checked = await loadChecked(store, p, type, id, lock);
  if (!checked.rights.has('read')) throw new NotFound(`the ${type} does not exist`);
  if (!checked.rights.has(right)) {
    throw new Forbidden(`the caller may not ${right} this ${type}`, { extensions: { reason: 'acl', right, mode: checked.mode } });
  }
  return checked;
}

/* --- lists ---------------------------------------------------------------------------------- */

export interface ParentFilter {
  id: string;
  type: ObjectType;
}

const emptyPage = <T>(): Page<T> => ({ items: [], nextCursor: null });

/**
 * What the caller may read of a type (under one parent, when given), one page. The Owner
 * and the static mode read the objects' own partitions (the role decides for the type as a
 * whole); the ACL modes read the caller's index partition, a strongly consistent Query
 * whose cost follows the page, then fetch that page's objects in one BatchGetItem.
 */
export async function listReadable(
  store: Store,
  p: Principal,
  type: ObjectType,
  parent: ParentFilter | undefined,
  page: Omit<PageRequest, 'boundTo'>,
): Promise<Page<AnyObject>> {
  const request = { ...page, boundTo: p.userId };
  const owner = isOwner(p);
  const mKey = permissionModeKey(p.organizationId);
  const sKey = aclSubjectKey(p.accountId, p.userId);
  const items = await batchGetItems(store, owner ? [mKey] : [mKey, sKey], true);
  const modeRaw = items.find(same(mKey));
  const mode = modeRaw ? permissionModeEntity.parse(modeRaw).mode : 'static';
  const byRole = roleAllows(p, type, 'read');

  if (owner || mode === 'static') {
    if (!owner && !byRole) return emptyPage();
    if (type === 'contractor') {
      const out = await clientAccess.list(store, p.accountId, request);
      return { items: out.items.map((item) => ({ type, item })), nextCursor: out.nextCursor };
    }
    const out = await listCrmObjects(store, p.accountId, type, parent && { id: parent.id, isProject: parent.type === 'project' }, request);
    return { items: out.items.map((item) => ({ type, item })), nextCursor: out.nextCursor };
  }
  if (mode === 'roles+acl' && !byRole) return emptyPage();

  const sRaw = items.find(same(sKey));
  const subject = sRaw ? aclSubjectEntity.parse(sRaw) : undefined;
  if (!subject || subject.role !== p.role) await ensureSubject(store, p, undefined);
  const entries = await listReadableEntries(store, { accountId: p.accountId, userId: p.userId, type, parentId: parent?.id }, request);
  if (entries.items.length === 0) return { items: [], nextCursor: entries.nextCursor };
  const keys = entries.items.map((e) => objectKey(p.accountId, type, e.objectId));
  const raws = await batchGetItems(store, keys, true);
  const found = new Map(raws.map((r) => [`${String(r.pk)}\u0000${String(r.sk)}`, r]));
  const objects = keys.flatMap((k) => {
    const r = found.get(`${k.pk}\u0000${k.sk}`);
    return r ? [parseObject(type, r)] : [];
  });
  return { items: objects, nextCursor: entries.nextCursor };
}

/* --- changing an ACL (SPEC 5.5, 5.8) ---------------------------------------------------- */

export interface AclInput {
  rows: Array<{ principal: string; rights: string[] }>;
  exclusions: string[];
  version: number;
}

/**
 * Checks the principals of rows and exclusions: well-formed, and of this organization (a
 * member of the account or of its main account; a built-in role or one of its custom
 * roles). Every bad one is named in one 400.
 */
async function validatePrincipals(store: Store, p: Principal, input: AclInput): Promise<Acl> {
  const errors: FieldError[] = [];
  const refs: Array<{ field: string; ref: string }> = [
    ...input.rows.map((r, i) => ({ field: `body.rows.${i}.principal`, ref: r.principal })),
    ...input.exclusions.map((ref, i) => ({ field: `body.exclusions.${i}`, ref })),
  ];
  input.rows.forEach((r, i) => {
    const unknown = r.rights.filter((x) => !isRight(x));
    if (unknown.length) errors.push({ field: `body.rows.${i}.rights`, message: `unknown rights: ${unknown.join(', ')}` });
    if (r.rights.length === 0) errors.push({ field: `body.rows.${i}.rights`, message: 'a row needs at least one right' });
  });
  const ref = parseAccountId(p.accountId);
  const org = refs.some((r) => r.ref.startsWith('role:custom:')) ? await getOrganization(store, p.organizationId) : undefined;
  const checked = new Map<string, boolean>();
  for (const { field, ref: raw } of refs) {
    const parsed = parsePrincipal(raw);
    if (!parsed) {
      errors.push({ field, message: `unknown principal ${raw}: use user:<userId>, role:<role> or everyone` });
      continue;
    }
    if (parsed.kind === 'role') {
      const custom = customRoleIdOf(parsed.role);
      const known = isBuiltInRole(parsed.role) || (custom !== undefined && org !== undefined && Object.hasOwn(org.customRoles, custom));
      if (!known) errors.push({ field, message: `unknown role ${parsed.role} in this organization` });
    } else if (parsed.kind === 'user') {
      if (!checked.has(parsed.userId)) {
        const member =
          (await getMembership(store, p.accountId, parsed.userId)) ??
          (ref && ref.isSubAccount ? await getMembership(store, ref.mainAccountId, parsed.userId) : undefined);
        checked.set(parsed.userId, member !== undefined);
      }
      if (!checked.get(parsed.userId)) errors.push({ field, message: `user ${parsed.userId} is not a member of this organization` });
    }
  }
  if (errors.length) throw new ValidationError('the ACL names unknown rights or principals', { errors });
  return {
    rows: input.rows.map((r) => ({ principal: r.principal as PrincipalRef, rights: RIGHTS.filter((x) => r.rights.includes(x)) })),
    exclusions: [...new Set(input.exclusions)] as PrincipalRef[],
  };
}

/** The ACL of an instance, for holders of change-permissions there. */
export async function getAcl(store: Store, p: Principal, type: ObjectType, id: string): Promise<{ object: AnyObject; acl: Acl }> {
  const { object } = await requireRight(store, p, type, id, 'change-permissions');
  return { object, acl: aclOf(object) };
}

/**
 * Replaces an instance's ACL (SPEC 5.5, 5.8). The caller holds change-permissions there and
 * grants nothing they do not hold there themselves (a right a principal gains must be one
 * of the caller's: 403 naming them). The new ACL and its audit entry are one transaction
 * conditioned on the version read and on the actor's own membership; the index of the
 * object's subtree follows in the same request, all under the account's ACL lock.
 */
export async function putAcl(store: Store, p: Actor, type: ObjectType, id: string, input: AclInput): Promise<{ object: AnyObject; acl: Acl }> {
  return withAclLock(store, p.accountId, { roots: [{ id, type }] }, async (lock) => {
    const { object, rights } = await requireRight(store, p, type, id, 'change-permissions', lock);
    const acl = await validatePrincipals(store, p, input);
    const before = aclOf(object);
    const held = (principal: string) => new Set(before.rows.filter((r) => r.principal === principal).flatMap((r) => r.rights));
    const escalating = [...new Set(acl.rows.flatMap((r) => r.rights.filter((x) => !held(r.principal).has(x) && !rights.has(x))))];
    if (escalating.length) {
      throw new Forbidden(`the caller may not grant rights they do not hold on this ${type}: ${escalating.join(', ')}`, {
        extensions: { reason: 'grant-exceeds-own-rights', rights: escalating },
      });
    }
    const now = store.now().toISOString();
    const next: AnyObject =
      object.type === 'contractor'
        ? { type: 'contractor', item: { ...object.item, acl, updatedAt: now, version: input.version + 1 } }
        : { type: object.type, item: { ...object.item, acl, updatedAt: now, version: input.version + 1 } };
    const audit = auditStep(
      store,
      auditEntry(p, {
        action: 'acl.changed',
        targetType: 'crm-object',
        targetId: id,
        before: { objectType: type, ...before },
        after: { objectType: type, ...acl },
      }),
      now,
    );
    const write = next.type === 'contractor' ? clientReplaceStep(store, next.item, input.version) : crmReplaceStep(store, next.item, input.version);
    // The actor's role and version as the wrapper read them (a demotion meanwhile: 409 actor-changed), and the lock still ours.
    await transact(store, withActor(store, p, [write, audit, aclFenceStep(store, lock)]));
    await reindexSubtree(store, lock, p.accountId, [{ id, type }]);
    return { object: next, acl };
  });
}

/* --- explain ----------------------------------------------------------------------------- */

export interface RightExplanation {
  right: Right;
  allowed: boolean;
  because: string[];
  role: { allows: boolean; action: string };
  acl: { allows: boolean; reasons: AclReason[] };
}

/**
 * Why a principal may or may not do each right on an instance: the mode, the Owner's
 * pass, what the role allows (with its catalogue action), the row that grants and on which
 * ancestor it sits, or the exclusion that blocks. For holders of change-permissions there.
 */
export async function explainAccess(
  store: Store,
  p: Principal,
  type: ObjectType,
  id: string,
  principal: string,
): Promise<{ objectId: string; objectType: ObjectType; principal: string; mode: PermissionMode; rights: RightExplanation[] }> {
  const { mode } = await requireRight(store, p, type, id, 'change-permissions');
  const parsed = parsePrincipal(principal);
  if (!parsed) throw new ValidationError(`unknown principal ${principal}`, { errors: [{ field: 'query.principal', message: 'use user:<userId>, role:<role> or everyone' }] });
  const org = await getOrganization(store, p.organizationId);
  if (!org) throw new NotFound('the organization does not exist');
  let subject: Subject;
  if (parsed.kind === 'user') {
    const ref = parseAccountId(p.accountId);
    const m =
      (await getMembership(store, p.accountId, parsed.userId)) ??
      (ref && ref.isSubAccount ? await getMembership(store, ref.mainAccountId, parsed.userId) : undefined);
    if (!m) throw new ValidationError(`user ${parsed.userId} is not a member of this organization`, { errors: [{ field: 'query.principal', message: 'not a member' }] });
    subject = { userId: parsed.userId, role: m.role };
  } else if (parsed.kind === 'role') {
    subject = { userId: '', role: parsed.role };
  } else {
    subject = { userId: '', role: '' };
  }
  const perms = permissionsOfRole(subject.role, org);
  const world = await loadWorld(store, p.accountId);
  const owner = subject.role === 'owner';
  const rights = RIGHTS.map((right): RightExplanation => {
    const action = staticActionOf(type, right);
    const byRole = perms !== undefined && mayUse({ permissions: perms } as Principal, action);
    const acl = explainAcl(world, subject, id, right);
    const allowed = decideInMode(mode, owner, byRole, acl.allowed);
    const because: string[] = [`mode ${mode}`];
    if (owner) because.push('the Owner always passes');
    if (mode !== 'dynamic') because.push(byRole ? `role ${subject.role || '(any)'} holds ${action}` : `role ${subject.role || '(any)'} lacks ${action}`);
    if (mode !== 'static') {
      for (const r of acl.reasons) {
        if (r.kind === 'row') {
          because.push(
            r.objectId === id
              ? `row for ${r.principal} on this ${type}`
              : `row for ${r.principal} on ${r.objectType} ${r.objectId}, inherited through ${r.path.slice(0, -1).join(' <- ')}`,
          );
        } else if (r.kind === 'excluded') {
          because.push(r.objectId === id ? `${r.principal} is excluded on this ${type}` : `${r.principal} is excluded on ${r.objectType} ${r.objectId}`);
        } else {
          because.push('no row grants it here or on an ancestor');
        }
      }
    }
    return { right, allowed, because, role: { allows: byRole, action }, acl: { allows: acl.allowed, reasons: acl.reasons } };
  });
  return { objectId: id, objectType: type, principal, mode, rights };
}

/* --- sales documents follow their events (SPEC 5.6) -------------------------------------- */

/**
 * Of a page of sales documents, the ids the caller may not see because the event each is
 * linked to is not readable for them in the organization's mode. Two BatchGetItems at most
 * (the mode, the subject and the links; then the caller's index entries of those events),
 * whatever the page; none in the static mode beyond the first, and none for the Owner.
 */
export async function hiddenByEvents(store: Store, p: Principal, docs: ReadonlyArray<{ kind: string; documentId: string }>): Promise<Set<string>> {
  const hidden = new Set<string>();
  if (docs.length === 0 || isOwner(p)) return hidden;
  const mKey = permissionModeKey(p.organizationId);
  const sKey = aclSubjectKey(p.accountId, p.userId);
  const linkKeys = docs.map((d) => eventLinkKey(p.accountId, d.kind, d.documentId));
  const items = await batchGetItems(store, [mKey, sKey, ...linkKeys], true);
  const modeRaw = items.find(same(mKey));
  const mode = modeRaw ? permissionModeEntity.parse(modeRaw).mode : 'static';
  const links = items.filter((r) => linkKeys.some((k) => same(k)(r))).map((r) => eventLinkEntity.parse(r));
  if (mode === 'static' || links.length === 0) return hidden;
  if (mode === 'roles+acl' && !roleAllows(p, 'event', 'read')) {
    for (const l of links) hidden.add(l.documentId);
    return hidden;
  }
  const sRaw = items.find(same(sKey));
  const subject = sRaw ? aclSubjectEntity.parse(sRaw) : undefined;
  let readable: (eventId: string) => boolean;
  if (!subject || subject.role !== p.role) {
    const world = await ensureSubject(store, p, undefined);
    const rightsOf = aclRightsOf(world, subjectOf(p));
    readable = (id) => rightsOf(id).has('read');
  } else {
    const events = [...new Set(links.map((l) => l.eventId))];
    const entries = await batchGetItems(store, events.map((e) => aclEntryKeys(p.accountId, p.userId, 'event', e).readable), true);
    const ok = new Set(entries.map((r) => parseAclEntry(r).objectId));
    readable = (id) => ok.has(id);
  }
  for (const l of links) if (!readable(l.eventId)) hidden.add(l.documentId);
  return hidden;
}

type LinkableDoc = { kind: 'invoice' | 'estimate'; documentId: string };

/** The special right on the event a document is linked to now; an event deleted since binds nobody. */
async function requireSpecialOnLinked(store: Store, p: Principal, link: EventLink): Promise<void> {
  try {
    await requireRight(store, p, 'event', link.eventId, 'special');
  } catch (e) {
    if (e instanceof NotFound && !(await getItem(store, objectKey(p.accountId, 'event', link.eventId), true))) return;
    throw e;
  }
}

// The event still exists when the link is written (a delete racing the link: 404, no orphan link).
const eventExistsStep = (store: Store, accountId: string, eventId: string): TxStep => ({
  item: { ConditionCheck: { TableName: store.table, Key: objectKey(accountId, 'event', eventId), ConditionExpression: 'attribute_exists(pk)' } },
  onConditionFailed: () => new NotFound('the event does not exist'),
});

/**
 * Links a sales document to an event, or moves it there from the event it is linked to:
 * the special right on the new event and, for a move, on the old one too (else anyone with
 * the right on some event could pull a document out of an event they do not control).
 * The link, its audit entry and the actor's membership are one transaction, conditioned on
 * the link as read: of two racing moves one wins and the other gets 409 (no retry — a retry
 * would re-check against the winner's event and silently override it). Linking it again to
 * the event it is on changes nothing. docs/authorization.md, "Linking sales documents".
 */
export async function linkDocument(store: Store, p: Actor, eventId: string, doc: LinkableDoc): Promise<EventLink> {
  await requireRight(store, p, 'event', eventId, 'special');
  const read = await getEventLink(store, p.accountId, doc.kind, doc.documentId);
  if (read?.eventId === eventId) return read;
  if (read) await requireSpecialOnLinked(store, p, read);
  const now = store.now().toISOString();
  const link: EventLink = { accountId: p.accountId, kind: doc.kind, documentId: doc.documentId, eventId, linkedBy: p.userId, linkedAt: now };
  const audit = auditStep(
    store,
    auditEntry(p, {
      action: 'document.linked',
      targetType: 'document',
      targetId: doc.documentId,
      before: read ? { kind: doc.kind, eventId: read.eventId } : null,
      after: { kind: doc.kind, eventId },
    }),
    now,
  );
  await transact(store, withActor(store, p, [putEventLinkStep(store, link, read), eventExistsStep(store, p.accountId, eventId), audit]));
  return link;
}

/**
 * Unlinks a sales document from an event: the special right on that event; 404 when the
 * document is not linked to it. From then on the document follows the roles alone. The
 * delete (conditioned on the link as read), its audit entry and the actor's membership are
 * one transaction.
 */
export async function unlinkDocument(store: Store, p: Actor, eventId: string, doc: LinkableDoc): Promise<void> {
  await requireRight(store, p, 'event', eventId, 'special');
  const read = await getEventLink(store, p.accountId, doc.kind, doc.documentId);
  if (read?.eventId !== eventId) throw new NotFound(`the ${doc.kind} is not linked to this event`);
  const now = store.now().toISOString();
  const audit = auditStep(
    store,
    auditEntry(p, { action: 'document.unlinked', targetType: 'document', targetId: doc.documentId, before: { kind: doc.kind, eventId }, after: null }),
    now,
  );
  await transact(store, withActor(store, p, [deleteEventLinkStep(store, read), audit]));
}
