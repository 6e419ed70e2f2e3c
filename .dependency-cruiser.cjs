/**
 * Layer rules (docs/architecture.md, "Boundaries"), run by scripts/test.sh:
 * `npx depcruise src --config .dependency-cruiser.cjs`. Routes translate, services decide,
 * src/db holds all SQL; the worker runs jobs beside the services, never through them.
 * Modules both services and the worker use (src/events, src/views, src/webhooks, src/crypto,
 * src/platforms) sit outside both, so these rules allow them.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'An import cycle makes load order matter and the layers meaningless.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'routes-not-db',
      severity: 'error',
      comment: 'Routes translate HTTP to a service call; SQL and transactions belong to services and src/db.',
      from: { path: '^src/routes/' },
      to: { path: '^src/db/' },
    },
    {
      name: 'console-not-db',
      severity: 'error',
      comment: 'The operator console reads and acts only through the operator plane\'s services: no second path to the data.',
      from: { path: '^src/console/' },
      to: { path: '^src/db/' },
    },
    {
      name: 'worker-not-services',
      severity: 'error',
      comment: 'The worker runs jobs on src/db (and src/events); what it shares with services lives outside both.',
      from: { path: '^src/worker/' },
      to: { path: '^src/services/' },
    },
    {
      name: 'db-is-the-bottom',
      severity: 'error',
      comment: 'src/db knows SQL only: not HTTP, routes, services, the worker or events.',
      from: { path: '^src/db/' },
      to: { path: '^src/(http|routes|services|worker|events|cli)/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that resolves to nothing.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
