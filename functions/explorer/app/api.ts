/*
 * The public API of the page's own origin, with the bearer token the user signed in with.
 * Every refusal comes back as a ProblemError carrying the API's problem detail as sent, so
 * the page can show it whole instead of a message of its own.
 */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  [k: string]: unknown;
}

export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
    readonly method: string,
    readonly path: string,
  ) {
    super(problem.title ?? `HTTP ${status}`);
  }
}

export class Api {
  token = '';
  constructor(readonly base: URL) {}

  url(path: string): URL {
    return new URL(path.replace(/^\//, ''), this.base);
  }

  async call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const h: Record<string, string> = { accept: 'application/json', ...headers };
    if (this.token) h.authorization = `Bearer ${this.token}`;
    if (body !== undefined) h['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(this.url(path), { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (e) {
      throw new ProblemError(0, { title: 'The API cannot be reached', detail: String(e) }, method, path);
    }
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = { title: `HTTP ${res.status}`, detail: text.slice(0, 500) };
    }
    if (!res.ok) throw new ProblemError(res.status, (parsed ?? { title: `HTTP ${res.status}` }) as Problem, method, path);
    return parsed as T;
  }

  get = <T>(path: string): Promise<T> => this.call<T>('GET', path);

  /** Every page of a list (the explorer shows small organizations whole). */
  async all<T>(path: string, max = 10): Promise<T[]> {
    const out: T[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < max; i++) {
      const sep = path.includes('?') ? '&' : '?';
      const page: { items: T[]; nextCursor: string | null } = await this.get(`${path}${sep}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      out.push(...page.items);
      cursor = page.nextCursor;
      if (!cursor) break;
    }
    return out;
  }
}
