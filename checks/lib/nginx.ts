// A throw-away nginx for a check: the learner's http-level configuration (upstream and server
// blocks, as in /etc/nginx/conf.d/) wrapped in a main configuration that keeps every file nginx
// writes (pid, error log, temp folders) in a temporary folder, so it runs without root.
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import type { CheckContext } from './check.ts';
import { Fatal } from './errors.ts';
import { findBinary, Service, tempFolder, waitReady } from './service.ts';

export interface Nginx {
  readonly port: number;
  /** Its temporary folder: configuration, pid, error log, temp files (removed by the clean-up). */
  readonly dir: string;
  /** What nginx has written to its error log so far (connect failures, disabled upstreams, …). */
  errorLog(): string;
  /** Its live processes (master and worker), to read which addresses they listen on. */
  members(): number[];
}

export const nginxInstall = {
  debian: 'sudo apt-get install -y nginx',
  mac: 'brew install nginx',
};

/** nginx's full path, or a Fatal that says how to install it. */
export const requireNginx = (): string => findBinary('nginx', nginxInstall);

/**
 * Replace each `{{NAME}}` in `text` with `values[NAME]`. An unknown placeholder is a Fatal that
 * names it: a typo would otherwise reach nginx as a confusing syntax error.
 */
export function fillTemplate(text: string, values: Readonly<Record<string, string>>, shownPath: string): string {
  return text.replace(/\{\{\s*([A-Za-z_]+)\s*\}\}/g, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) {
      throw new Fatal(`${shownPath} uses the placeholder ${whole}, which the check does not know`, '', `The placeholders are ${Object.keys(values).map((k) => `{{${k}}}`).join(', ')}.`);
    }
    return value;
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('connect', () => done(true));
    socket.on('error', () => done(false));
  });
}

const mainConf = (include: string): string => `daemon off;
worker_processes 1;
pid nginx.pid;
error_log error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path temp_client_body;
  proxy_temp_path temp_proxy;
  fastcgi_temp_path temp_fastcgi;
  uwsgi_temp_path temp_uwsgi;
  scgi_temp_path temp_scgi;
  include ${include};
}
`;

/**
 * Start nginx with `httpConf` (already filled in) inside its http block, expecting it to listen on
 * 127.0.0.1:`port`. Stopped and its folder removed on every path (t.defer). `shownPath` is how the
 * learner names their file: nginx's own error messages point there, with the right line numbers.
 */
export async function startNginx(t: Pick<CheckContext, 'defer'>, opts: { readonly httpConf: string; readonly port: number; readonly shownPath: string }): Promise<Nginx> {
  const bin = requireNginx();
  const folder = tempFolder('nginx');
  const learnerConf = join(folder.dir, 'app.conf');
  writeFileSync(learnerConf, opts.httpConf);
  writeFileSync(join(folder.dir, 'nginx.conf'), mainConf('app.conf'));
  // -e: the error log nginx opens before it reads the configuration (else /var/log/nginx/…).
  const service = new Service(bin, ['-p', `${folder.dir}/`, '-c', 'nginx.conf', '-e', 'error.log'], folder.dir);
  t.defer(async () => {
    await service.stop();
    folder.remove();
  });
  const errorLog = (): string => {
    try {
      return readFileSync(join(folder.dir, 'error.log'), 'utf8');
    } catch {
      return '';
    }
  };
  const state = await waitReady(service, () => accepts(opts.port), 5000);
  if (state !== 'ready') {
    const said = `${service.output}\n${errorLog()}`.split(learnerConf).join(opts.shownPath);
    const lines = said.split('\n').filter((l) => /\[(emerg|alert|crit|error)\]/.test(l)).slice(-6);
    throw new Fatal(
      state === 'exited' ? `nginx refused the configuration:` : `nginx did not listen on 127.0.0.1:${opts.port} within 5 s:`,
      lines.join('\n') || said.trim().split('\n').slice(-6).join('\n'),
      `Fix ${opts.shownPath} where nginx points (file:line). Listen on 127.0.0.1:{{LISTEN_PORT}}.`,
    );
  }
  return { port: opts.port, dir: folder.dir, errorLog, members: () => service.members() };
}
