/**
 * A forward proxy of the project's own for HTTPS through HTTP CONNECT (what `proxy-url` and
 * HTTPS_PROXY mean for kubectl): it opens a TCP tunnel to the requested host, so TLS stays end to
 * end, and counts the tunnels. Loopback only, unless the tests run against the user's own cluster.
 */
import { createServer, type Server } from 'node:http';
import { connect as netConnect, type AddressInfo, type Socket } from 'node:net';

export interface ConnectProxy {
  url: string;
  /** `host:port` of every tunnel opened, in order. */
  tunnels: string[];
  close(): Promise<void>;
}

/** @param options.allowRemote tunnel to any host (only for a user's own cluster, KUBE_EVENTS_TEST_KUBECONFIG) */
export async function startConnectProxy(options: { allowRemote?: boolean } = {}): Promise<ConnectProxy> {
  const tunnels: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((_request, response) => {
    response.writeHead(405).end('CONNECT only');
  });
  server.on('connect', (request, client: Socket, head: Buffer) => {
    const target = request.url ?? '';
    const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
    const loopback = host === '127.0.0.1' || host === 'localhost' || host === '[::1]';
    if (!loopback && options.allowRemote !== true) {
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    tunnels.push(target);
    const upstream = netConnect(port, host.replace(/^\[|\]$/g, ''), () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    tunnels,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
