import { acc, attempt, problemView, type Ctx } from '../context.js';
import { field, h, select, table } from '../dom.js';

/*
 * The permission-management mode and its lock (SPEC 5.7): a change takes an unlock first,
 * whose answer is the warning shown here before anything changes; the change then spends
 * the unlock's single-use token.
 */
interface Mode {
  mode: string;
  version: number;
  changedBy: string | null;
  changedAt: string | null;
}
interface Unlock {
  fromMode: string;
  targetMode: string;
  warning: string;
  consequences: Array<{ type: string; membersLosing: number; objectsLost: number; membersGaining: number; objectsGained: number }>;
  token: string;
  expiresAt: string;
}

export async function renderMode(ctx: Ctx, body: HTMLElement): Promise<void> {
  const mode = await attempt(body, () => ctx.api.get<Mode>(acc(ctx, '/permission-mode')));
  if (!mode) return;
  const target = select(ctx.catalogue.acl.modes.filter((m) => m !== mode.mode).map((m): [string, string] => [m, m]), { name: 'target' });
  const warning = h('div', { 'data-testid': 'mode-warning' });
  const unlock = h('form', { class: 'card', 'aria-label': 'Unlock a mode change' }, field('Change to', target), h('button', { type: 'submit' }, 'Unlock (shows the consequences first)'), warning);
  unlock.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void attempt(warning, async () => {
      const u = await ctx.api.call<Unlock>('POST', acc(ctx, '/permission-mode/unlock'), { mode: target.value });
      const confirm = h('button', { type: 'button', class: 'danger' }, `Change to ${u.targetMode}`);
      const cancel = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
      const out = h('div', { class: 'outcome' });
      confirm.addEventListener('click', () => {
        ctx.api.call<Mode>('PUT', acc(ctx, '/permission-mode'), { mode: u.targetMode, token: u.token }).then(
          (m) => {
            ctx.announce(`The mode is now ${m.mode}`);
            void renderMode(ctx, body);
          },
          (e: unknown) => out.replaceChildren(problemView(e)),
        );
      });
      cancel.addEventListener('click', () => {
        warning.replaceChildren(h('p', {}, 'Nothing changed. The unlock expires unused.'));
        target.focus();
      });
      warning.replaceChildren(
        h(
          'div',
          { class: 'warning', role: 'alert' },
          h('p', {}, h('strong', {}, 'Warning: '), u.warning),
          table('Consequences per object type', ['type', 'members losing', 'objects lost', 'members gaining', 'objects gained'], u.consequences.map((c) => [c.type, c.membersLosing, c.objectsLost, c.membersGaining, c.objectsGained])),
          h('p', {}, `The unlock is valid until ${u.expiresAt}, once.`),
          confirm,
          ' ',
          cancel,
          out,
        ),
      );
      confirm.focus();
    });
  });
  body.replaceChildren(
    h(
      'p',
      { 'data-testid': 'mode' },
      'The organization is in the ',
      h('strong', {}, mode.mode),
      ` mode (version ${mode.version}${mode.changedAt ? `, changed ${mode.changedAt} by ${mode.changedBy}` : ''}). `,
      h('span', { class: 'lock' }, 'Locked: '),
      'a change needs an unlock, which warns of its consequences first.',
    ),
    table(
      'What decides in each mode',
      ['mode', 'allowed(user, object, right)'],
      [
        ['static', 'the role’s catalogue action; ACL rows are kept but ignored'],
        ['dynamic', 'the ACL: rows on the object or an ancestor, minus exclusions'],
        ['roles+acl', 'both the role’s action and the ACL'],
      ],
    ),
    h('p', { class: 'hint' }, 'The Owner passes in every mode.'),
    unlock,
  );
}
