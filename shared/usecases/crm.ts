import type { Principal } from '../authz/engine.js';
import { mayUse } from '../authz/engine.js';
import type { Store } from '../data/context.js';
import { batchGetItems, transact, type Stored } from '../data/dynamo.js';
import { auditStep } from '../data/entities/audit.js';
import { aclFenceStep, type AclLock } from '../data/entities/acl-lock.js';
import { edgeDeleteSteps, edgePutSteps } from '../data/entities/crm-edge.js';
import { crmCreateStep, crmDeleteStep, crmReplaceStep, type CrmObject } from '../data/entities/crm-object.js';
import { withActor, type Actor } from '../data/entities/membership.js';
import type { EventLink } from '../data/entities/event-link.js';
import type { Page, PageRequest } from '../data/paginator.js';
import {
  creatorAcl,
  PARENT_FIELDS,
  type CrmType,
  type ObjectType,
  type ParentField,
  type ParentRefs,
  parentIds,
} from '../domain/acl.js';
import { auditEntry } from '../domain/audit.js';
import { Forbidden, ValidationError, type FieldError } from '../domain/errors.js';
import { ulid } from '../domain/ids.js';
import * as documents from './documents.js';
import { isOwner, linkDocument, unlinkDocument, listReadable, loadChecked, objectKey, refuseWithChildren, reindexSubtree, requireRight, subtreeIds, withAclLock, type ParentFilter } from './acl.js';

/*
 * The CRM objects of SPEC 5.2 other than contractors: projects, cases, events, next steps
 * and automated actions. Every read and change is an instance check (shared/usecases/acl.ts)
 * in the organization's mode; the route's action only says the caller may use the CRM.
 *
 *   create under a parent      write on each parent        (top level: the role's crm.create)
 *   read / list                read
 *   change fields              edit
 *   move (change parents)      edit here, write on each new parent; re-derives inheritance
 *   delete                     delete; refused while it has children
 *   complete / run / link      special
 */
export interface CreateCrmInput extends ParentRefs {
  name: string;
  description?: string | undefined;
  date?: string | undefined;
}

export interface UpdateCrmInput {
  version: number;
  name?: string | undefined;
  description?: string | null | undefined;
  date?: string | null | undefined;
  contractorId?: string | null | undefined;
  projectId?: string | null | undefined;
  caseId?: string | null | undefined;
  eventId?: string | null | undefined;
}

const PARENT_KEYS: readonly ParentField[] = ['contractorId', 'projectId', 'caseId', 'eventId'];

/** The parents a type allows: each field names one type; at least `min`, at most `max`. */
function checkParentShape(type: CrmType, refs: ParentRefs): FieldError[] {
  const spec = PARENT_FIELDS[type];
  const allowed = spec.fields as Record<string, ObjectType>;
  const errors: FieldError[] = [];
  for (const f of PARENT_KEYS) {
    if (refs[f] !== undefined && !(f in allowed)) errors.push({ field: `body.${f}`, message: `a ${type} has no ${f.slice(0, -2)} parent` });
  }
  const given = PARENT_KEYS.filter((f) => refs[f] !== undefined && f in allowed);
  const max = 'max' in spec ? spec.max : Object.keys(allowed).length;
  if (given.length < spec.min) errors.push({ field: 'body', message: `a ${type} needs one of: ${Object.keys(allowed).join(', ')}` });
  if (given.length > max) errors.push({ field: 'body', message: `a ${type} has exactly one of: ${Object.keys(allowed).join(', ')}` });
  return errors;
}

const typeOfField = (type: CrmType, f: ParentField): ObjectType => (PARENT_FIELDS[type].fields as Record<string, ObjectType>)[f]!;

/**
 * The parents exist in this account (keys are built from the caller's account, so another
 * account's id is as dangling as an unknown one: 400 naming the field) and the caller holds
 * write on each.
 */
async function checkParents(store: Store, p: Principal, type: CrmType, refs: ParentRefs, lock: AclLock): Promise<void> {
  const errors = checkParentShape(type, refs);
  if (errors.length) throw new ValidationError(`the parents of a ${type} are not valid`, { errors });
  const fields = PARENT_KEYS.filter((f) => refs[f] !== undefined);
  const keys = fields.map((f) => objectKey(p.accountId, typeOfField(type, f), refs[f]!));
  const found = await batchGetItems(store, keys, true);
  const has = (k: { pk: string; sk: string }) => found.some((r: Stored) => r.pk === k.pk && r.sk === k.sk);
  const dangling = fields.filter((_, i) => !has(keys[i]!));
  if (dangling.length) {
    throw new ValidationError('a parent does not exist in this account', {
      errors: dangling.map((f) => ({ field: `body.${f}`, message: `no ${typeOfField(type, f)} ${refs[f]} in this account` })),
    });
  }
  for (const f of fields) {
    const { rights } = await loadChecked(store, p, typeOfField(type, f), refs[f]!, lock);
    if (!rights.has('write')) {
      throw new Forbidden(`the caller may not add under this ${typeOfField(type, f)}`, { extensions: { reason: 'acl', right: 'write', field: f } });
    }
  }
}

export async function createCrmObject(store: Store, p: Principal, type: CrmType, input: CreateCrmInput): Promise<CrmObject> {
  const refs: ParentRefs = Object.fromEntries(PARENT_KEYS.filter((f) => input[f] !== undefined).map((f) => [f, input[f]]));
  if (PARENT_FIELDS[type].min === 0 && !isOwner(p) && !mayUse(p, 'crm.create')) {
    throw new Forbidden(`the caller may not create a ${type}`, { extensions: { reason: 'missing-permission' } });
  }
  const objectId = ulid();
  const root = { id: objectId, type };
  return withAclLock(store, p.accountId, { roots: [root] }, async (lock) => {
    await checkParents(store, p, type, refs, lock);
    const now = store.now().toISOString();
    const obj: CrmObject = {
      objectId,
      accountId: p.accountId,
      objectType: type,
      name: input.name,
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.date !== undefined ? { date: input.date } : {}),
      ...refs,
      acl: creatorAcl(p.userId),
      createdBy: p.userId,
      createdAt: now,
      updatedAt: now,
      version: 1,
    };
    await transact(store, [crmCreateStep(store, obj), ...edgePutSteps(store, p.accountId, root, parentIds(refs)), aclFenceStep(store, lock)]);
    await reindexSubtree(store, lock, p.accountId, [root]);
    return obj;
  });
}

export async function getCrmObject(store: Store, p: Principal, type: CrmType, id: string): Promise<CrmObject> {
  return (await requireRight(store, p, type, id, 'read')).object.item as CrmObject;
}

export async function listCrm(
  store: Store,
  p: Principal,
  type: CrmType,
  parent: ParentFilter | undefined,
  page: Omit<PageRequest, 'boundTo'>,
): Promise<Page<CrmObject>> {
  const out = await listReadable(store, p, type, parent, page);
  return { items: out.items.map((o) => o.item as CrmObject), nextCursor: out.nextCursor };
}

/**
 * Changes fields, or moves the object (new parents). A move is audited, its edges change
 * in the same transaction, and the index entries of its subtree are recomputed for every
 * subject in the same request, under the account's ACL lock.
 */
export async function updateCrmObject(store: Store, p: Actor, type: CrmType, id: string, input: UpdateCrmInput): Promise<CrmObject> {
  const moving = PARENT_KEYS.some((f) => input[f] !== undefined);
  if (!moving) {
    const current = (await requireRight(store, p, type, id, 'edit')).object.item as CrmObject;
    const next = applyUpdate(store, current, input);
    await transact(store, [crmReplaceStep(store, next, input.version)]);
    return next;
  }
  return withAclLock(store, p.accountId, { roots: [{ id, type }] }, async (lock) => {
    const current = (await requireRight(store, p, type, id, 'edit', lock)).object.item as CrmObject;
    const next = applyUpdate(store, current, input);
    const refs: ParentRefs = Object.fromEntries(PARENT_KEYS.filter((f) => next[f] !== undefined).map((f) => [f, next[f]]));
    const newParents = PARENT_KEYS.filter((f) => refs[f] !== undefined && refs[f] !== current[f]);
    await checkParents(store, p, type, refs, lock);
    // A cycle: a new parent inside the object's own subtree (the edges below it, by Query).
    const below = await subtreeIds(store, p.accountId, [{ id, type }]);
    for (const f of newParents) {
      if (below.has(refs[f]!)) {
        throw new ValidationError('the move would make the object its own ancestor', { errors: [{ field: `body.${f}`, message: 'cycle' }] });
      }
    }
    const oldIds = parentIds(current);
    const newIds = parentIds(refs);
    const audit = auditStep(
      store,
      auditEntry(p, {
        action: 'crm-object.moved',
        targetType: 'crm-object',
        targetId: id,
        before: { objectType: type, ...Object.fromEntries(PARENT_KEYS.map((f) => [f, current[f] ?? null])) },
        after: { objectType: type, ...Object.fromEntries(PARENT_KEYS.map((f) => [f, refs[f] ?? null])) },
      }),
      next.updatedAt,
    );
    await transact(
      store,
      withActor(store, p, [
        crmReplaceStep(store, next, input.version),
        ...edgeDeleteSteps(store, p.accountId, id, oldIds.filter((x) => !newIds.includes(x))),
        ...edgePutSteps(store, p.accountId, { id, type }, newIds.filter((x) => !oldIds.includes(x))),
        audit,
        aclFenceStep(store, lock),
      ]),
    );
    await reindexSubtree(store, lock, p.accountId, [{ id, type }]);
    return next;
  });
}

/** The object with an update's fields and parents applied (null clears, absent keeps), at version + 1. */
function applyUpdate(store: Store, current: CrmObject, input: UpdateCrmInput): CrmObject {
  const now = store.now().toISOString();
  const next: CrmObject = { ...current, updatedAt: now, version: input.version + 1 };
  for (const f of ['name', 'description', 'date'] as const) {
    const v = input[f];
    if (v === null) delete next[f];
    else if (v !== undefined) (next as Record<string, unknown>)[f] = v;
  }
  for (const f of PARENT_KEYS) {
    const v = input[f] === undefined ? current[f] : input[f];
    if (v === null || v === undefined) delete next[f];
    else next[f] = v;
  }
  return next;
}

/** Refused (409 in-use) while it has children: the edges below it, one Query. */
export async function deleteCrmObject(store: Store, p: Principal, type: CrmType, id: string): Promise<void> {
  await withAclLock(store, p.accountId, { roots: [{ id, type }] }, async (lock) => {
    const current = (await requireRight(store, p, type, id, 'delete', lock)).object.item as CrmObject;
    await refuseWithChildren(store, p.accountId, type, id);
    await transact(store, [crmDeleteStep(store, current), ...edgeDeleteSteps(store, p.accountId, id, parentIds(current)), aclFenceStep(store, lock)]);
    await reindexSubtree(store, lock, p.accountId, [{ id, type }]);
  });
}

/** A type's special action (docs/authorization.md): complete a next step, run an automated action. */
export async function runSpecial(store: Store, p: Principal, type: 'next-step' | 'automated-action', id: string): Promise<CrmObject> {
  const current = (await requireRight(store, p, type, id, 'special')).object.item as CrmObject;
  const now = store.now().toISOString();
  const next: CrmObject =
    type === 'next-step'
      ? { ...current, completedAt: now, completedBy: p.userId, updatedAt: now, version: current.version + 1 }
      : { ...current, runCount: (current.runCount ?? 0) + 1, lastRunAt: now, updatedAt: now, version: current.version + 1 };
  await transact(store, [crmReplaceStep(store, next, current.version)]);
  return next;
}

/**
 * Links an invoice or estimate to an event (or moves it there): the caller must see the
 * document (their documents.view scope) and hold the special right on the event — and on
 * the event it leaves. From then on the document follows the event's permissions in lists
 * and reads (SPEC 5.6).
 */
export async function linkSalesDocument(store: Store, p: Actor, eventId: string, doc: { kind: 'invoice' | 'estimate'; documentId: string }): Promise<EventLink> {
  await documents.get(store, p, doc.kind, doc.documentId);
  return linkDocument(store, p, eventId, doc);
}

/** Unlinks an invoice or estimate from its event: sight of the document and the event's special right; it then follows the roles alone. */
export async function unlinkSalesDocument(store: Store, p: Actor, eventId: string, doc: { kind: 'invoice' | 'estimate'; documentId: string }): Promise<void> {
  await documents.get(store, p, doc.kind, doc.documentId);
  await unlinkDocument(store, p, eventId, doc);
}
