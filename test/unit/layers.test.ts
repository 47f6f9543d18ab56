/**
 * The layers depend one way: src/util on nothing else in src/, src/ on codegen/ (the CLI's codegen
 * command) but never the reverse, and nothing outside test/ on test/ (bench/, examples/ and tools/
 * are shipped or run on their own).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;

/** Every relative import of every .ts file under `dir`, as repository paths. */
function importsUnder(dir: string): { file: string; target: string }[] {
  const found: { file: string; target: string }[] = [];
  for (const entry of readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const path = join(entry.parentPath, entry.name);
    if (path.includes(join('src', 'generated')) || path.includes('node_modules')) continue;
    for (const match of readFileSync(path, 'utf8').matchAll(SPECIFIER)) {
      const specifier = match[1] ?? '';
      if (!specifier.startsWith('.')) continue;
      found.push({ file: relative(ROOT, path), target: relative(ROOT, resolve(dirname(path), specifier)) });
    }
  }
  return found;
}

const outside = (imports: { file: string; target: string }[], allowed: (target: string) => boolean) =>
  imports.filter(({ target }) => !allowed(target)).map(({ file, target }) => `${file} → ${target}`);

describe('layers', () => {
  it('finds imports to check (the scan works)', () => {
    expect(importsUnder('src/recorder').length).toBeGreaterThan(10);
  });

  it('src/util imports nothing from the rest of src/', () => {
    expect(outside(importsUnder('src/util'), (target) => target.startsWith('src/util/'))).toEqual([]);
  });

  it('codegen/ imports nothing from src/', () => {
    expect(outside(importsUnder('codegen'), (target) => !target.startsWith('src/'))).toEqual([]);
  });

  it.each(['src', 'codegen', 'bench', 'examples', 'tools'])('%s/ imports nothing from test/', (dir) => {
    expect(outside(importsUnder(dir), (target) => !target.startsWith('test/'))).toEqual([]);
  });
});
