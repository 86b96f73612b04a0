import { Injectable } from '@nestjs/common';
import { OrderView } from './order.view';
import { isTerminal } from './order-status';

export const MAX_WAIT_SECONDS = 30;

/** Parses RFC 7240 `Prefer: wait=N`; returns seconds (capped at 30) or null. */
export function preferredWaitSeconds(prefer: string | string[] | undefined): number | null {
  const header = Array.isArray(prefer) ? prefer.join(',') : prefer;
  if (!header) return null;
  const match = /(?:^|[,;\s])wait\s*=\s*"?(\d{1,6})"?(?=$|[,;\s])/i.exec(header);
  if (!match) return null;
  return Math.min(Number(match[1]), MAX_WAIT_SECONDS);
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
