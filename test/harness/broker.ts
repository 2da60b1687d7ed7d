import type { BrokerHandle } from './broker-types.js'
import { composeDown, composeUp } from './docker.js'
import { BrokerHarnessError } from './errors.js'
import { DEFAULT_BROKER_PORT, startLocalBroker, stopLocalBroker, type LocalBrokerOptions, type StopOptions } from './local-broker.js'
import { requestedKafkaVersion } from './version.js'

/** Options of {@link startBroker}. */
export interface StartBrokerOptions extends LocalBrokerOptions {
  /**
   * `local` (default): JVM processes from Maven-resolved jars. `docker`: `docker compose up`
   * with `docker-compose.yml` — single node on a fixed port only, without extra properties.
   */
  mode?: 'local' | 'docker'
}

/**
 * Starts a Kafka broker (or cluster) and resolves once every node answers. This is the API
 * for tests that need a broker of their own — e.g. to stop or restart it — which should pass
 * `port: 'auto'` (or use {@link startPrivateBroker}) so they never disturb the shared broker.
 * Throws {@link BrokerHarnessError}.
 */
export async function startBroker (opts: StartBrokerOptions = {}): Promise<BrokerHandle> {
  if (opts.mode === 'docker') {
    if ((opts.brokers ?? 1) !== 1 || opts.port === 'auto' || opts.serverProperties !== undefined ||
      opts.features !== undefined || opts.secure === true) {
      throw new BrokerHarnessError('BAD_OPTIONS', 'the docker broker is docker-compose.yml as written: one node on a fixed port; use mode local for anything else')
    }
    return await composeUp(opts.version ?? requestedKafkaVersion(), opts.port ?? DEFAULT_BROKER_PORT,
      opts.log ?? ((line) => process.stderr.write(line + '\n')))
  }
  return await startLocalBroker(opts)
}

/**
 * A broker only for the caller: free ports, killed when this process exits even if the test
 * forgets {@link stopBroker}. What a test that stops or restarts brokers should use.
 */
export async function startPrivateBroker (opts: Omit<StartBrokerOptions, 'mode' | 'port' | 'controllerPort' | 'outliveProcess'> = {}): Promise<BrokerHandle> {
  return await startLocalBroker({ ...opts, port: 'auto', outliveProcess: false })
}

/**
 * Stops what {@link startBroker} started and removes its work directory. An `external`
 * handle (KAFKA_BOOTSTRAP) is left alone: the harness never stops a broker it did not start.
 */
export async function stopBroker (handle: BrokerHandle, opts: StopOptions = {}): Promise<void> {
  if (handle.mode === 'local') await stopLocalBroker(handle, opts)
  else if (handle.mode === 'docker') await composeDown(handle)
}
