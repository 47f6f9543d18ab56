/** Where the harness lives and where its builds are cached (outside the repository). */
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const HARNESS_MODULE_DIR = join(REPO_ROOT, 'test', 'apiserver');
/** The Kubernetes version of the committed go.mod. */
export const DEFAULT_K8S_VERSION = 'v1.37.2';

/** `KUBE_EVENTS_CACHE_DIR`, else `$XDG_CACHE_HOME/kube-events`, else `~/.cache/kube-events`. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KUBE_EVENTS_CACHE_DIR !== undefined && env.KUBE_EVENTS_CACHE_DIR !== '')
    return resolve(env.KUBE_EVENTS_CACHE_DIR);
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.cache'), 'kube-events');
}
