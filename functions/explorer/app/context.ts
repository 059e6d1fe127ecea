import { ProblemError, type Api } from './api.js';
import { h } from './dom.js';

/* What every view gets: the API, the signed-in caller, the account, the catalogue, and how to show outcomes. */
export interface Me {
  userId: string;
  email: string | null;
  memberships: Array<{ organizationId: string; accountId: string; role: string }>;
}

export interface Catalogue {
  permissions: string[];
  areas: Array<{ area: string; actions: Array<{ action: string; scoped: boolean; permissions: string[] }> }>;
  roles: Array<{ role: string; permissions: string[]; mainAccountOnly: boolean; reachesAllSubAccounts: boolean }>;
  plans: string[];
  backoffice: { plans: string[]; feature: string; seatPriceCents: number };
  acl: { objectTypes: string[]; rights: string[]; modes: string[]; roleActions: Record<string, Record<string, string>> };
}

export interface Ctx {
  api: Api;
  me: Me;
  accountId: string;
  organizationId: string;
  role: string;
  catalogue: Catalogue;
  /** user id -> e-mail, for members the caller may list. */
  names: Map<string, string>;
  /** Says something to screen readers and sighted users alike. */
  announce(message: string): void;
}

export const acc = (ctx: Ctx, rest = ''): string => `/accounts/${encodeURIComponent(ctx.accountId)}${rest}`;

export const principalLabel = (ctx: Ctx, principal: string): string => {
  if (principal.startsWith('user:')) {
    const id = principal.slice(5);
    const name = ctx.names.get(id);
    return name ? `${principal} (${name})` : principal;
  }
  return principal;
};

/** A refusal as the API sent it: status, type, title, detail, and the whole document. */
export function problemView(e: unknown): HTMLElement {
  if (!(e instanceof ProblemError)) {
    return h('div', { class: 'problem', role: 'alert' }, h('p', {}, h('strong', {}, 'Error: '), String(e instanceof Error ? e.message : e)));
  }
  const p = e.problem;
  const conflict = e.status === 409 || e.status === 412;
  return h(
    'div',
    { class: conflict ? 'problem conflict' : 'problem', role: 'alert', 'data-status': e.status },
    h('p', { class: 'problem-head' }, h('strong', {}, conflict ? 'Conflict: nothing was changed. ' : 'Refused: '), `${e.method} ${e.path} answered ${e.status}`),
    h(
      'dl',
      {},
      h('dt', {}, 'title'),
      h('dd', {}, p.title ?? ''),
      p.detail ? h('dt', {}, 'detail') : null,
      p.detail ? h('dd', {}, p.detail) : null,
      p.type ? h('dt', {}, 'type') : null,
      p.type ? h('dd', {}, h('code', {}, p.type)) : null,
    ),
    h('details', {}, h('summary', {}, 'The problem document'), h('pre', {}, JSON.stringify(p, null, 2))),
  );
}

/** Runs an API call for a view part; a refusal replaces the part's content with the problem. */
export async function attempt<T>(slot: HTMLElement, work: () => Promise<T>): Promise<T | undefined> {
  try {
    return await work();
  } catch (e) {
    slot.replaceChildren(problemView(e));
    return undefined;
  }
}
