import { acc, attempt, problemView, type Ctx } from '../context.js';
import { field, h, select, table } from '../dom.js';

/*
 * The role matrix: built-in and custom roles × every catalogue permission, with the plan's
 * and features' effect (Backoffice exists only on some plans with self-bookkeeping on), and
 * the form that creates or edits a custom role on the version it read.
 */
interface Plan {
  plan: string;
  features: string[];
  backoffice: { available: boolean; requiredPlans: string[] };
}
interface Role {
  roleId: string;
  ref: string;
  name: string;
  description: string | null;
  permissions: string[];
  version: number;
}

export async function renderRoles(ctx: Ctx, body: HTMLElement): Promise<void> {
  const planSlot = h('div');
  const customSlot = h('div');
  const matrixSlot = h('div', { class: 'scroll', tabindex: 0, role: 'region', 'aria-label': 'Role matrix, scrollable' });
  const formSlot = h('div');
  body.replaceChildren(planSlot, matrixSlot, h('h3', {}, 'Custom roles'), customSlot, formSlot);

  const plan = await attempt(planSlot, () => ctx.api.get<Plan>(acc(ctx, '/plan')));
  if (plan) {
    planSlot.replaceChildren(
      h(
        'p',
        { class: 'plan', 'data-testid': 'plan' },
        `Plan ${plan.plan}; features: ${plan.features.length ? plan.features.join(', ') : 'none'}. `,
        plan.backoffice.available
          ? 'Backoffice is available: its members reach every sub-account.'
          : `Backoffice is unavailable: it needs the ${ctx.catalogue.backoffice.feature} feature on a ${plan.backoffice.requiredPlans.join(', ')} plan, so its permissions below are held by nobody.`,
      ),
    );
  }
  const custom = (await attempt(customSlot, () => ctx.api.all<Role>(acc(ctx, '/roles')))) ?? [];
  if (customSlot.childElementCount === 0) {
    customSlot.replaceChildren(
      custom.length ? h('p', {}, `${custom.length} custom role(s): ${custom.map((r) => `${r.name} (${r.ref}, version ${r.version})`).join('; ')}.`) : h('p', {}, 'No custom roles yet.'),
    );
  }

  const roles = ctx.catalogue.roles;
  const backofficeOff = plan ? !plan.backoffice.available : false;
  const head = ['permission', ...roles.map((r) => (r.role === 'backoffice' && backofficeOff ? 'backoffice (unavailable)' : r.role)), ...custom.map((r) => `${r.name} (custom)`)];
  const held = [...roles.map((r) => new Set(r.permissions)), ...custom.map((r) => new Set(r.permissions))];
  const rows = ctx.catalogue.areas.flatMap((a) =>
    a.actions.flatMap((act) =>
      act.permissions.map((p) => [
        h('code', {}, p),
        ...held.map((set, i) => {
          const yes = set.has(p);
          const inactive = yes && i === roles.findIndex((r) => r.role === 'backoffice') && backofficeOff;
          return h('span', { class: yes ? (inactive ? 'cell inactive' : 'cell yes') : 'cell no' }, yes ? (inactive ? 'yes, inactive' : 'yes') : 'no');
        }),
      ]),
    ),
  );
  matrixSlot.replaceChildren(table('Permissions of each role in this account', head, rows, { class: 'matrix', 'data-testid': 'role-matrix' }));
  if (ctx.role !== 'owner') matrixSlot.prepend(h('p', {}, `You are ${ctx.role} here: your column is what the API lets you do.`));

  formSlot.replaceChildren(roleForm(ctx, custom, () => void renderRoles(ctx, body)));
}

function roleForm(ctx: Ctx, custom: Role[], saved: () => void): HTMLElement {
  const which = select([['', 'A new custom role'], ...custom.map((r): [string, string] => [r.roleId, `Edit ${r.name}`])], { name: 'role' });
  const name = h('input', { type: 'text', name: 'name', autocomplete: 'off' });
  const perms = h('textarea', { name: 'permissions', rows: 4, spellcheck: 'false' });
  const version = h('p', { class: 'hint', 'data-testid': 'role-version' }, 'New role.');
  const out = h('div', { class: 'outcome' });
  let base: Role | undefined;
  const load = () => {
    base = custom.find((r) => r.roleId === which.value);
    name.value = base?.name ?? '';
    perms.value = base?.permissions.join('\n') ?? '';
    version.textContent = base ? `Editing version ${base.version}: saving sends it, so a change made meanwhile is refused, not overwritten.` : 'New role.';
    out.replaceChildren();
  };
  which.addEventListener('change', load);
  const form = h(
    'form',
    { class: 'card', 'aria-label': 'Create or edit a custom role' },
    field('Role', which),
    field('Name', name),
    field('Permissions', perms, 'One per line or comma-separated: permissions (documents.view.own), actions (documents.view) or areas (crm.*).'),
    version,
    h('button', { type: 'submit' }, 'Save role'),
    out,
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const permissions = perms.value.split(/[\s,]+/).filter(Boolean);
    const request = base
      ? ctx.api.call<Role>('PATCH', acc(ctx, `/roles/${encodeURIComponent(base.roleId)}`), { name: name.value, permissions, version: base.version })
      : ctx.api.call<Role>('POST', acc(ctx, '/roles'), { name: name.value, permissions }, { 'idempotency-key': crypto.randomUUID() });
    request.then(
      (role) => {
        ctx.announce(`Saved ${role.name}, version ${role.version}`);
        saved();
      },
      (e: unknown) => out.replaceChildren(problemView(e)),
    );
  });
  return h('div', {}, h('h3', {}, 'Create or edit a custom role'), form);
}
