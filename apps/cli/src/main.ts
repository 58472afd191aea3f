// `natlens <command>`: each command lives in its own module, loaded only when asked for,
// so `natlens analyze` never loads Nest, Prisma or Redis.
import { UsageError } from './usage-error.js';

/** Exit codes: 0 done, 1 problems found (or the server said no), 2 bad usage or input, 3 internal error. */
const INTERNAL_ERROR = 3;

interface Command {
  summary: string;
  load: () => Promise<{ run(argv: string[]): Promise<number> }>;
}

const commands: Record<string, Command> = {
  analyze: { summary: 'analyse captures offline and report', load: () => import('./commands/analyze.js') },
  capture: {
    summary: 'capture a Service at client, nodes and backends at once (kubectl debug), then analyse',
    load: () => import('./commands/capture.js'),
  },
  'export-flow': { summary: 'one flow as pcapng, all hops', load: () => import('./commands/export-flow.js') },
  keys: {
    summary: 'create, list and revoke API keys (server-side admin: talks to DATABASE_URL)',
    load: () => import('./commands/keys.js'),
  },
  upload: {
    summary: 'upload a capture or snapshot to the server (NATLENS_URL, NATLENS_TOKEN)',
    load: () => import('./commands/upload.js'),
  },
  analyses: {
    summary: "list the project's analyses on the server",
    load: () => import('./commands/analyses.js'),
  },
  report: { summary: "print the server's report of an analysis", load: () => import('./commands/report.js') },
  version: { summary: 'print the version', load: () => import('./commands/version.js') },
};

function help(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  return [
    'usage: natlens <command> [options]',
    '',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'natlens <command> --help for the options of one command.',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(`${help()}\n`);
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) throw new UsageError(`unknown command '${name}'\n\n${help()}`);
  return (await command.load()).run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof Error && error.name === 'ServerError') {
      process.stderr.write(`natlens: ${error.message}\n`);
      process.exitCode = 1;
    } else if (error instanceof UsageError) {
      process.stderr.write(`natlens: ${error.message}\n`);
      process.exitCode = 2;
    } else {
      // Not the input's fault and not a finding: its own exit code and one line naming what failed
      // (NATLENS_DEBUG=1 prints the stack).
      const where = error instanceof Error ? origin(error) : '';
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      process.stderr.write(
        `natlens: internal error${where ? ` in ${where}` : ''}: ${message.split('\n')[0]}\n` +
          (process.env.NATLENS_DEBUG && error instanceof Error ? `${error.stack}\n` : ''),
      );
      process.exitCode = INTERNAL_ERROR;
    }
  },
);

/** The first frame of natlens' own code: `libs/correlate/src/flow.js:120`. */
function origin(error: Error): string {
  for (const line of (error.stack ?? '').split('\n').slice(1)) {
    const m = /\/dist\/((?:apps|libs)\/[^:)]+):(\d+)/.exec(line);
    if (m) return `${m[1]}:${m[2]}`;
  }
  return '';
}
