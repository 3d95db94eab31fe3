// The package order, checked by `npm run check:deps` (dependency-cruiser). An arrow is "may import":
//   core → nothing of the repository
//   datasets → core          db → core          platform → core, datasets, db
//   apps/runner, apps/web → any package, never each other
//   e2e → anything; nothing imports e2e
// and no module-level cycle anywhere. Each rule matches both the resolved path (`apps/web/…`) and
// the bare name (`@linkboard/web`), so an import of a workspace that is not a dependency, which
// does not resolve, is caught all the same.
const fs = require('node:fs');
const path = require('node:path');

const ROOT = __dirname;

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A workspace: its folder and its bare name. */
const PACKAGES = ['core', 'datasets', 'db', 'platform'];
const APPS = ['runner', 'web'];
const folderOf = (name) =>
  PACKAGES.includes(name) ? `packages/${name}` : APPS.includes(name) ? `apps/${name}` : name;

/** The workspaces named, by their resolved path or by their bare name (subpath exports too). */
const workspaces = (...names) =>
  `^(?:${names.map((name) => `${folderOf(name)}/`).join('|')}|@linkboard/(?:${names.join('|')})(?:/|$))`;

// Everything of the repository a module resolves to: a path under one of its top-level entries
// (node_modules and dot-folders aside), listed when the check runs. Node's built-ins and npm
// packages (resolved under node_modules/) are not of the repository.
const TOP_LEVEL = fs
  .readdirSync(ROOT, { withFileTypes: true })
  .filter((entry) => !entry.name.startsWith('.') && entry.name !== 'node_modules')
  .map((entry) =>
    entry.isDirectory() ? `${escapeRegExp(entry.name)}/` : `${escapeRegExp(entry.name)}$`,
  );

// The shared attack corpus is data (JSON), which core's tests read; it is not a package.
const DATA = 'corpus/.+\\.json$';

/** A package that may import only itself and the packages `allowed`: anything else of the repo. */
const onlyImports = (name, allowed) => {
  const own = [name, ...allowed];
  const ownFolders = own.map((n) => `${folderOf(n)}/`).join('|');
  return {
    name: allowed.length
      ? `${name}-imports-only-${allowed.join('-')}`
      : `${name}-imports-nothing-of-the-repo`,
    severity: 'error',
    comment: allowed.length
      ? `${folderOf(name)} may import ${allowed.map((n) => `@linkboard/${n}`).join(', ')} and nothing else of the repository.`
      : `${folderOf(name)} imports nothing of the repository: no other @linkboard/* package, no relative path out of ${folderOf(name)}.`,
    from: { path: `^${folderOf(name)}/` },
    to: {
      path: `^(?:(?!${ownFolders}|${DATA})(?:${TOP_LEVEL.join('|')})|@linkboard/(?!(?:${own.join('|')})(?:/|$)))`,
      dependencyTypesNot: ['core'],
    },
  };
};

/**
 * apps/web's `~/` alias. dependency-cruiser 17 hands tsconfig-paths a baseUrl of "./" (the working
 * folder) when the tsconfig has none, which would send `~/x` to <root>/src/x; so it reads a small
 * tsconfig that extends apps/web's and adds the baseUrl its paths are relative to, kept with the
 * tools' caches in node_modules/.cache (ignored). Written only when its text changes, by rename, so
 * concurrent runs are safe.
 */
const webTsConfig = () => {
  const web = path.join(ROOT, 'apps', 'web');
  if (!fs.existsSync(path.join(web, 'tsconfig.json'))) return undefined;
  const dir = path.join(ROOT, 'node_modules', '.cache', 'linkboard-depcruise');
  const file = path.join(dir, 'web.tsconfig.json');
  // Relative to this file's folder, as both TypeScript and tsconfig-paths read them.
  const relative = (to) => path.relative(dir, to).split(path.sep).join('/');
  const text = `${JSON.stringify({
    extends: relative(path.join(web, 'tsconfig.json')),
    compilerOptions: { baseUrl: relative(web) },
  })}\n`;
  let current;
  try {
    current = fs.readFileSync(file, 'utf8');
  } catch {
    current = undefined;
  }
  if (current !== text) {
    fs.mkdirSync(dir, { recursive: true });
    const partial = `${file}.${process.pid}`;
    fs.writeFileSync(partial, text);
    fs.renameSync(partial, file);
  }
  return file;
};

const tsConfig = webTsConfig();

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'No module-level import cycle, within a package or across packages. A cycle that goes ' +
        'through a type-only import (`import type`, erased at compile time) does not exist at run ' +
        'time and is allowed.',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    onlyImports('core', []),
    onlyImports('datasets', ['core']),
    onlyImports('db', ['core']),
    onlyImports('platform', ['core', 'datasets', 'db']),
    {
      name: 'packages-import-no-app-or-e2e',
      severity: 'error',
      comment:
        'Nothing under packages/ imports an app or e2e (a package not named above included).',
      from: { path: '^packages/', pathNot: `^packages/(?:${PACKAGES.join('|')})/` },
      to: { path: workspaces(...APPS, 'e2e') },
    },
    {
      name: 'runner-does-not-import-web',
      severity: 'error',
      comment: 'The apps never import each other: apps/runner does not import apps/web.',
      from: { path: '^apps/runner/' },
      to: { path: workspaces('web') },
    },
    {
      name: 'web-does-not-import-runner',
      severity: 'error',
      comment: 'The apps never import each other: apps/web does not import apps/runner.',
      from: { path: '^apps/web/' },
      to: { path: workspaces('runner') },
    },
    {
      name: 'nothing-imports-e2e',
      severity: 'error',
      comment: 'e2e may import anything; nothing imports e2e.',
      from: { pathNot: '^e2e/' },
      to: { path: workspaces('e2e') },
    },
  ],
  options: {
    doNotFollow: { path: ['(^|/)node_modules/'] },
    exclude: {
      path: [
        '(^|/)node_modules/',
        '(^|/)\\.next/',
        '(^|/)\\.turbo/',
        '(^|/)dist/',
        '(^|/)coverage/',
        '^e2e/(test-results|playwright-report)/',
        '^clients/',
      ],
    },
    // Type-only imports count for the order (a package may not name another's types either).
    tsPreCompilationDeps: true,
    ...(tsConfig ? { tsConfig: { fileName: tsConfig } } : {}),
    enhancedResolveOptions: {
      // The workspaces' subpath exports (`@linkboard/db/testing`) point at TypeScript source.
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: {},
  },
};
