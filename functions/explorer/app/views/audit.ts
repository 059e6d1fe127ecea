import { acc, attempt, principalLabel, type Ctx } from '../context.js';
import { field, h, table } from '../dom.js';

/* The audit log, newest first, filtered by target and actor as the API filters it. */
interface Entry {
  at: string;
  actorId: string;
  action: string;
  target: { type: string; id: string };
  before: unknown;
  after: unknown;
}

export async function renderAudit(ctx: Ctx, body: HTMLElement): Promise<void> {
  const target = h('input', { type: 'text', name: 'target', autocomplete: 'off' });
  const actor = h('input', { type: 'text', name: 'actor', autocomplete: 'off' });
  const out = h('div', { 'data-testid': 'audit' });
  const load = async () => {
    const q = new URLSearchParams({ limit: '100' });
    if (target.value.trim()) q.set('target', target.value.trim());
    if (actor.value.trim()) q.set('actor', actor.value.trim());
    await attempt(out, async () => {
      const page = await ctx.api.get<{ items: Entry[] }>(acc(ctx, `/audit?${q}`));
      out.replaceChildren(
        page.items.length
          ? table(
              'Audit entries, newest first',
              ['when', 'actor', 'action', 'target', 'change'],
              page.items.map((e) => [e.at, principalLabel(ctx, `user:${e.actorId}`).slice(5), e.action, `${e.target.type} ${e.target.id}`, h('details', {}, h('summary', {}, 'before / after'), h('pre', {}, JSON.stringify({ before: e.before, after: e.after }, null, 2)))]),
              { 'data-testid': 'audit-table' },
            )
          : h('p', {}, 'No entries match.'),
      );
      ctx.announce(`${page.items.length} audit entries`);
    });
  };
  const form = h('form', { class: 'row', 'aria-label': 'Filter the audit log' }, field('Target id', target), field('Actor (user id)', actor), h('button', { type: 'submit' }, 'Filter'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void load();
  });
  body.replaceChildren(form, out);
  await load();
}
