import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { SourceFile, SourceImport, Workspace, WorkspacePackage } from './rules.js';

/** The workspace packages pnpm-workspace.yaml names (`dir/*` or `dir`), read from disk. */
export function readWorkspace(root: string): Workspace {
  const yaml = readFileSync(path.join(root, 'pnpm-workspace.yaml'), 'utf8');
  const block = /^packages:\n((?:\s+-\s.*\n)+)/m.exec(yaml)?.[1] ?? '';
  const globs = [...block.matchAll(/-\s+(\S+)/g)].map((m) => m[1] as string);
  const dirs = globs.flatMap((glob) =>
    glob.endsWith('/*')
      ? readdirSync(path.join(root, glob.slice(0, -2)), { withFileTypes: true })
          .filter((d) => d.isDirectory())
          .map((d) => path.join(glob.slice(0, -2), d.name))
      : [glob],
  );
  const rootManifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  return {
    packages: dirs.map((dir) => readPackage(root, dir)),
    rootDevDependencies: Object.keys(rootManifest.devDependencies ?? {}),
  };
}

function readPackage(root: string, dir: string): WorkspacePackage {
  const manifest = JSON.parse(readFileSync(path.join(root, dir, 'package.json'), 'utf8'));
  return {
    name: manifest.name,
    entries: Object.keys(manifest.exports ?? {}),
    dependencies: Object.keys(manifest.dependencies ?? {}),
    devDependencies: Object.keys(manifest.devDependencies ?? {}),
    files: sourceFiles(root, path.join(dir, 'src')),
  };
}

function sourceFiles(root: string, dir: string): SourceFile[] {
  return readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(ts|mts|js|mjs)$/.test(f) && !f.split(path.sep).includes('node_modules'))
    .map((f) => {
      const file = path.join(dir, f);
      return {
        path: file.split(path.sep).join('/'),
        test: /\.test\.ts$/.test(f) || f.split(path.sep).includes('testing'),
        imports: importsOf(readFileSync(path.join(root, file), 'utf8')),
      };
    });
}

/** The module specifiers of a source file: static imports and re-exports, and `import()` calls. */
export function importsOf(source: string): SourceImport[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const found: SourceImport[] = [];
  for (const m of code.matchAll(/^\s*(?:import|export)\b[^'";]*?\bfrom\s*['"]([^'"]+)['"]/gm))
    found.push({ specifier: m[1] as string, dynamic: false });
  for (const m of code.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm))
    found.push({ specifier: m[1] as string, dynamic: false });
  for (const m of code.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g))
    found.push({ specifier: m[1] as string, dynamic: true });
  return found;
}
