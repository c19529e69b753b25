/**
 * The workspace's dependency rules as one pure function over what the reader found, so a test
 * can feed it a broken workspace and see each rule fail. The layers are the ones
 * docs/ARCHITECTURE.md draws: a package may import only packages of a lower layer.
 */
export const LAYERS: Record<string, number> = {
  '@tagpulse/core': 0,
  '@tagpulse/db': 1,
  '@tagpulse/x-client': 1,
  '@tagpulse/mastodon-client': 1,
  '@tagpulse/bluesky-client': 1,
  '@tagpulse/queue': 1,
  '@tagpulse/notify': 1,
  '@tagpulse/runtime': 1,
  '@tagpulse/migrations': 1,
  '@tagpulse/usecases': 2,
  // Report building and schedules: use cases on top of the general ones (scopes, series).
  '@tagpulse/reports': 3,
  '@tagpulse/api': 4,
  '@tagpulse/worker': 4,
  '@tagpulse/x-sim': 4,
  // The command that starts every service sits above them.
  '@tagpulse/cli': 5,
};

/** Packages for tests and benchmarks only: no production file may import them. */
export const DEV_ONLY = new Set(['@tagpulse/testkit', '@tagpulse/bench']);

/** The one production import of a development package: the CLI's lazy, guarded load of the benches. */
const ALLOWED_DYNAMIC = [{ file: 'services/cli/src/bench-command.ts', specifier: '@tagpulse/bench' }];

export interface SourceImport {
  specifier: string;
  dynamic: boolean;
}

export interface SourceFile {
  /** Relative to the repository root. */
  path: string;
  /** A test, or a fixture under a `testing/` folder: may import test helpers. */
  test: boolean;
  imports: SourceImport[];
}

export interface WorkspacePackage {
  name: string;
  /** The package.json `exports` keys: `.`, `./db`, … */
  entries: string[];
  dependencies: string[];
  devDependencies: string[];
  files: SourceFile[];
}

export interface Workspace {
  packages: WorkspacePackage[];
  /** The root package.json's devDependencies: test tooling every package's tests may use. */
  rootDevDependencies: string[];
}

const packageOf = (specifier: string): string | undefined => /^@tagpulse\/[^/]+/.exec(specifier)?.[0];
const isTestEntry = (specifier: string) =>
  DEV_ONLY.has(packageOf(specifier) ?? '') || /(^|\/)testing(\/|$)/.test(specifier);

/** Every broken rule, one line each, naming the file or package. */
export function checkWorkspace(workspace: Workspace): string[] {
  const problems: string[] = [];
  const names = new Set(workspace.packages.map((p) => p.name));
  for (const pkg of workspace.packages) {
    const devOnly = DEV_ONLY.has(pkg.name);
    if (!devOnly && LAYERS[pkg.name] === undefined)
      problems.push(`${pkg.name}: in no layer (add it to LAYERS in test/architecture/rules.ts)`);
    for (const dep of pkg.dependencies.filter((d) => names.has(d)))
      if (!devOnly && !below(dep, pkg.name)) problems.push(`${pkg.name}: depends on ${dep}, not below it`);
    for (const file of pkg.files) problems.push(...checkFile(pkg, file, workspace.rootDevDependencies));
    for (const file of pkg.files) problems.push(...checkEntries(file, workspace.packages));
  }
  const cycle = findCycle(
    workspace.packages.filter((p) => names.has(p.name)),
    names,
  );
  if (cycle) problems.push(`workspace cycle: ${cycle.join(' → ')}`);
  return problems;
}

function below(dep: string, of: string): boolean {
  const [a, b] = [LAYERS[dep], LAYERS[of]];
  return a !== undefined && b !== undefined && a < b;
}

function checkFile(pkg: WorkspacePackage, file: SourceFile, rootDev: string[]): string[] {
  const problems: string[] = [];
  const production = !file.test && !DEV_ONLY.has(pkg.name);
  for (const { specifier, dynamic } of file.imports) {
    const target = packageOf(specifier);
    const allowed = ALLOWED_DYNAMIC.some((a) => dynamic && a.file === file.path && a.specifier === specifier);
    if (production && !allowed && isTestEntry(specifier))
      problems.push(`${file.path}: production code imports the test helper ${specifier}`);
    if (!target || target === pkg.name || allowed) continue;
    const declared = production
      ? pkg.dependencies.includes(target)
      : [...pkg.dependencies, ...pkg.devDependencies, ...rootDev].includes(target);
    if (!declared)
      problems.push(
        `${file.path}: imports ${target}, not in ${pkg.name}'s ${production ? '' : 'dev'}dependencies`,
      );
    if (production && !DEV_ONLY.has(target) && !below(target, pkg.name))
      problems.push(`${file.path}: imports ${target}, which is not below ${pkg.name}`);
  }
  return problems;
}

/** Imports of an entry the package does not export (a moved `testing` entry, say). */
function checkEntries(file: SourceFile, packages: WorkspacePackage[]): string[] {
  return file.imports.flatMap(({ specifier }) => {
    const target = packages.find((p) => p.name === packageOf(specifier));
    const entry = `.${specifier.slice(target?.name.length ?? 0)}`;
    return target && !target.entries.includes(entry)
      ? [`${file.path}: imports ${specifier}, which ${target.name} does not export`]
      : [];
  });
}

/** A cycle of workspace dependencies (development ones too: pnpm warns of those), or undefined. */
function findCycle(packages: WorkspacePackage[], names: Set<string>): string[] | undefined {
  const edges = new Map(
    packages.map((p) => [p.name, [...p.dependencies, ...p.devDependencies].filter((d) => names.has(d))]),
  );
  const done = new Set<string>();
  const visit = (name: string, path: string[]): string[] | undefined => {
    const at = path.indexOf(name);
    if (at >= 0) return [...path.slice(at), name];
    if (done.has(name)) return undefined;
    for (const next of edges.get(name) ?? []) {
      const cycle = visit(next, [...path, name]);
      if (cycle) return cycle;
    }
    done.add(name);
    return undefined;
  };
  for (const name of edges.keys()) {
    const cycle = visit(name, []);
    if (cycle) return cycle;
  }
  return undefined;
}
