import { acc, attempt, principalLabel, problemView, type Ctx } from '../context.js';
import { clear, field, h, select, table } from '../dom.js';

/*
 * A CRM object: its ACL rows and exclusions, the inheritance tree with the rows each
 * ancestor contributes (exclusions marked), the API's explanation for any principal and
 * right, and the changes: add or remove a row or an exclusion, always on the version read.
 */
const SEGMENTS: Record<string, string> = {
  project: 'projects',
  case: 'cases',
  event: 'events',
  'next-step': 'next-steps',
  'automated-action': 'automated-actions',
  contractor: 'clients',
};
const PARENTS: Array<[field: string, type: string]> = [
  ['contractorId', 'contractor'],
  ['projectId', 'project'],
  ['caseId', 'case'],
  ['eventId', 'event'],
];

interface CrmObject {
  id: string;
  name: string;
  [parent: string]: unknown;
}
interface Acl {
  objectId: string;
  objectType: string;
  rows: Array<{ principal: string; rights: string[] }>;
  exclusions: string[];
  version: number;
}
interface Explanation {
  mode: string;
  principal: string;
  rights: Array<{ right: string; allowed: boolean; because: string[]; role: { allows: boolean; action: string } }>;
}

const objectPath = (ctx: Ctx, type: string, id: string, rest = '') => acc(ctx, `/${SEGMENTS[type]}/${encodeURIComponent(id)}${rest}`);

export async function renderCrm(ctx: Ctx, body: HTMLElement): Promise<void> {
  // Names for user principals, where the caller may list members (quietly: optional).
  if (!ctx.names.size) {
    for (const m of await ctx.api.all<{ userId: string; email: string }>(acc(ctx, '/members')).catch(() => [])) ctx.names.set(m.userId, m.email);
  }
  const type = select(Object.keys(SEGMENTS).map((t): [string, string] => [t, t]), { name: 'type' });
  type.value = 'next-step';
  const objects = h('select', { name: 'object' });
  const listSlot = h('div');
  const detail = h('div', { 'data-testid': 'crm-detail' });
  const loadList = async () => {
    clear(objects);
    detail.replaceChildren();
    const items = await attempt(listSlot, () => ctx.api.all<CrmObject>(acc(ctx, `/${SEGMENTS[type.value]}`)));
    if (!items) return;
    listSlot.replaceChildren(h('p', { class: 'hint' }, `${items.length} ${type.value}(s) you may read.`));
    objects.append(h('option', { value: '' }, 'Choose…'), ...items.map((o) => h('option', { value: o.id }, o.name)));
  };
  type.addEventListener('change', () => void loadList());
  objects.addEventListener('change', () => {
    if (objects.value) void renderObject(ctx, type.value, objects.value, detail);
  });
  body.replaceChildren(h('div', { class: 'row' }, field('Object type', type), field('Object', objects)), listSlot, detail);
  await loadList();
}

async function renderObject(ctx: Ctx, type: string, id: string, detail: HTMLElement): Promise<void> {
  const object = await attempt(detail, () => ctx.api.get<CrmObject>(objectPath(ctx, type, id)));
  if (!object) return;
  const aclSlot = h('section', { 'aria-labelledby': 'acl-title' });
  const treeSlot = h('section', { 'aria-labelledby': 'tree-title' });
  const explainSlot = h('section', { 'aria-labelledby': 'explain-title' });
  detail.replaceChildren(
    h('h3', { 'data-testid': 'object-title' }, `${type} “${object.name}”`),
    h('p', { class: 'hint' }, `id ${object.id}`),
    aclSlot,
    treeSlot,
    explainSlot,
  );
  const rerender = () => void renderObject(ctx, type, id, detail);
  const acl = await attempt(aclSlot, () => ctx.api.get<Acl>(objectPath(ctx, type, id, '/acl')));
  if (acl) aclSlot.replaceChildren(h('h4', { id: 'acl-title' }, `ACL (version ${acl.version})`), aclTable(ctx, type, id, acl, rerender), aclChanges(ctx, type, id, acl, rerender));
  else aclSlot.prepend(h('h4', { id: 'acl-title' }, 'ACL'));
  treeSlot.replaceChildren(h('h4', { id: 'tree-title' }, 'Inheritance: the rows each ancestor contributes'), await tree(ctx, type, object, new Set()));
  explainSlot.replaceChildren(h('h4', { id: 'explain-title' }, 'Why? The API’s explanation'), explainForm(ctx, type, id));
}

function aclTable(ctx: Ctx, type: string, id: string, acl: Acl, changed: () => void): HTMLElement {
  const out = h('div', { class: 'outcome' });
  const put = (rows: Acl['rows'], exclusions: string[], what: string) =>
    ctx.api.call<Acl>('PUT', objectPath(ctx, type, id, '/acl'), { version: acl.version, rows, exclusions }).then(
      (next) => {
        ctx.announce(`${what}; the ACL is at version ${next.version}`);
        changed();
      },
      (e: unknown) => out.replaceChildren(problemView(e)),
    );
  const rows = acl.rows.map((r, i) => [
    principalLabel(ctx, r.principal),
    r.rights.join(', '),
    acl.exclusions.includes(r.principal) ? h('span', { class: 'excluded' }, 'excluded here') : '',
    h('button', { type: 'button', class: 'secondary', onclick: () => void put(acl.rows.filter((_, j) => j !== i), acl.exclusions, `Removed the row of ${r.principal}`) }, `Remove row ${r.principal}`),
  ]);
  const exclusions = acl.exclusions.map((x) => [
    principalLabel(ctx, x),
    h('span', { class: 'excluded' }, 'EXCLUDED: every right, whatever the rows or ancestors give'),
    h('button', { type: 'button', class: 'secondary', onclick: () => void put(acl.rows, acl.exclusions.filter((e) => e !== x), `Removed the exclusion of ${x}`) }, `Remove exclusion ${x}`),
  ]);
  return h(
    'div',
    {},
    rows.length ? table('Rows on this object', ['principal', 'rights', 'note', 'change'], rows, { 'data-testid': 'acl-rows' }) : h('p', {}, 'No rows on this object itself.'),
    exclusions.length ? table('Exclusions on this object', ['principal', 'effect', 'change'], exclusions, { 'data-testid': 'acl-exclusions' }) : h('p', {}, 'No exclusions on this object.'),
    out,
  );
}

function principalInput(ctx: Ctx, name: string): HTMLInputElement {
  const listId = `${name}-suggestions`;
  const input = h('input', { type: 'text', name, list: listId, autocomplete: 'off', placeholder: 'user:<id>, role:<role> or everyone' });
  const options = ['everyone', ...ctx.catalogue.roles.map((r) => `role:${r.role}`), ...[...ctx.names.keys()].map((u) => `user:${u}`)];
  queueMicrotask(() => input.after(h('datalist', { id: listId }, ...options.map((o) => h('option', { value: o }, principalLabel(ctx, o))))));
  return input;
}

function aclChanges(ctx: Ctx, type: string, id: string, acl: Acl, changed: () => void): HTMLElement {
  const principal = principalInput(ctx, 'row-principal');
  const rights = ctx.catalogue.acl.rights.map((r) => h('input', { type: 'checkbox', name: 'rights', value: r, id: `right-${r}` }));
  const out = h('div', { class: 'outcome' });
  const send = (rows: Acl['rows'], exclusions: string[], what: string) =>
    ctx.api.call<Acl>('PUT', objectPath(ctx, type, id, '/acl'), { version: acl.version, rows, exclusions }).then(
      (next) => {
        ctx.announce(`${what}; the ACL is at version ${next.version}`);
        changed();
      },
      (e: unknown) => out.replaceChildren(problemView(e)),
    );
  const form = h(
    'form',
    { class: 'card', 'aria-label': 'Add a row or an exclusion' },
    field('Principal', principal),
    h('fieldset', {}, h('legend', {}, 'Rights'), ...rights.map((c) => h('span', { class: 'check' }, c, h('label', { for: c.id }, c.value)))),
    h('p', { class: 'hint' }, `Sent with version ${acl.version}: if the ACL changed since, the API refuses and nothing is overwritten.`),
    h('button', { type: 'submit', name: 'add-row' }, 'Add row'),
    ' ',
    h(
      'button',
      {
        type: 'button',
        class: 'secondary',
        onclick: () => void send(acl.rows, [...acl.exclusions, principal.value.trim()], `Excluded ${principal.value.trim()}`),
      },
      'Exclude principal',
    ),
    out,
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const chosen = rights.filter((c) => c.checked).map((c) => c.value);
    void send([...acl.rows, { principal: principal.value.trim(), rights: chosen }], acl.exclusions, `Added a row for ${principal.value.trim()}`);
  });
  return form;
}

/** The object and its ancestors, each with its own rows and exclusions; a case has two parents. */
async function tree(ctx: Ctx, type: string, object: CrmObject, seen: Set<string>, ancestor = false): Promise<HTMLElement> {
  const parents: HTMLElement[] = [];
  for (const [fieldName, parentType] of PARENTS) {
    const parentId = object[fieldName];
    if (typeof parentId !== 'string' || seen.has(parentId)) continue;
    seen.add(parentId);
    const slot = h('li', {});
    const parent = await attempt(slot, () => ctx.api.get<CrmObject>(objectPath(ctx, parentType, parentId)));
    if (parent) slot.replaceChildren(await treeNode(ctx, parentType, parent, seen));
    parents.push(slot);
  }
  return h('ul', { class: 'tree', 'data-testid': 'inheritance' }, h('li', {}, await nodeLabel(ctx, type, object, ancestor), parents.length ? h('ul', {}, ...parents) : null));
}

async function treeNode(ctx: Ctx, type: string, object: CrmObject, seen: Set<string>): Promise<HTMLElement> {
  const sub = await tree(ctx, type, object, seen, true);
  // tree() wraps the node in its own list; inside a parent's list keep only the item's content.
  return h('div', {}, ...Array.from(sub.firstElementChild!.childNodes));
}

async function nodeLabel(ctx: Ctx, type: string, object: CrmObject, ancestor: boolean): Promise<HTMLElement> {
  const rowsSlot = h('div', { class: 'node-acl' });
  const acl = await attempt(rowsSlot, () => ctx.api.get<Acl>(objectPath(ctx, type, object.id, '/acl')));
  if (acl) {
    rowsSlot.replaceChildren(
      h(
        'ul',
        {},
        ...acl.rows.map((r) => h('li', {}, `row ${principalLabel(ctx, r.principal)}: ${r.rights.join(', ')}`)),
        ...acl.exclusions.map((x) => h('li', { class: 'excluded' }, `EXCLUDED ${principalLabel(ctx, x)}: nothing reaches them here or below through this object`)),
        acl.rows.length + acl.exclusions.length === 0 ? h('li', {}, 'no rows') : null,
      ),
    );
  }
  return h('div', { class: 'node' }, h('strong', {}, `${type} “${object.name}”`), ancestor ? ' (ancestor: its rows reach everything below it)' : ' (this object)', rowsSlot);
}

function explainForm(ctx: Ctx, type: string, id: string): HTMLElement {
  const principal = principalInput(ctx, 'explain-principal');
  const out = h('div', { 'data-testid': 'explanation' });
  const form = h('form', { class: 'card', 'aria-label': 'Explain access' }, field('Principal', principal), h('button', { type: 'submit' }, 'Explain'), out);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const who = principal.value.trim();
    void attempt(out, async () => {
      const x = await ctx.api.get<Explanation>(objectPath(ctx, type, id, `/access?principal=${encodeURIComponent(who)}`));
      out.replaceChildren(
        h('p', {}, `Mode ${x.mode}. For ${principalLabel(ctx, x.principal)}:`),
        table(
          `What ${principalLabel(ctx, x.principal)} may do on this ${type}, and why`,
          ['right', 'allowed', 'because'],
          x.rights.map((r) => [r.right, h('span', { class: r.allowed ? 'cell yes' : 'cell no' }, r.allowed ? 'allowed' : 'refused'), h('ul', {}, ...r.because.map((b) => h('li', { class: /exclu/i.test(b) ? 'excluded' : '' }, b)))]),
          { 'data-testid': 'explain-table' },
        ),
      );
      ctx.announce(`Explained access of ${who}`);
    });
  });
  return form;
}
