import { execFile } from 'node:child_process'
import { mkdirSync, readFileSync, realpathSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { BrokerHarnessError } from './errors.js'
import { findJava, findOnPath } from './java.js'

/** SCRAM-SHA-512 user created at format time on a `secure` harness broker. */
export const SCRAM_USERNAME = 'kshare'
/** Its password (a test credential, not a secret). */
export const SCRAM_PASSWORD = 'kshare-secret'
/** Password of the generated PKCS12 stores (test-only). */
const STORE_PASSWORD = 'kshare-store'

/** Files of a generated test CA and broker certificate. */
export interface TlsMaterial {
  /** CA certificate (PEM) clients must trust. */
  caCertFile: string
  /** Same, as text. */
  caCertPem: string
  /** PKCS12 keystore holding the broker key and the chain. */
  keystoreFile: string
  /** Its password. */
  keystorePassword: string
  /** Name in the certificate (also 127.0.0.1 as an IP SAN). */
  serverName: string
}

/** `keytool` of the JDK the harness uses (next to `java`), else the one on PATH. */
function findKeytool (): string {
  try {
    const beside = join(dirname(realpathSync(findJava())), 'keytool')
    realpathSync(beside)
    return beside
  } catch {
    const onPath = findOnPath('keytool')
    if (onPath === undefined) throw new BrokerHarnessError('NO_JAVA', 'no keytool next to java or on PATH: a full JDK/JRE is needed for the secure test broker')
    return onPath
  }
}

function keytool (bin: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err === null) resolve()
      else reject(new BrokerHarnessError('BAD_OPTIONS', `keytool ${args[0] ?? ''} failed: ${(stderr + stdout).trim().split('\n')[0] ?? err.message}`))
    })
  })
}

/**
 * Generates a throw-away CA and a broker certificate for `localhost` / `127.0.0.1` signed by
 * it, with the JDK's keytool (present wherever the broker can run, unlike openssl). Takes a
 * few seconds: one JVM per step.
 */
export async function createTlsMaterial (dir: string): Promise<TlsMaterial> {
  mkdirSync(dir, { recursive: true })
  const bin = findKeytool()
  const ca = join(dir, 'ca.p12')
  const caCertFile = join(dir, 'ca.crt')
  const keystoreFile = join(dir, 'broker.p12')
  const csr = join(dir, 'broker.csr')
  const cert = join(dir, 'broker.crt')
  const pw = STORE_PASSWORD
  const store = (file: string): string[] => ['-keystore', file, '-storetype', 'PKCS12', '-storepass', pw]
  // CA and broker key pairs are independent: generate both at once to halve the wait.
  await Promise.all([
    keytool(bin, ['-genkeypair', '-alias', 'ca', '-keyalg', 'RSA', '-keysize', '2048', '-dname', 'CN=kshare-test-ca',
      '-ext', 'bc:c', '-validity', '30', ...store(ca), '-keypass', pw]),
    keytool(bin, ['-genkeypair', '-alias', 'broker', '-keyalg', 'RSA', '-keysize', '2048', '-dname', 'CN=localhost',
      '-validity', '30', ...store(keystoreFile), '-keypass', pw])
  ])
  await Promise.all([
    keytool(bin, ['-exportcert', '-alias', 'ca', ...store(ca), '-rfc', '-file', caCertFile]),
    keytool(bin, ['-certreq', '-alias', 'broker', ...store(keystoreFile), '-file', csr])
  ])
  await keytool(bin, ['-gencert', '-alias', 'ca', ...store(ca), '-infile', csr, '-outfile', cert, '-rfc', '-validity', '30',
    '-ext', 'SAN=dns:localhost,ip:127.0.0.1', '-ext', 'KU=digitalSignature,keyEncipherment', '-ext', 'EKU=serverAuth'])
  await keytool(bin, ['-importcert', '-alias', 'ca', ...store(keystoreFile), '-file', caCertFile, '-noprompt'])
  await keytool(bin, ['-importcert', '-alias', 'broker', ...store(keystoreFile), '-file', cert, '-noprompt'])
  return { caCertFile, caCertPem: readFileSync(caCertFile, 'utf8'), keystoreFile, keystorePassword: pw, serverName: 'localhost' }
}

/** Server properties for the SASL_PLAINTEXT / SSL / SASL_SSL listeners of a secure broker. */
export function secureOverrides (tls: TlsMaterial): Record<string, string> {
  const scram = 'org.apache.kafka.common.security.scram.ScramLoginModule required;'
  return {
    'sasl.enabled.mechanisms': 'SCRAM-SHA-512',
    'listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config': scram,
    'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config': scram,
    'ssl.keystore.type': 'PKCS12',
    'ssl.keystore.location': tls.keystoreFile,
    'ssl.keystore.password': tls.keystorePassword,
    'ssl.key.password': tls.keystorePassword,
    'ssl.client.auth': 'none'
  }
}
