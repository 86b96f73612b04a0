import { createRequire } from 'node:module';

/**
 * Validates a Kubernetes object against the JSON schema of its apiVersion/kind, offline.
 * The schemas are the Kubernetes OpenAPI definitions compiled to validators by the
 * kubernetes-models package (core APIs of Kubernetes 1.34) and @kubernetes-models/prometheus-operator
 * (ServiceMonitor, PrometheusRule CRDs). An object whose kind has no schema is an error, as with
 * kubeconform's -strict missing-schema handling: nothing is waved through.
 */
const load = createRequire(__filename);

type Model = { new (data: unknown): { validate(): void } };

const PACKAGES: Record<string, string> = {
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator/monitoring.coreos.com',
};

function modelFor(apiVersion: string, kind: string): Model {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const base = PACKAGES[group] ?? (group ? `kubernetes-models/${group}` : 'kubernetes-models');
  const module = load(`${base}/${version}/${kind}`) as Partial<Record<string, Model>>;
  const model = module[kind];
  if (!model) throw new Error(`no schema for ${apiVersion} ${kind}`);
  return model;
}

export function schemaProblems(object: { apiVersion?: string; kind?: string } | null | undefined): string[] {
  if (!object?.apiVersion || !object.kind) return ['apiVersion and kind are required'];
  let model: Model;
  try {
    model = modelFor(object.apiVersion, object.kind);
  } catch {
    return [`no Kubernetes schema for ${object.apiVersion} ${object.kind}`];
  }
  try {
    new model(object).validate();
    return [];
  } catch (error) {
    return [(error as Error).message];
  }
}
