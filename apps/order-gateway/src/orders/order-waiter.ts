import { Injectable } from '@nestjs/common';
import { OrderView } from './order.view';
import { isTerminal } from './order-status';

export const MAX_WAIT_SECONDS = 30;

/**
 * Parses RFC 7240 `Prefer` for `wait=N`; returns seconds (capped at 30, however long the
 * number) or null. Only a preference named `wait` counts: a `wait` among another
 * preference's parameters (`handling=lenient; wait=5`) is not a wait. The first `wait` wins.
 */
export function preferredWaitSeconds(prefer: string | string[] | undefined): number | null {
  const header = Array.isArray(prefer) ? prefer.join(',') : prefer;
  if (!header) return null;
  for (const preference of splitOutsideQuotes(header, ',')) {
    const [nameAndValue] = splitOutsideQuotes(preference, ';');
    const match = /^\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*(?:=\s*(.*?))?\s*$/.exec(nameAndValue);
    if (!match || match[1].toLowerCase() !== 'wait') continue;
    const value = unquote(match.at(2) ?? '');
    return /^\d+$/.test(value) ? Math.min(Number(value), MAX_WAIT_SECONDS) : null;
  }
  return null;
}

/** Splits on `separator` where it is not inside a quoted-string. */
function splitOutsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (quoted && char === '\\') {
      current += char + (text[index + 1] ?? '');
      index += 1;
      continue;
    }
    if (char === '"') quoted = !quoted;
    if (char === separator && !quoted) {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts;
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1).replace(/\\(.)/g, '$1') : value;
}

/**
 * Holds a response until the order is terminal or time is up. Polls the database, so it
 * works whichever gateway replica applied the change.
 */
@Injectable()
export class OrderWaiter {
  async waitForTerminal(initial: OrderView, seconds: number, read: () => Promise<OrderView>): Promise<OrderView> {
    const deadline = Date.now() + seconds * 1_000;
    let order = initial;
    let pause = 25;
    while (!isTerminal(order.status) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(pause, Math.max(0, deadline - Date.now()))));
      pause = Math.min(pause * 2, 250);
      order = await read();
    }
    return order;
  }
}
