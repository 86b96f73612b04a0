import request from 'supertest';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Samples of a Prometheus text exposition (format 0.0.4), comments skipped. */
export function parsePrometheusText(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const label of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[label[1]] = label[2].replace(/\\(.)/g, (_, escaped: string) => (escaped === 'n' ? '\n' : escaped));
    }
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

/** One scrape of an app's /metrics, over HTTP like Prometheus does it. */
export class Scrape {
  private constructor(readonly samples: Sample[]) {}

  static async of(baseUrl: string): Promise<Scrape> {
    const response = await request(baseUrl).get('/metrics');
    if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    return new Scrape(parsePrometheusText(response.text));
  }

  /** Samples named `name` whose labels include `labels`. */
  all(name: string, labels: Record<string, string> = {}): Sample[] {
    return this.samples.filter((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value));
  }

  /** The value of the one matching sample; 0 when none (a labelled counter not yet incremented). */
  value(name: string, labels: Record<string, string> = {}): number {
    const matches = this.all(name, labels);
    if (matches.length > 1) throw new Error(`${matches.length} samples of ${name} match ${JSON.stringify(labels)}`);
    return matches[0]?.value ?? 0;
  }
}
