import { reachesAllSubAccounts, switchList, type SwitchAccount } from '../../../../shared/domain/switch-accounts.js';
import { acc, attempt, problemView, type Ctx } from '../context.js';
import { field, h, select, table } from '../dom.js';

/*
 * A member's effective access: per account and sub-account, through which role or grant
 * (the rules of docs/authorization.md, "Accounts and sub-accounts"), and the switch list
 * the same rules give them (the one shared function the API uses for /me/accounts). The
 * caller's own access comes first and needs no permission; the others need users.view.
 */
interface Member {
  userId: string;
  email: string;
  accountId: string;
  role: string;
  grants: string[];
  version: number;
}
interface Account extends SwitchAccount {
  externalId: string | null;
}
interface Entry {
  accountId: string;
  name: string;
  kind: string;
  role: string;
  via: string;
}

export async function renderMembers(ctx: Ctx, body: HTMLElement, selected?: string): Promise<void> {
  const own = h('div', { 'data-testid': 'own-access' });
  const others = h('div', { 'data-testid': 'members' });
  body.replaceChildren(h('h3', {}, 'Your own access'), own, h('h3', {}, 'Members of this account'), others);

  const mine = await attempt(own, () => ctx.api.get<{ accounts: Entry[] }>('/me/accounts'));
  const memberships = ctx.me.memberships.filter((m) => m.organizationId === ctx.organizationId);
  const perms = ctx.catalogue.roles.find((r) => r.role === ctx.role)?.permissions;
  own.replaceChildren(
    table('Your memberships in this organization', ['account', 'role'], memberships.map((m) => [m.accountId, m.role])),
    mine && mine.accounts.length
      ? table('Accounts you may switch to', ['account', 'kind', 'role', 'via'], mine.accounts.map((a) => [`${a.name} (${a.accountId})`, a.kind, a.role, a.via]), { 'data-testid': 'my-switch-list' })
      : h('p', {}, 'You have nothing to switch to: a switch list needs a main-account membership with at least one sub-account reached.'),
    h('p', {}, perms ? `Your role ${ctx.role} holds ${perms.length} of ${ctx.catalogue.permissions.length} permissions (the role matrix shows which).` : `Your role is ${ctx.role}.`),
  );

  let members: Member[];
  try {
    members = await ctx.api.all<Member>(acc(ctx, '/members'));
  } catch (e) {
    others.replaceChildren(
      h('p', {}, 'The API refuses to list the other members to you: you see your own access only.'),
      problemView(e),
    );
    return;
  }
  for (const m of members) ctx.names.set(m.userId, m.email);
  const isMain = !ctx.accountId.slice(4).includes('_');
  const [account, subs, plan] = await Promise.all([
    ctx.api.get<Account>(acc(ctx)).catch(() => undefined),
    isMain ? ctx.api.all<Account>(acc(ctx, '/sub-accounts')).catch(() => [] as Account[]) : Promise.resolve([] as Account[]),
    ctx.api.get<{ backoffice: { available: boolean } }>(acc(ctx, '/plan')).catch(() => undefined),
  ]);
  const backoffice = plan?.backoffice.available ?? false;
  // Members of each sub-account in their own right (SPEC 3.4); the Owner may list them.
  const subMembers = new Map<string, Member[]>();
  await Promise.all(
    subs.map(async (s) => subMembers.set(s.accountId, await ctx.api.all<Member>(`/accounts/${encodeURIComponent(s.accountId)}/members`).catch(() => []))),
  );
  const everyone = [...members, ...[...subMembers.values()].flat()];
  for (const m of everyone) ctx.names.set(m.userId, m.email);

  const pick = select(everyone.map((m): [string, string] => [`${m.accountId}|${m.userId}`, `${m.email} (${m.role}${m.accountId === ctx.accountId ? '' : `, member of ${m.accountId}`})`]));
  const detail = h('div', { 'data-testid': 'member-access' });
  const showMember = () => {
    const [accountId, userId] = pick.value.split('|') as [string, string];
    const member = everyone.find((m) => m.accountId === accountId && m.userId === userId)!;
    // After a grant or revocation the view is drawn again from the API, on the same member.
    detail.replaceChildren(memberAccess(ctx, member, account, subs, subMembers, backoffice, () => void renderMembers(ctx, body, pick.value)));
  };
  pick.addEventListener('change', showMember);
  others.replaceChildren(
    table('Members', ['e-mail', 'user id', 'role', 'sub-account grants'], members.map((m) => [m.email, m.userId, m.role, m.grants.length ? m.grants.join(', ') : '—'])),
    field('Show the effective access of', pick),
    detail,
  );
  if (selected && everyone.some((m) => `${m.accountId}|${m.userId}` === selected)) pick.value = selected;
  if (everyone.length) showMember();
}

function memberAccess(
  ctx: Ctx,
  m: Member,
  main: Account | undefined,
  subs: Account[],
  subMembers: Map<string, Member[]>,
  backoffice: boolean,
  changed: () => void,
): HTMLElement {
  const out = h('div', { class: 'outcome' });
  const ofMain = m.accountId === main?.accountId;
  const rows: Array<Array<Node | string>> = [];
  if (main) rows.push([`${main.name} (main)`, ofMain ? 'yes' : 'no', ofMain ? m.role : '—', ofMain ? (m.role === 'owner' ? 'owner' : 'member') : 'a sub-account member never reaches the main account']);
  const reachable: SwitchAccount[] = [];
  for (const s of subs) {
    const own = subMembers.get(s.accountId)?.find((x) => x.userId === m.userId);
    let access: [string, string, string];
    if (!ofMain) access = own ? ['yes', own.role, 'member of this sub-account'] : ['no', '—', 'member of another account only'];
    else if (m.role === 'owner') access = ['yes', 'owner', 'owner: every sub-account, archived ones too'];
    else if (s.status === 'archived') access = ['no', '—', 'archived: only the Owner reaches it'];
    else if (m.role === 'backoffice') access = backoffice ? ['yes', 'backoffice', 'backoffice: every sub-account'] : ['no', '—', 'Backoffice unavailable on this plan'];
    else if (m.grants.includes(s.accountId)) access = ['yes', m.role, `grant: acts with the main-account role ${m.role}`];
    else if (own) access = ['yes', own.role, 'member of this sub-account'];
    else access = ['no', '—', 'no grant'];
    if (ofMain && (m.grants.includes(s.accountId) || reachesAllSubAccounts(m.role, backoffice))) reachable.push(s);
    const canGrant = ofMain && m.role !== 'owner' && m.role !== 'backoffice' && s.status === 'active';
    const granted = m.grants.includes(s.accountId);
    const action = canGrant
      ? h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            onclick: () => {
              const path = acc(ctx, `/members/${encodeURIComponent(m.userId)}/grants/${encodeURIComponent(s.accountId)}`);
              ctx.api.call(granted ? 'DELETE' : 'PUT', path).then(
                () => {
                  ctx.announce(`${granted ? 'Revoked' : 'Granted'} ${s.name} for ${m.email}`);
                  changed();
                },
                (e: unknown) => out.replaceChildren(problemView(e)),
              );
            },
          },
          granted ? `Revoke ${s.name}` : `Grant ${s.name}`,
        )
      : '';
    rows.push([`${s.name} (${s.accountId})`, ...access, action]);
  }
  const list = ofMain && main ? switchList({ membership: { organizationId: main.organizationId, accountId: main.accountId, kind: 'main', role: m.role }, main, reachable }) : [];
  return h(
    'div',
    {},
    table(`Effective access of ${m.email}`, ['account', 'access', 'role', 'via', 'change'], rows, { 'data-testid': 'access-table' }),
    list.length
      ? table(`Switch list of ${m.email}`, ['account', 'kind', 'via'], list.map((e) => [`${e.name} (${e.accountId})`, e.kind, e.via]), { 'data-testid': 'switch-list' })
      : h('p', {}, `${m.email} has no switch list: it needs a main-account membership and at least one sub-account reached.`),
    out,
  );
}
