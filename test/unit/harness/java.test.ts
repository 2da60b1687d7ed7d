import t from 'tap'
import { findJava, findMaven, parseJavaMajor } from '../../harness/java.js'

t.test('reads the Java major version from `java -version` output', async (t) => {
  t.equal(parseJavaMajor('openjdk version "17.0.15" 2025-04-15\nOpenJDK Runtime Environment'), 17)
  t.equal(parseJavaMajor('openjdk version "25" 2025-09-16'), 25)
  t.equal(parseJavaMajor('java version "1.8.0_392"'), 8)
  t.equal(parseJavaMajor('no version here'), undefined)
})

t.test('no java on PATH and no JAVA_HOME: one line saying what to install', async (t) => {
  const err = t.throws(() => findJava({ PATH: '/nonexistent' }), { code: 'NO_JAVA' }) as Error
  t.match(err.message, /^no java on PATH \(and no JAVA_HOME\): install Java 17\+/)
  t.notMatch(err.message, /\n/)
})

t.test('a JAVA_HOME without bin/java is named', async (t) => {
  const err = t.throws(() => findJava({ JAVA_HOME: '/nonexistent-jdk', PATH: process.env.PATH }), { code: 'NO_JAVA' }) as Error
  t.match(err.message, /JAVA_HOME=\/nonexistent-jdk has no bin\/java/)
})

t.test('no mvn on PATH: one line saying what to install', async (t) => {
  const err = t.throws(() => findMaven({ PATH: '/nonexistent' }), { code: 'NO_MAVEN' }) as Error
  t.match(err.message, /^no mvn on PATH: install Maven 3/)
  t.notMatch(err.message, /\n/)
})
