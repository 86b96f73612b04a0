import { Client, type ClientConfig } from 'pg';

/**
 * A pg client that always has an 'error' listener. The pool listens only while a client is idle,
 * and TypeORM or `pool.query` only until the first error of a checked-out client; a broken
 * connection can emit a second one (a FATAL "terminating connection" and then the socket's end,
 * as in a PostgreSQL failover), and an 'error' event with no listener crashes the process (seen
 * in the failover e2e). Whoever saw the first error has already discarded the connection, so
 * this listener has nothing left to do.
 */
export class ListeningPgClient extends Client {
  constructor(config?: string | ClientConfig) {
    super(config);
    this.on('error', ignoreLaterErrors);
  }
}

function ignoreLaterErrors(): void {
  // The connection is already being discarded (see above).
}
