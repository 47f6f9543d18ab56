/**
 * `kube-events spec pull` (and `npm run spec:pull`) — reads /version, the events.k8s.io/v1 OpenAPI v3
 * document and the Event slice of the core/v1 one (codegen/core-spec.ts) from a live cluster
 * (connected like kubectl: any kubeconfig auth, or in-cluster) and stores them as
 * openapi/<gitVersion>/. Nothing is written unless both reads succeed.
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertEventsSpec } from '../../codegen/normalize.ts';
import { filterCoreEventsSpec } from '../../codegen/core-spec.ts';
import {
  CORE_SPEC_FILE_NAME,
  CORE_SPEC_URL_PATH,
  OPENAPI_DIR,
  parseVersion,
  sha256,
  SOURCE_FILE_NAME,
  SPEC_FILE_NAME,
  SPEC_URL_PATH,
  type SpecSource,
} from '../../codegen/spec-files.ts';
import { connect, type Connection } from '../connection/index.ts';
import { KubeEventsError } from '../errors.ts';

export interface PullOptions {
  kubeconfig?: string;
  context?: string;
  openapiDir?: string;
  now?: () => Date;
}

/** The cluster could not be read, or did not serve what spec:pull needs. */
export class SpecPullError extends KubeEventsError {
  override name = 'SpecPullError';
}

interface HttpResult {
  status: number;
  body: Buffer;
}

/** One GET with the connection's credentials; transport failures become a SpecPullError naming the server. */
async function get(connection: Connection, path: string): Promise<HttpResult> {
  try {
    const response = await connection.ky.get(`${connection.baseUrl}${path}`, {
      headers: { Accept: 'application/json' },
    });
    return { status: response.status, body: Buffer.from(await response.arrayBuffer()) };
  } catch (error) {
    const detail = error instanceof KubeEventsError ? error.message : String(error);
    throw new SpecPullError(`cannot reach ${connection.baseUrl} (from ${connection.origin}): ${detail}`, {
      cause: error,
    });
  }
}

export interface PullResult {
  dir: string;
  source: SpecSource;
}

function explainStatus(result: HttpResult, what: string, server: string): string | undefined {
  if (result.status === 200) return undefined;
  const detail = result.body.toString('utf8').slice(0, 300).trim();
  switch (result.status) {
    case 401:
      return `${server} refused the credentials (401 Unauthorized) for ${what}: check the kubeconfig's user`;
    case 403:
      return `${server} denied ${what} (403 Forbidden): the user needs get on the non-resource URLs /version and /openapi/v3/*`;
    case 404:
      return `${server} does not serve ${what} (404): the cluster has no events.k8s.io/v1 API (Kubernetes 1.19 or later is needed)`;
    default:
      return `${server} answered ${result.status} for ${what}: ${detail}`;
  }
}

export async function pullSpec(options: PullOptions = {}): Promise<PullResult> {
  let connection: Connection;
  try {
    connection = await connect({
      ...(options.kubeconfig !== undefined ? { kubeconfig: options.kubeconfig } : {}),
      ...(options.context !== undefined ? { context: options.context } : {}),
      // A one-off command: fail within seconds rather than after client-go's ten retries.
      retry: { maxRetries: 2, baseDelayMs: 200, maxDelayMs: 2_000 },
      rateLimit: false,
    });
  } catch (error) {
    throw new SpecPullError(`kubeconfig: ${(error as Error).message}`, { cause: error });
  }
  try {
    return await pullWith(connection, options);
  } finally {
    await connection.close();
  }
}

async function pullWith(connection: Connection, options: PullOptions): Promise<PullResult> {
  const access = { server: connection.baseUrl };
  const versionResult = await get(connection, '/version');
  const versionProblem = explainStatus(versionResult, '/version', access.server);
  if (versionProblem !== undefined) throw new SpecPullError(versionProblem);
  const gitVersion = (JSON.parse(versionResult.body.toString('utf8')) as { gitVersion?: unknown }).gitVersion;
  if (typeof gitVersion !== 'string') throw new SpecPullError(`${access.server}/version has no gitVersion`);
  // Distribution suffixes (v1.31.4+k3s1, v1.30.2-eks-1234) keep the folder name to the Kubernetes version.
  const version = /^v\d+\.\d+\.\d+/.exec(gitVersion)?.[0];
  if (version === undefined || parseVersion(version) === undefined) {
    throw new SpecPullError(
      `${access.server}/version reports gitVersion "${gitVersion}", not v<major>.<minor>.<patch>`,
    );
  }

  const specResult = await get(connection, SPEC_URL_PATH);
  const specProblem = explainStatus(specResult, SPEC_URL_PATH, access.server);
  if (specProblem !== undefined) throw new SpecPullError(specProblem);
  try {
    assertEventsSpec(JSON.parse(specResult.body.toString('utf8')));
  } catch (error) {
    throw new SpecPullError(
      `${access.server}${SPEC_URL_PATH} did not return the events.k8s.io/v1 spec: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }

  const coreResult = await get(connection, CORE_SPEC_URL_PATH);
  const coreProblem = explainStatus(coreResult, CORE_SPEC_URL_PATH, access.server);
  if (coreProblem !== undefined) throw new SpecPullError(coreProblem);
  let coreSlice: string;
  try {
    coreSlice = `${JSON.stringify(filterCoreEventsSpec(JSON.parse(coreResult.body.toString('utf8'))), null, 2)}\n`;
  } catch (error) {
    throw new SpecPullError(
      `${access.server}${CORE_SPEC_URL_PATH} did not return the core/v1 spec with Events: ${(error as Error).message}`,
      { cause: error },
    );
  }

  const source: SpecSource = {
    gitVersion,
    pulledFrom: `${access.server}${SPEC_URL_PATH}`,
    pulledAt: (options.now ?? (() => new Date()))().toISOString(),
    sha256: sha256(specResult.body),
    file: SPEC_FILE_NAME,
    core: {
      pulledFrom: `${access.server}${CORE_SPEC_URL_PATH}`,
      servedSha256: sha256(coreResult.body),
      file: CORE_SPEC_FILE_NAME,
    },
  };
  const openapiDir = options.openapiDir ?? OPENAPI_DIR;
  mkdirSync(openapiDir, { recursive: true });
  const staging = mkdtempSync(join(openapiDir, `.pull-${version}-`));
  const dir = join(openapiDir, version);
  try {
    writeFileSync(join(staging, SPEC_FILE_NAME), specResult.body);
    writeFileSync(join(staging, CORE_SPEC_FILE_NAME), coreSlice);
    writeFileSync(join(staging, SOURCE_FILE_NAME), `${JSON.stringify(source, null, 2)}\n`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(staging, dir);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return { dir, source };
}
