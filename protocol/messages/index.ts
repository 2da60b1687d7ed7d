/** Every API kshare declares, one module each. */
export { ApiVersions } from './api-versions.js'
