import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { freePort } from './isolated-resources';
import { uniqueSuffix } from './test-env';

const run = promisify(execFile);
const ROOT = join(__dirname, '../../../..');

/**
 * A three-broker KRaft cluster of the test's own (`scripts/kafka.sh cluster`, each node
 * broker + controller on its own ports, replication factor 3, min.insync.replicas=2), so a
 * test can kill a broker without touching the broker other tests share.
 */
export class PrivateKafkaCluster {
  private constructor(
    readonly ports: number[],
    private readonly env: NodeJS.ProcessEnv,
    private readonly dir: string,
  ) {}

  get bootstrap(): string {
    return this.ports.map((port) => `127.0.0.1:${port}`).join(',');
  }

  static async start(): Promise<PrivateKafkaCluster> {
    const ports = [await freePort(), await freePort(), await freePort()];
    const controllers = [await freePort(), await freePort(), await freePort()];
    const dir = join(ROOT, '.local', `kafka-cluster-test-${uniqueSuffix()}`);
    const env = {
      ...process.env,
      KAFKA_CLUSTER_DIR: dir,
      KAFKA_CLUSTER_PORTS: ports.join(' '),
      KAFKA_CLUSTER_CONTROLLER_PORTS: controllers.join(' '),
      KAFKA_START_TIMEOUT: '120',
    };
    const cluster = new PrivateKafkaCluster(ports, env, dir);
    await cluster.script('start');
    return cluster;
  }

  /** Brings back any node that is down (a node that runs is left alone). */
  async start(): Promise<void> {
    await this.script('start');
  }

  /** SIGKILL of one broker (node ids 1..3): no controlled shutdown, no leadership hand-over. */
  killNode(nodeId: number): void {
    const pid = Number(readFileSync(join(this.dir, `node-${nodeId}`, 'kafka.pid'), 'utf8').trim());
    process.kill(pid, 'SIGKILL');
  }

  /** Kills the brokers (their data goes anyway; a controlled shutdown of the last one waits for a quorum) and deletes their data. */
  async destroy(): Promise<void> {
    for (const nodeId of [1, 2, 3]) {
      try {
        this.killNode(nodeId);
      } catch {
        // not running
      }
    }
    await this.script('stop').catch(() => undefined); // waits for the pids to go, removes the pid files
    await rm(this.dir, { recursive: true, force: true });
  }

  /** Partition leaders per broker over the given topics, and how many partitions lack a full ISR. */
  async leadership(topics: string[]): Promise<{ leaders: Map<number, number>; underReplicated: number }> {
    const admin = new Kafka({ clientId: 'cluster-probe', brokers: this.bootstrap.split(','), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const { topics: metadata } = await admin.fetchTopicMetadata({ topics });
      const leaders = new Map<number, number>();
      let underReplicated = 0;
      for (const topic of metadata) {
        for (const partition of topic.partitions) {
          leaders.set(partition.leader, (leaders.get(partition.leader) ?? 0) + 1);
          if (partition.isr.length < partition.replicas.length) underReplicated += 1;
        }
      }
      return { leaders, underReplicated };
    } finally {
      await admin.disconnect();
    }
  }

  private async script(command: string): Promise<void> {
    await run('bash', [join(ROOT, 'scripts/kafka.sh'), 'cluster', command], { env: this.env, timeout: 180_000 });
  }
}
