import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importsOf, readWorkspace } from './read-workspace.js';
import { checkWorkspace, type Workspace, type WorkspacePackage } from './rules.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('the workspace', () => {
  it('keeps its layers one-way, its test helpers out of production code, and has no cycle', () => {
    const workspace = readWorkspace(ROOT);
    expect(workspace.packages.length).toBeGreaterThan(10);
    expect(checkWorkspace(workspace)).toEqual([]);
  });
});

const pkg = (name: string, over: Partial<WorkspacePackage> = {}): WorkspacePackage => ({
  name,
  entries: ['.'],
  dependencies: [],
  devDependencies: [],
  files: [],
  ...over,
});
const file = (path: string, specifiers: string[], test = false) => ({
  path,
  test,
  imports: specifiers.map((specifier) => ({ specifier, dynamic: false })),
});
const workspace = (...packages: WorkspacePackage[]): Workspace => ({
  packages,
  rootDevDependencies: ['@tagpulse/testkit'],
});

describe('checkWorkspace', () => {
  const core = pkg('@tagpulse/core');

  it('refuses an import of a package above or beside the importer', () => {
    const db = pkg('@tagpulse/db', {
      dependencies: ['@tagpulse/reports', '@tagpulse/queue'],
      files: [file('packages/db/src/a.ts', ['@tagpulse/reports', '@tagpulse/queue'])],
    });
    expect(checkWorkspace(workspace(core, db, pkg('@tagpulse/reports'), pkg('@tagpulse/queue')))).toEqual([
      '@tagpulse/db: depends on @tagpulse/reports, not below it',
      '@tagpulse/db: depends on @tagpulse/queue, not below it',
      'packages/db/src/a.ts: imports @tagpulse/reports, which is not below @tagpulse/db',
      'packages/db/src/a.ts: imports @tagpulse/queue, which is not below @tagpulse/db',
    ]);
  });

  it('refuses test helpers in production code, and allows them in tests and fixtures', () => {
    const api = pkg('@tagpulse/api', {
      dependencies: ['@tagpulse/db'],
      files: [
        file('services/api/src/app.ts', [
          '@tagpulse/testkit/db',
          './testing/test-app.js',
          '@tagpulse/db/testing',
        ]),
        file('services/api/src/app.int.test.ts', ['@tagpulse/testkit/db', './testing/test-app.js']),
        file('services/api/src/testing/test-app.ts', ['@tagpulse/testkit/queue'], true),
      ],
    });
    api.files[1]!.test = true;
    expect(checkWorkspace(workspace(core, pkg('@tagpulse/db'), api))).toEqual([
      'services/api/src/app.ts: production code imports the test helper @tagpulse/testkit/db',
      "services/api/src/app.ts: imports @tagpulse/testkit, not in @tagpulse/api's dependencies",
      'services/api/src/app.ts: production code imports the test helper ./testing/test-app.js',
      'services/api/src/app.ts: production code imports the test helper @tagpulse/db/testing',
      'services/api/src/app.ts: imports @tagpulse/db/testing, which @tagpulse/db does not export',
    ]);
  });

  it('refuses an import its package does not declare', () => {
    const queue = pkg('@tagpulse/queue', { files: [file('packages/queue/src/q.ts', ['@tagpulse/core'])] });
    expect(checkWorkspace(workspace(core, queue))).toEqual([
      "packages/queue/src/q.ts: imports @tagpulse/core, not in @tagpulse/queue's dependencies",
    ]);
  });

  it('finds a workspace cycle through development dependencies', () => {
    const xClient = pkg('@tagpulse/x-client', { devDependencies: ['@tagpulse/x-sim'] });
    const xSim = pkg('@tagpulse/x-sim', { devDependencies: ['@tagpulse/x-client'] });
    expect(checkWorkspace(workspace(core, xClient, xSim))).toEqual([
      'workspace cycle: @tagpulse/x-client → @tagpulse/x-sim → @tagpulse/x-client',
    ]);
  });

  it('refuses an import of an entry its package does not export', () => {
    const api = pkg('@tagpulse/api', {
      dependencies: ['@tagpulse/db'],
      files: [file('services/api/src/a.int.test.ts', ['@tagpulse/db/testing'], true)],
    });
    expect(checkWorkspace(workspace(core, pkg('@tagpulse/db'), api))).toEqual([
      'services/api/src/a.int.test.ts: imports @tagpulse/db/testing, which @tagpulse/db does not export',
    ]);
  });

  it('names a package in no layer', () => {
    expect(checkWorkspace(workspace(core, pkg('@tagpulse/usecases-next')))).toEqual([
      '@tagpulse/usecases-next: in no layer (add it to LAYERS in test/architecture/rules.ts)',
    ]);
  });
});

describe('importsOf', () => {
  it('reads static, multi-line, re-exported, side-effect and dynamic imports, not comments', () => {
    const source = [
      "import { a } from '@tagpulse/core';",
      'import {',
      '  type B,',
      "} from './b.js';",
      "export { c } from '../c.js';",
      "import 'side-effect';",
      "// import { d } from '@tagpulse/testkit/db';",
      "const e = await import('@tagpulse/bench');",
    ].join('\n');
    expect(importsOf(source)).toEqual([
      { specifier: '@tagpulse/core', dynamic: false },
      { specifier: './b.js', dynamic: false },
      { specifier: '../c.js', dynamic: false },
      { specifier: 'side-effect', dynamic: false },
      { specifier: '@tagpulse/bench', dynamic: true },
    ]);
  });
});
