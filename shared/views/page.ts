import type { Page } from '../data/paginator.js';

/* A page of entities as the API shows it: each item through its view, the cursor as is. */
export const pageView = <T, V>(page: Page<T>, view: (item: T) => V): { items: V[]; nextCursor: string | null } => ({
  items: page.items.map(view),
  nextCursor: page.nextCursor,
});
