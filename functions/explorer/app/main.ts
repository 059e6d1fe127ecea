import { Api, ProblemError } from './api.js';
import { problemView, type Catalogue, type Ctx, type Me } from './context.js';
import { clear, field, h, select } from './dom.js';
import { renderAudit } from './views/audit.js';
import { renderCrm } from './views/crm.js';
import { renderMembers } from './views/members.js';
import { renderMode } from './views/mode.js';
import { renderRoles } from './views/roles.js';

/*
 * The access explorer: sign in with a bearer token (locally: pick a demo user), choose an
 * account, then one view at a time. Everything comes from the public API of this origin.
 */
interface DemoUser {
  email: string;
  name: string;
  role: string;
  accountId: string;
  token: string;
}

const VIEWS = [
  ['roles', 'Role matrix', renderRoles],
  ['members', 'Members and access', renderMembers],
  ['crm', 'CRM objects', renderCrm],
  ['mode', 'Permission mode', renderMode],
  ['audit', 'Audit log', renderAudit],
] as const;
type ViewId = (typeof VIEWS)[number][0];

const root = document.getElementById('app')!;
const api = new Api(new URL(root.dataset.apiBase ?? './', document.baseURI));
const live = h('div', { class: 'sr-status', role: 'status', 'aria-live': 'polite' });
const announce = (message: string) => {
  live.textContent = '';
  // A fresh text node is what screen readers pick up as a new announcement.
  setTimeout(() => (live.textContent = message), 10);
};

async function boot(): Promise<void> {
  clear(root);
  root.append(
    h('header', { class: 'top' }, h('h1', {}, 'Kontor access explorer'), h('p', {}, 'Who can do what in an organization, and why.')),
    live,
  );
  const main = h('main', { id: 'main' });
  root.append(main);
  await signIn(main);
}

async function signIn(main: HTMLElement): Promise<void> {
  let demo: DemoUser[] = [];
  try {
    // Only the local runtime answers this (on loopback): a deployed API has no such route.
    demo = (await api.get<{ users: DemoUser[] }>('/_local/demo-tokens')).users;
  } catch {
    demo = [];
  }
  const tokenInput = h('textarea', { rows: 3, autocomplete: 'off', spellcheck: 'false' });
  const out = h('div', { class: 'signin-result' });
  const form = h(
    'form',
    { class: 'signin', 'aria-labelledby': 'signin-title' },
    h('h2', { id: 'signin-title' }, 'Sign in'),
  );
  let demoSelect: HTMLSelectElement | undefined;
  if (demo.length) {
    demoSelect = select([['', 'Choose a demo user…'], ...demo.map((u): [string, string] => [u.token, `${u.name} (${u.role}) ${u.email}`])], { name: 'demo-user' });
    form.append(field('Demo user (local runtime)', demoSelect, 'The demo organization of npm start; the page then acts with that user’s token.'));
  }
  form.append(field('Bearer token', tokenInput, 'A token of your identity provider; it stays in this page only.'), h('button', { type: 'submit' }, 'Sign in'), out);
  demoSelect?.addEventListener('change', () => (tokenInput.value = demoSelect!.value));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const token = tokenInput.value.trim();
    if (!token) {
      out.replaceChildren(h('p', { role: 'alert' }, 'Choose a demo user or paste a token.'));
      return;
    }
    void start(main, token, out);
  });
  main.replaceChildren(form);
  (demoSelect ?? tokenInput).focus();
}

async function start(main: HTMLElement, token: string, out: HTMLElement): Promise<void> {
  api.token = token;
  let me: Me;
  let catalogue: Catalogue;
  try {
    [me, catalogue] = await Promise.all([api.get<Me>('/me'), api.get<Catalogue>('/catalogue')]);
  } catch (e) {
    out.replaceChildren(problemView(e));
    return;
  }
  if (!me.memberships.length) {
    out.replaceChildren(h('p', { role: 'alert' }, 'This user is a member of no account.'));
    return;
  }
  const accountChoice = select(me.memberships.map((m): [string, string] => [m.accountId, `${m.accountId} (${m.role})`]));
  const bar = h(
    'div',
    { class: 'session' },
    h('p', {}, 'Signed in as ', h('strong', { 'data-testid': 'signed-in' }, me.email ?? me.userId), ` (${me.userId})`),
    field('Account', accountChoice),
    h('button', { type: 'button', class: 'secondary', onclick: () => void signIn(main) }, 'Sign out'),
  );
  const nav = h('nav', { 'aria-label': 'Views' });
  const view = h('section', { class: 'view', 'aria-live': 'off' });
  main.replaceChildren(bar, nav, view);

  const ctxFor = (accountId: string): Ctx => {
    const m = me.memberships.find((x) => x.accountId === accountId)!;
    return { api, me, accountId, organizationId: m.organizationId, role: m.role, catalogue, names: new Map(), announce };
  };
  let ctx = ctxFor(accountChoice.value);
  let current: ViewId = (location.hash.slice(1) as ViewId) || 'roles';
  if (!VIEWS.some(([id]) => id === current)) current = 'roles';

  const show = async (id: ViewId, focus: boolean) => {
    current = id;
    // Tests and assistive technology alike wait for this: set again once the view is drawn.
    delete view.dataset.ready;
    for (const b of nav.querySelectorAll('button')) b.setAttribute('aria-current', String(b.dataset.view === id));
    const [, label, render] = VIEWS.find(([v]) => v === id)!;
    const heading = h('h2', { tabindex: -1, id: `view-${id}` }, label);
    const body = h('div', { class: 'view-body', 'aria-busy': 'true' });
    view.replaceChildren(heading, body);
    view.setAttribute('aria-labelledby', heading.id);
    view.dataset.view = id;
    if (focus) heading.focus();
    try {
      await render(ctx, body);
    } catch (e) {
      body.replaceChildren(problemView(e));
    }
    body.setAttribute('aria-busy', 'false');
    view.dataset.ready = id;
  };
  nav.append(
    h('ul', {}, ...VIEWS.map(([id, label]) => h('li', {}, h('button', { type: 'button', 'data-view': id, onclick: () => void show(id, true) }, label)))),
  );
  accountChoice.addEventListener('change', () => {
    ctx = ctxFor(accountChoice.value);
    void show(current, false);
  });
  announce(`Signed in as ${me.email ?? me.userId}`);
  await show(current, true);
}

window.addEventListener('unhandledrejection', (ev) => {
  if (ev.reason instanceof ProblemError) ev.preventDefault();
});
void boot();
