/**
 * The layer rule of kshare, enforced by dependency-cruiser over the TypeScript sources
 * (test/unit/layers.test.ts runs it in `npm test`; by hand: `npm run lint:layers`).
 *
 *   protocol ← client ← framework
 *                    ↖ cli (may also use framework)
 *
 * Imports only go down, nothing is circular, and nothing in the product (what package.json
 * "files" ships) imports tests, benchmarks, scripts or examples, which may import anything.
 * Type-only imports count for the layers and for cycles: a module that names another's types
 * depends on it.
 */
const PRODUCT = '^(protocol|client|framework|cli)/|^index\\.ts$'

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      // Type-only imports included: `import type` is erased, so no load order is at stake, but
      // two modules that name each other's types are one module in two files. The part that
      // points back at its owner declares the small interface it needs, and the owner implements it.
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle of imports, type-only ones included: declare the shared shape where both sides import it without a loop.',
      from: {},
      to: { circular: true }
    },
    {
      name: 'protocol-is-the-bottom',
      severity: 'error',
      comment: 'protocol/ is pure wire format: it imports nothing of client/, framework/ or cli/.',
      from: { path: '^protocol/' },
      to: { path: '^(client|framework|cli)/' }
    },
    {
      name: 'client-uses-protocol-only',
      severity: 'error',
      comment: 'client/ sits on protocol/ alone; framework/ and cli/ are built on top of it.',
      from: { path: '^client/' },
      to: { path: '^(framework|cli)/' }
    },
    {
      name: 'framework-not-cli',
      severity: 'error',
      comment: 'framework/ sits beside cli/, not on it.',
      from: { path: '^framework/' },
      to: { path: '^cli/' }
    },
    {
      name: 'only-the-entry-imports-the-entry',
      severity: 'error',
      comment: 'The top-level index.ts re-exports the layers; a layer importing it would import every layer.',
      from: { path: '^(protocol|client|framework|cli)/' },
      to: { path: '^index\\.ts$' }
    },
    {
      name: 'product-not-to-dev-code',
      severity: 'error',
      comment: 'test/, bench/, scripts/ and examples/ are not shipped: the product cannot import them.',
      from: { path: PRODUCT },
      to: { path: '^(test|bench|scripts|examples)/' }
    },
    {
      name: 'product-not-to-dev-deps',
      severity: 'error',
      comment: 'A devDependency is not installed for users: the product may only use "dependencies".',
      from: { path: PRODUCT },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] }
    },
    {
      name: 'not-to-unlisted-package',
      severity: 'error',
      comment: 'Every package imported is listed in package.json.',
      from: {},
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] }
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import the cruiser cannot resolve would slip past every rule above.',
      from: {},
      to: { couldNotResolve: true }
    }
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // test/fixtures/layers breaks every rule on purpose (test/unit/layers.test.ts cruises it alone).
    exclude: { path: '^(dist|node_modules|test/fixtures/layers)/' },
    // Type-only imports are dependencies too (see above).
    tsPreCompilationDeps: true,
    // Resolves the sources' NodeNext-style './x.js' specifiers to './x.ts'.
    tsConfig: { fileName: 'tsconfig.json' },
    // Packages' "exports" as Node resolves them (dependency-cruiser ignores the field by
    // default, and a package without "main" would count as unresolvable).
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] }
  }
}
