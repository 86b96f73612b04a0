import { FieldError } from './domain-error';

/** Far deeper than any body of these APIs (orders: 3 levels), far shallower than any stack. */
export const MAX_BODY_DEPTH = 32;

/**
 * Looks over a parsed JSON body, without recursion, for what no validator should ever see:
 * nesting deeper than MAX_BODY_DEPTH (class-validator, Nest's ValidationPipe and
 * JSON.stringify all recurse and would overflow the stack: a 500 for 40 KB of brackets) and
 * NUL characters in strings (Postgres cannot store them in text: another 500 later on).
 * Returns the problems, at most one of each kind.
 */
export function bodyShapeProblems(body: unknown, maxDepth = MAX_BODY_DEPTH): FieldError[] {
  const problems: FieldError[] = [];
  let tooDeep = false;
  let nul = false;
  const pending: Array<{ value: unknown; path: string; depth: number }> = [{ value: body, path: '', depth: 0 }];
  for (let next = pending.pop(); next && !(tooDeep && nul); next = pending.pop()) {
    const { value, path, depth } = next;
    if (typeof value === 'string') {
      if (!nul && value.includes('\u0000')) {
        nul = true;
        problems.push({ field: path || '(body)', message: 'must not contain NUL characters' });
      }
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= maxDepth) {
      if (!tooDeep) {
        tooDeep = true;
        problems.push({ field: path || '(body)', message: `the body is nested deeper than ${maxDepth} levels` });
      }
      continue;
    }
    if (Array.isArray(value)) {
      value.forEach((child, index) => pending.push({ value: child, path: `${path}[${index}]`, depth: depth + 1 }));
    } else {
      for (const [key, child] of Object.entries(value)) pending.push({ value: child, path: path ? `${path}.${key}` : key, depth: depth + 1 });
    }
  }
  return problems;
}
