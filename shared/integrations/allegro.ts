import * as z from 'zod/mini';

/*
 * The few calls of Allegro's REST API the poller makes (developer.allegro.pl; shapes in
 * test/fixtures/allegro/README.md):
 *   - POST {auth}/auth/oauth/token  grant_type=refresh_token, Basic client credentials: a new
 *     access token (about 12 h) and a NEW refresh token, which replaces the old one;
 *   - GET  {api}/order/events?from=<last seen event id>: the seller's order events, oldest
 *     first (at most `limit`, 1000);
 *   - GET  {api}/order/checkout-forms/{id}: one order.
 * Both bases are configurable (ALLEGRO_API_URL, ALLEGRO_AUTH_URL; the sandbox, or a local
 * fake server in tests). Every failure is an AllegroError saying whether waiting helps.
 */
export interface AllegroEndpoints {
  /** https://api.allegro.pl (sandbox: https://api.allegro.pl.allegrosandbox.pl). */
  apiUrl: string;
  /** https://allegro.pl (sandbox: https://allegro.pl.allegrosandbox.pl). */
  authUrl: string;
}

export const allegroEndpoints = (env: NodeJS.ProcessEnv = process.env): AllegroEndpoints => ({
  apiUrl: (env.ALLEGRO_API_URL ?? 'https://api.allegro.pl').replace(/\/+$/, ''),
  authUrl: (env.ALLEGRO_AUTH_URL ?? 'https://allegro.pl').replace(/\/+$/, ''),
});

const MEDIA_TYPE = 'application/vnd.allegro.public.v1+json';
/** No call may hold a poll longer than this. */
const TIMEOUT_MS = 15_000;

/** A failed call: `status` is Allegro's (0 when it could not be reached), `transient` when retrying later may help. */
export class AllegroError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = 'AllegroError';
  }
  get transient(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

const tokenAnswer = z.object({ access_token: z.string(), expires_in: z.number(), refresh_token: z.optional(z.string()) });
export interface Tokens {
  accessToken: string;
  expiresAt: Date;
  /** The rotated refresh token, when Allegro sent one. */
  refreshToken?: string | undefined;
}

const orderEvents = z.object({
  events: z.array(
    z.object({
      id: z.string(),
      type: z.string(),
      occurredAt: z.optional(z.string()),
      order: z.object({ checkoutForm: z.optional(z.object({ id: z.string() })) }),
    }),
  ),
});
export type OrderEvent = z.infer<typeof orderEvents>['events'][number];

async function call(url: string, init: RequestInit, what: string): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (e) {
    throw new AllegroError(0, 'allegro-unreachable', `${what}: Allegro could not be reached (${(e as Error).message})`);
  }
  const text = await res.text();
  if (!res.ok) {
    const type = res.status === 401 ? 'allegro-unauthorized' : res.status === 429 ? 'allegro-rate-limited' : res.status >= 500 ? 'allegro-unavailable' : 'allegro-rejected';
    throw new AllegroError(res.status, type, `${what}: Allegro answered ${res.status}${text ? ` ${text.slice(0, 200)}` : ''}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new AllegroError(502, 'allegro-bad-answer', `${what}: Allegro's answer is not JSON`);
  }
}

const parsed = <T>(schema: z.ZodMiniType<T>, value: unknown, what: string): T => {
  const out = schema.safeParse(value);
  if (!out.success) throw new AllegroError(502, 'allegro-bad-answer', `${what}: Allegro's answer has an unexpected shape`);
  return out.data;
};

export interface AllegroClient {
  refresh(clientId: string, clientSecret: string, refreshToken: string): Promise<Tokens>;
  events(accessToken: string, from: string | undefined, limit: number): Promise<OrderEvent[]>;
  /** The checkout form as Allegro sent it (the mapper parses it; the raw bytes are logged for a replay). */
  checkoutForm(accessToken: string, id: string): Promise<{ raw: string; json: unknown }>;
}

export function allegroClient(endpoints: AllegroEndpoints, now: () => Date = () => new Date()): AllegroClient {
  const bearer = (token: string) => ({ authorization: `Bearer ${token}`, accept: MEDIA_TYPE });
  return {
    async refresh(clientId, clientSecret, refreshToken) {
      const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken });
      const answer = await call(
        `${endpoints.authUrl}/auth/oauth/token`,
        {
          method: 'POST',
          headers: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body: body.toString(),
        },
        'token refresh',
      );
      const t = parsed(tokenAnswer, answer, 'token refresh');
      return { accessToken: t.access_token, expiresAt: new Date(now().getTime() + t.expires_in * 1000), refreshToken: t.refresh_token };
    },
    async events(accessToken, from, limit) {
      const q = new URLSearchParams({ limit: String(limit) });
      if (from) q.set('from', from);
      return parsed(orderEvents, await call(`${endpoints.apiUrl}/order/events?${q.toString()}`, { headers: bearer(accessToken) }, 'order events'), 'order events').events;
    },
    async checkoutForm(accessToken, id) {
      const json = await call(`${endpoints.apiUrl}/order/checkout-forms/${encodeURIComponent(id)}`, { headers: bearer(accessToken) }, `checkout form ${id}`);
      return { raw: JSON.stringify(json), json };
    },
  };
}
