// Test-only: a TCP proxy in front of the kube-apiserver that a test can "kill" and bring back.
// From a client's side this is what a restarting API server looks like (connections reset, then
// connection refused, then a new server), without restarting the shared one other tests use.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

export interface OutageProxy {
  /** A kubeconfig whose server is the proxy (TLS passes through; the cert is for 127.0.0.1). */
  kubeconfig: string;
  /** Drops every connection and stops listening, as a dying API server does. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startOutageProxy(kubeconfigPath: string): Promise<OutageProxy> {
  const config = new KubeConfig();
  config.loadFromFile(kubeconfigPath);
  const cluster = config.getCurrentCluster();
  if (!cluster) throw new Error(`${kubeconfigPath}: no current cluster`);
  const target = new URL(cluster.server);
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((client) => {
        const upstream = createConnection({ host: target.hostname, port: Number(target.port || 443) });
        for (const sock of [client, upstream]) {
          sockets.add(sock);
          sock.on('close', () => sockets.delete(sock));
          sock.on('error', () => undefined);
        }
        client.pipe(upstream).pipe(client);
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        port = (s.address() as { port: number }).port;
        server = s;
        resolve();
      });
    });

  const down = async () => {
    const s = server;
    server = undefined;
    for (const sock of sockets) sock.destroy();
    sockets.clear();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  };

  await listen();
  const dir = await mkdtemp(join(tmpdir(), 'ecom-operator-proxy-'));
  const proxied = new KubeConfig();
  proxied.loadFromOptions({
    clusters: config.clusters.map((c) => (c.name === cluster.name ? { ...c, server: `https://127.0.0.1:${port}` } : c)),
    users: config.users,
    contexts: config.contexts,
    currentContext: config.currentContext,
  });
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, proxied.exportConfig(), { mode: 0o600 });
  return { kubeconfig, down, up: listen, close: down };
}
