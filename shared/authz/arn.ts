/*
 * How API Gateway matches an authorizer policy's Resource against the methodArn of a
 * request: IAM-style globbing where `*` matches any run of characters (slashes included)
 * and `?` any one character; everything else is literal and case-sensitive.
 * The local runtime matches with this same function, and the policy builder uses it to
 * find routes that an allowed wildcard would shadow.
 */
export function arnMatches(pattern: string, arn: string): boolean {
  // Iterative glob with backtracking to the last star: linear-ish, no regex construction.
  let p = 0;
  let a = 0;
  let star = -1;
  let mark = 0;
  while (a < arn.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === arn[a])) {
      p++;
      a++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = a;
    } else if (star !== -1) {
      p = star + 1;
      a = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

/** `arn:aws:execute-api:region:account:apiId/stage/METHOD/path` -> `...apiId/stage`. */
export function apiArnPrefix(methodArn: string): string | undefined {
  const parts = methodArn.split('/');
  if (parts.length < 3 || !parts[0]!.startsWith('arn:') || parts[1] === '') return undefined;
  return `${parts[0]}/${parts[1]}`;
}

/** The methodArn API Gateway builds for a request: prefix + method + path (no leading slash). */
export const methodArnFor = (prefix: string, method: string, path: string): string =>
  `${prefix}/${method}/${path.replace(/^\/+/, '')}`;
