/**
 * `kshare/web`: the dashboard of `kshare web` as a library, to serve it inside another server —
 * typically an App's HTTP endpoint, next to `/healthz` and `/metrics`:
 *
 * ```ts
 * const dashboard = createDashboard(await loadWebDependencies(), { kafka, prefix: '/kshare' })
 * await dashboard.ready()
 * app.http!.route('/kshare/*', dashboard.routing) // app.http exists when the App has an `http` option
 * ```
 *
 * fastify, eta and uplot are optional peer dependencies: {@link loadWebDependencies} names the
 * missing ones in a {@link MissingWebDependencyError}.
 */
export { createDashboard, DEFAULT_DISMISSED_TOPIC, DEFAULT_REPORTS_TOPIC, LOOPBACK_NAMES, type DashboardOptions } from './server.js'
export { loadWebDependencies, MissingWebDependencyError, type Dashboard, type Templates, type WebDependencies } from './dependencies.js'
