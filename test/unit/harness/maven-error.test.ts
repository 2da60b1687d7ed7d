import t from 'tap'
import { mavenError } from '../../harness/jars.js'

// Real Maven 3.8.7 output captured on this project's machine (ANSI escapes included).
const UNKNOWN = '\u001b[0m\u001b[0m[ERROR] Failed to execute goal on project kafka-test-broker: Could not resolve dependencies for project local.kshare:kafka-test-broker:pom:0: The following artifacts could not be resolved: org.apache.kafka:kafka_2.13:jar:4.9.9, org.apache.kafka:kafka-tools:jar:4.9.9: Could not find artifact org.apache.kafka:kafka_2.13:jar:4.9.9 in central (https://repo.maven.apache.org/maven2) -> [Help 1]\n[ERROR] \n[ERROR] To see the full stack trace of the errors, re-run Maven with the -e switch.\n'
// Second attempt: Maven remembers the miss in ~/.m2.
const CACHED_MISS = '\u001b[0m\u001b[0m[ERROR] Failed to execute goal on project kafka-test-broker: Could not resolve dependencies for project local.kshare:kafka-test-broker:pom:0: The following artifacts could not be resolved: org.apache.kafka:kafka_2.13:jar:4.9.9, org.apache.kafka:kafka-tools:jar:4.9.9: org.apache.kafka:kafka_2.13:jar:4.9.9 was not found in https://repo.maven.apache.org/maven2 during a previous attempt. This failure was cached in the local repository and resolution is not reattempted until the update interval of central has elapsed or updates are forced -> [Help 1]\n[ERROR] \n'
// Repository unreachable (a mirror on a host that does not resolve, empty local repository).
const OFFLINE = '\u001b[0m\u001b[0m[ERROR] Plugin org.apache.maven.plugins:maven-dependency-plugin:3.8.1 or one of its dependencies could not be resolved: Failed to read artifact descriptor for org.apache.maven.plugins:maven-dependency-plugin:jar:3.8.1: Could not transfer artifact org.apache.maven.plugins:maven-dependency-plugin:pom:3.8.1 from/to bad (https://no-such-host.invalid/maven2): transfer failed for https://no-such-host.invalid/maven2/org/apache/maven/plugins/maven-dependency-plugin/3.8.1/maven-dependency-plugin-3.8.1.pom: no-such-host.invalid: Name or service not known -> [Help 1]\n[ERROR] \n'

t.test('a version missing from Maven Central becomes one UNKNOWN_VERSION line', async (t) => {
  for (const out of [UNKNOWN, CACHED_MISS]) {
    const e = mavenError('4.9.9', out)
    t.equal(e.code, 'UNKNOWN_VERSION')
    t.equal(e.message, 'Kafka 4.9.9 is not on Maven Central (org.apache.kafka:kafka_2.13:4.9.9 not found); set KAFKA_VERSION to a released version such as 4.4.0')
  }
})

t.test('network trouble is named as such', async (t) => {
  const e = mavenError('4.3.0', OFFLINE)
  t.equal(e.code, 'RESOLVE_FAILED')
  t.match(e.message, /^cannot download Kafka 4\.3\.0 jars from Maven Central \(network\?\)/)
  t.notMatch(e.message, /\n/)
})

t.test('anything else keeps Maven\'s first error line', async (t) => {
  const e = mavenError('4.4.0', '[ERROR] Some other failure -> [Help 1]\n[ERROR] more\n')
  t.equal(e.code, 'RESOLVE_FAILED')
  t.equal(e.message, 'mvn failed to resolve Kafka 4.4.0 jars: Some other failure')
})
