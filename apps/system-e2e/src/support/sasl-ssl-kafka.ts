import { readFile } from 'node:fs/promises';
import { freePort } from './isolated-resources';
import { PrivateKafka } from './private-kafka';
import { CertificateFiles } from './test-certificates';

export interface SaslSslKafka {
  broker: PrivateKafka;
  /** Bootstrap through the SASL_SSL listener, by the name its certificate carries. */
  bootstrap: string;
  username: string;
  password: string;
}

/**
 * A private broker whose client listener is SASL_SSL only (SCRAM-SHA-512, SCRAM-SHA-256 and
 * PLAIN, the test's certificates, PEM); one user, created by SCRAM at storage format time
 * and known to PLAIN. Broker-internal traffic uses a plaintext listener on 127.0.0.1.
 */
export async function startSaslSslKafka(certificates: CertificateFiles): Promise<SaslSslKafka> {
  const username = 'orders-app';
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  const internal = await freePort();
  let bootstrap = '';
  const broker = await PrivateKafka.start({
    addScram: [`SCRAM-SHA-512=[name=${username},password=${password}]`, `SCRAM-SHA-256=[name=${username},password=${password}]`],
    properties: async (port, controller) => {
      bootstrap = `localhost:${port}`;
      return [
        `listeners=SASL_SSL://127.0.0.1:${port},INTERNAL://127.0.0.1:${internal},CONTROLLER://127.0.0.1:${controller}`,
        `advertised.listeners=SASL_SSL://localhost:${port},INTERNAL://127.0.0.1:${internal}`,
        'inter.broker.listener.name=INTERNAL',
        'listener.security.protocol.map=SASL_SSL:SASL_SSL,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT',
        'sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256,PLAIN',
        'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
        'listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
        `listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_${username}="${password}";`,
        'ssl.keystore.type=PEM',
        `ssl.keystore.certificate.chain=${await pemLine(certificates.serverCert)}`,
        `ssl.keystore.key=${await pemLine(certificates.serverKey)}`,
        'ssl.truststore.type=PEM',
        `ssl.truststore.certificates=${await pemLine(certificates.caCert)}`,
        '',
      ].join('\n');
    },
  });
  return { broker, bootstrap, username, password };
}

/** A PEM file as one properties value (line breaks escaped). */
async function pemLine(file: string): Promise<string> {
  return (await readFile(file, 'utf8')).trim().split('\n').join('\\n\\\n');
}
