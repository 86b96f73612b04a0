import { Client, Pool } from 'pg';
import { ListeningPgClient } from './listening-pg-client';

describe('ListeningPgClient', () => {
  const terminated = () => Object.assign(new Error('terminating connection due to unexpected postmaster exit'), { code: '57P01' });

  it('hears a connection error that no one else listens for (a plain pg client throws it)', () => {
    expect(() => new Client().emit('error', terminated())).toThrow('terminating connection');
    expect(() => new ListeningPgClient().emit('error', terminated())).not.toThrow();
  });

  it('still lets the pool and TypeORM hear errors with their own listeners', () => {
    const client = new ListeningPgClient();
    const heard: string[] = [];
    client.once('error', (error: Error) => heard.push(error.message));
    client.emit('error', terminated());
    client.emit('error', new Error('Connection terminated unexpectedly'));
    expect(heard).toEqual(['terminating connection due to unexpected postmaster exit']);
  });

  it('is the class a pool builds its clients from when passed as Client', async () => {
    const pool = new Pool({ host: '127.0.0.1', user: 'postgres', database: 'postgres', max: 1, Client: ListeningPgClient });
    try {
      const client = await pool.connect();
      expect(client).toBeInstanceOf(ListeningPgClient);
      client.release();
    } finally {
      await pool.end();
    }
  });
});
