#!/usr/bin/env node
/* global WebAssembly */
// A stand-in for Prisma's native `schema-engine` binary, which cannot be downloaded on machines that
// reach only the npm registry. The Prisma CLI runs whatever PRISMA_SCHEMA_ENGINE_BINARY names
// (scripts/prisma.mjs points it here) and speaks line-delimited JSON-RPC to it over stdin/stdout;
// this script answers with the same engine compiled to WebAssembly (@prisma/schema-engine-wasm,
// pinned to the CLI's engine commit) talking to PostgreSQL through @prisma/adapter-pg.
//
// Invocations the CLI makes (see prisma/build/cli.js):
//   --version                                              -> "schema-engine-cli <commit>"
//   [--datamodels FILE]... [--datasource JSON] [...]        -> JSON-RPC server on stdin/stdout
//   --datasource JSON cli can-connect-to-database|create-database|drop-database
// Logs go to stderr as JSON lines ({ level, target, fields: { message } }), which the CLI parses.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';

import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import * as wasmBindings from '@prisma/schema-engine-wasm/schema_engine_bg';

// The error-capturing wrapper the engine expects around a driver adapter factory, from the very copy of
// @prisma/driver-adapter-utils that @prisma/adapter-pg uses (it is adapter-pg's dependency, not ours).
const { bindMigrationAwareSqlAdapterFactory } = await import(
  createRequire(fileURLToPath(import.meta.resolve('@prisma/adapter-pg'))).resolve(
    '@prisma/driver-adapter-utils',
  )
);

// ---------------------------------------------------------------------------------------------------------
// Logging in the native engine's format: the CLI keeps `fields.message` of every stderr line and reports
// the last ERROR line when the engine exits non-zero.
function log(level, message, extra = {}) {
  process.stderr.write(
    `${JSON.stringify({ timestamp: new Date().toISOString(), level, fields: { message, ...extra }, target: 'schema_engine::logger' })}\n`,
  );
}

// ---------------------------------------------------------------------------------------------------------
// Arguments
function parseArgs(argv) {
  const out = { datamodels: [], datasource: null, cli: null, version: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--version' || arg === '-V') out.version = true;
    else if (arg === '--datamodels' || arg === '-d') out.datamodels.push(argv[++i]);
    else if (arg === '--datasource') out.datasource = JSON.parse(argv[++i]);
    else if (arg === '--enabled-preview-features' || arg === '--extension-types') i++;
    else if (arg === 'cli') out.cli = argv.slice(i + 1);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Connection configuration from a postgresql:// URL. Passing discrete fields (not `connectionString`)
// matters: adapter-pg builds pools as `{ ...config, database }`, and pg lets a connectionString override
// `database`, which is how a "shadow" connection ends up on the main database.
function pgConfig(url) {
  const u = new URL(url);
  if (!/^postgres(ql)?:$/.test(u.protocol))
    throw new Error(`Unsupported datasource URL scheme ${u.protocol}`);
  const params = u.searchParams;
  const host = params.get('host') ?? decodeURIComponent(u.hostname || 'localhost');
  const config = {
    host: host.replace(/^\[(.*)\]$/, '$1'),
    port: u.port ? Number(u.port) : 5432,
    user: decodeURIComponent(u.username || process.env.PGUSER || 'postgres'),
    password: u.password ? decodeURIComponent(u.password) : undefined,
    database: decodeURIComponent(u.pathname.replace(/^\//, '')) || 'postgres',
    application_name: params.get('application_name') ?? 'prisma-schema-engine-wasm',
    connectionTimeoutMillis: Number(params.get('connect_timeout') ?? 5) * 1000 || 5000,
    // One session, like the native engine: its advisory lock (taken by applyMigrations) and any session
    // settings then stay on the connection that later statements use.
    max: 1,
    Client: TypeFixingClient,
  };
  const sslmode = params.get('sslmode');
  if (sslmode === 'require' || sslmode === 'verify-ca' || sslmode === 'verify-full') {
    config.ssl = sslmode === 'require' ? { rejectUnauthorized: false } : true;
  }
  const schema = params.get('schema') ?? undefined;
  if (schema && schema !== 'public') {
    // The WASM engine ignores the adapter's schema and would migrate `public`; refuse rather than do that.
    throw new Error(`?schema=${schema}: this schema engine host supports only the public schema`);
  }
  return { config, schema };
}

function describeServer(config) {
  return `${config.host}:${config.port}`;
}

// adapter-pg cannot convert the PostgreSQL `"char"` (oid 18) and `name[]` (1003) columns that the engine's
// introspection queries read from the catalogs (prisma/orm#27403). Both are text on the wire; relabel them
// as text / text[] before the adapter looks at the field types.
const RELABEL = new Map([
  [18, 25], // "char" -> text
  [1003, 1009], // name[] -> text[]
]);
pg.types.setTypeParser(1003, pg.types.getTypeParser(1009));
pg.types.setTypeParser(18, (value) => value);

function relabel(result) {
  for (const r of Array.isArray(result) ? result : [result]) {
    for (const field of r?.fields ?? []) {
      const to = RELABEL.get(field.dataTypeID);
      if (to !== undefined) field.dataTypeID = to;
    }
  }
  return result;
}

class TypeFixingClient extends pg.Client {
  query(config, values, callback) {
    if (typeof config?.submit === 'function') return super.query(config, values, callback);
    const cb = typeof values === 'function' ? values : callback;
    if (typeof cb === 'function') {
      const wrapped = (err, res) => cb(err, err ? res : relabel(res));
      return typeof values === 'function'
        ? super.query(config, wrapped)
        : super.query(config, values, wrapped);
    }
    return super.query(config, values).then(relabel);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Driver adapter factory with a real shadow database: a temporary database created next to the main one
// and dropped when the engine releases it (or when this process exits).
const shadowDatabases = new Set();

async function adminQuery(config, sql) {
  // Run a statement on the main database, falling back to the `postgres` maintenance database when the
  // main database does not exist (yet).
  for (const database of [config.database, 'postgres']) {
    const client = new pg.Client({ ...config, database });
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => {});
      if (error?.code === '3D000' && database !== 'postgres') continue;
      throw error;
    }
    try {
      return await client.query(sql);
    } finally {
      await client.end().catch(() => {});
    }
  }
  throw new Error('unreachable');
}

function quoteIdent(name) {
  return `"${name.replace(/"/g, '""')}"`;
}

async function dropShadow(config, name) {
  await adminQuery(config, `DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
  shadowDatabases.delete(name);
}

// adapter-pg's executeScript splits scripts on `;` and runs the pieces one by one: a `;` inside a string or
// a function body breaks the script, and a failing statement leaves the ones before it applied. The native
// engine sends the whole script in one simple-protocol query, which PostgreSQL runs as one implicit
// transaction; do the same.
async function connectAdapter(config, schema) {
  const adapter = await new PrismaPg(config, { schema }).connect();
  adapter.executeScript = async (script) => {
    try {
      await adapter.underlyingDriver().query(script);
    } catch (error) {
      adapter.onError(error);
    }
  };
  return adapter;
}

class MigrationAwareFactory {
  provider = 'postgres';
  adapterName = '@prisma/adapter-pg';

  constructor(url, shadowUrl) {
    this.main = pgConfig(url);
    this.shadowUrl = shadowUrl;
  }

  mainAdapters = new Set();

  async connect() {
    const adapter = await connectAdapter(this.main.config, this.main.schema);
    this.mainAdapters.add(adapter);
    return adapter;
  }

  async connectToShadowDb() {
    if (this.shadowUrl) {
      const shadow = pgConfig(this.shadowUrl);
      return connectAdapter(shadow.config, shadow.schema);
    }
    const config = this.main.config;
    const name = `prisma_shadow_${randomUUID().replace(/-/g, '')}`;
    await adminQuery(config, `CREATE DATABASE ${quoteIdent(name)}`);
    shadowDatabases.add(name);
    log('INFO', `created shadow database ${name}`);
    const adapter = await connectAdapter({ ...config, database: name }, this.main.schema);
    const dispose = adapter.dispose.bind(adapter);
    let disposed = false;
    adapter.dispose = async () => {
      if (disposed) return;
      disposed = true;
      await dispose();
      await dropShadow(config, name);
      log('INFO', `dropped shadow database ${name}`);
    };
    return adapter;
  }

  async cleanup() {
    // Closing the main connections releases the engine's advisory lock at once, instead of after pg's
    // idle timeout, for the next engine instance or process.
    for (const adapter of this.mainAdapters) await adapter.dispose().catch(() => {});
    this.mainAdapters.clear();
    for (const name of [...shadowDatabases]) {
      await dropShadow(this.main.config, name).catch((error) =>
        log('WARN', `could not drop shadow database ${name}: ${error.message}`),
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Loading the WebAssembly engine. The package's own entry uses `import * as wasm from "./x.wasm"` (needs
// --experimental-wasm-modules); instantiate it by hand instead, like wasm-bindgen's node target does.
let wasmReady = null;
function loadWasm() {
  if (!wasmReady) {
    globalThis.PRISMA_WASM_PANIC_REGISTRY ??= {
      message: '',
      set_message(message) {
        this.message = message;
      },
    };
    const pkgDir = dirname(fileURLToPath(import.meta.resolve('@prisma/schema-engine-wasm/schema_engine_bg')));
    const bytes = readFileSync(join(pkgDir, 'schema_engine_bg.wasm'));
    wasmReady = WebAssembly.instantiate(bytes, { './schema_engine_bg.js': wasmBindings }).then(
      ({ instance }) => {
        wasmBindings.__wbg_set_wasm(instance.exports);
        instance.exports.__wbindgen_start?.();
        return wasmBindings;
      },
    );
  }
  return wasmReady;
}

// ---------------------------------------------------------------------------------------------------------
// Errors in the native engine's JSON-RPC shape, so the CLI prints them as it does for the native engine.
function toUserError(error) {
  // The WASM engine rejects with an Error (name e.g. SchemaConnectorError) whose message is the text of the
  // error followed by a span trace ("   0: module::function\n  with ...\n  at file.rs:113"); the native
  // engine keeps the trace out of user-facing messages.
  const raw = typeof error === 'string' ? error : (error?.message ?? String(error));
  const [text, trace = ''] = raw.split(/\n\s*0: /);
  const message = text.replace(/external connector error\n/g, '').trim();
  const panic = globalThis.PRISMA_WASM_PANIC_REGISTRY?.message;
  if (error instanceof WebAssembly.RuntimeError || panic) {
    return { is_panic: true, message: panic || message, meta: null, error_code: null };
  }
  const failed = /apply_migration::apply_script\s+with migration_name="([^"]+)"/.exec(trace);
  if (failed) {
    // Same wording as the native engine's P3018.
    return {
      is_panic: false,
      message:
        'A migration failed to apply. New migrations cannot be applied before the error is recovered from. ' +
        'Read more about how to resolve migration issues in a production database: https://pris.ly/d/migrate-resolve' +
        `\n\nMigration name: ${failed[1]}\n\nDatabase error:\n${message}`,
      meta: { migration_name: failed[1] },
      error_code: 'P3018',
    };
  }
  return { is_panic: false, message, meta: null, error_code: null };
}

// ---------------------------------------------------------------------------------------------------------
// `cli` subcommands (used by `migrate dev` to create a missing database).
async function databaseExists(config) {
  const client = new pg.Client({ ...config, database: config.database });
  try {
    await client.connect();
    return true;
  } catch (error) {
    if (error?.code === '3D000') return false;
    throw error;
  } finally {
    await client.end().catch(() => {});
  }
}

function connectionErrorToUserError(error, config) {
  if (error?.code === '3D000') {
    return {
      error_code: 'P1003',
      message: `Database \`${config.database}\` does not exist on the database server at \`${describeServer(config)}\`.`,
    };
  }
  if (error?.code === '28P01' || error?.code === '28000') {
    return {
      error_code: 'P1000',
      message: `Authentication failed against database server at \`${config.host}\`, the provided database credentials for \`${config.user}\` are not valid.`,
    };
  }
  if (
    ['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT'].includes(error?.code) ||
    /timeout/i.test(error?.message ?? '')
  ) {
    return {
      error_code: 'P1001',
      message: `Can't reach database server at \`${describeServer(config)}\`\n\nPlease make sure your database server is running at \`${describeServer(config)}\`.`,
    };
  }
  return { error_code: null, message: error?.message ?? String(error) };
}

async function runCliCommand(command, datasource) {
  // The CLI ignores the first line of stderr, and reads the error from the ERROR lines after it.
  log('INFO', `cli ${command}`);
  let config;
  try {
    if (!datasource?.url) throw new Error('The `cli` subcommands need --datasource with a url');
    config = pgConfig(datasource.url).config;
  } catch (error) {
    log('ERROR', error.message);
    return 1;
  }
  try {
    switch (command) {
      case 'can-connect-to-database':
        if (!(await databaseExists(config)))
          throw Object.assign(new Error('database missing'), { code: '3D000' });
        return 0;
      case 'create-database':
        if (await databaseExists(config)) return 0;
        await adminQuery(
          { ...config, database: 'postgres' },
          `CREATE DATABASE ${quoteIdent(config.database)}`,
        ).catch((error) => {
          if (error?.code !== '42P04') throw error; // created concurrently
        });
        process.stdout.write(`${JSON.stringify({ database_name: config.database })}\n`);
        return 0;
      case 'drop-database':
        await adminQuery(
          { ...config, database: 'postgres' },
          `DROP DATABASE IF EXISTS ${quoteIdent(config.database)} WITH (FORCE)`,
        );
        return 0;
      default:
        log('ERROR', `Unknown cli command ${command}`);
        return 1;
    }
  } catch (error) {
    const { error_code, message } = connectionErrorToUserError(error, config);
    log('ERROR', message, error_code ? { error_code } : {});
    return 1;
  }
}

// ---------------------------------------------------------------------------------------------------------
// JSON-RPC server
const ENGINE_METHODS = new Set([
  'applyMigrations',
  'createMigration',
  'dbExecute',
  'debugPanic',
  'devDiagnostic',
  'diagnoseMigrationHistory',
  'ensureConnectionValidity',
  'evaluateDataLoss',
  'introspect',
  'introspectSql',
  'markMigrationApplied',
  'markMigrationRolledBack',
  'reset',
  'schemaPush',
]);

function usesDatabase(diffParams) {
  return [diffParams?.from?.tag, diffParams?.to?.tag].some(
    (tag) => tag === 'url' || tag === 'schemaDatasource',
  );
}

const NO_FILTER = { externalTables: [], externalEnums: [] };

const EMPTY_POSTGRES_SCHEMA = 'datasource db {\n  provider = "postgresql"\n}\n';

async function serve(args) {
  const datamodels = args.datamodels.map((path) => [path, readFileSync(path, 'utf8')]);
  const url = args.datasource?.url;
  if (!url) {
    log('ERROR', 'No datasource URL: set `datasource.url` in prisma.config.ts.');
    return 1;
  }
  const { SchemaEngine } = await loadWasm();
  const engineLog = (line) => {
    // The engine logs JSON lines already; pass them through, wrap anything else.
    if (typeof line === 'string' && line.startsWith('{')) process.stderr.write(`${line}\n`);
    else log('INFO', String(line));
  };
  let factory = null;
  let enginePromise = null;
  // The engine connects when it is constructed, so it is constructed on the first request: a database
  // that does not exist yet then yields a proper JSON-RPC error (P1003) instead of a dead process, which
  // the CLI would not report. `migrate diff` between schemas and migrations needs no main database; it
  // runs on the maintenance database when the main one is missing.
  const getEngine = (method, params) => {
    enginePromise ??= (async () => {
      let engineUrl = url;
      if (method === 'diff' && !usesDatabase(params) && !(await databaseExists(pgConfig(url).config))) {
        const u = new URL(url);
        u.pathname = '/postgres';
        engineUrl = u.toString();
      }
      factory = new MigrationAwareFactory(engineUrl, args.datasource?.shadowDatabaseUrl);
      // The engine refuses to start without a datamodel; commands that run without a schema file
      // (migrate diff, deploy with only a config) still need the connector: give it an empty schema.
      return SchemaEngine.new(
        { datamodels: datamodels.length > 0 ? datamodels : [['schema.prisma', EMPTY_POSTGRES_SCHEMA]] },
        engineLog,
        bindMigrationAwareSqlAdapterFactory(factory),
      );
    })();
    return enginePromise;
  };

  const restartEngine = async () => {
    const previous = enginePromise;
    enginePromise = null;
    const engine = await previous?.catch(() => null);
    engine?.free();
    await factory?.cleanup();
  };

  let nextOwnId = 1_000_000_000;
  const pendingOwn = new Map();
  const send = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);
  const askCli = (method, params) =>
    new Promise((resolve) => {
      const id = nextOwnId++;
      pendingOwn.set(id, resolve);
      send({ jsonrpc: '2.0', id, method, params });
    });

  const extra = {
    async createDatabase() {
      const { config } = pgConfig(url);
      if (!(await databaseExists(config))) {
        await adminQuery(
          { ...config, database: 'postgres' },
          `CREATE DATABASE ${quoteIdent(config.database)}`,
        ).catch((error) => {
          if (error?.code !== '42P04') throw error;
        });
      }
      return { databaseName: config.database };
    },
    async getDatabaseVersion(params) {
      return (await getEngine('getDatabaseVersion', params)).version();
    },
    async diff(params) {
      const result = await (await getEngine('diff', params)).diff(params);
      // The native engine prints the diff through a `print` request; the CLI does not print `stdout`.
      if (result?.stdout) await askCli('print', { content: result.stdout.replace(/\n$/, '') });
      return { exitCode: result.exitCode, stdout: null };
    },
    async version(params) {
      return (await getEngine('version', params)).version();
    },
  };

  const inFlight = new Set();
  const sendError = (id, error) => {
    const data = toUserError(error);
    log('ERROR', data.message, data.error_code ? { error_code: data.error_code } : {});
    // The CLI prints data.message (data.error.message for panics) and falls back to error.message.
    if (data.is_panic) data.error = { message: data.message };
    send({ jsonrpc: '2.0', id, error: { code: 4466, message: data.message, data } });
  };
  // Anything thrown outside a request's promise chain (a driver callback, say) still answers the requests
  // in flight before the process exits: a CLI whose engine dies without answering can exit 0 silently.
  const crash = (error) => {
    log('ERROR', `schema engine host crashed: ${error?.stack ?? error}`);
    for (const id of inFlight) sendError(id, error);
    inFlight.clear();
    setTimeout(() => process.exit(1), 50);
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);

  const handle = async (request) => {
    const { id, method, params } = request;
    inFlight.add(id);
    try {
      let result;
      if (Object.hasOwn(extra, method)) result = await extra[method](params);
      else if (ENGINE_METHODS.has(method)) {
        try {
          result = await (await getEngine(method, params))[method](params ?? {});
        } catch (error) {
          // After applyMigrations has changed the database, the WASM engine no longer reaches the shadow
          // database factory ("PostgreSQL shadow DB must be provided through an external factory", seen in
          // `migrate dev` right after it applied pending migrations). A fresh engine instance has it again;
          // the request is retried once on one.
          if (!/shadow DB must be provided through an external factory/.test(error?.message ?? ''))
            throw error;
          log('INFO', `restarting the engine for ${method}: ${error.message}`);
          await restartEngine();
          const engine = await getEngine(method, params);
          if (params?.migrationsList) {
            await engine.devDiagnostic({
              migrationsList: params.migrationsList,
              filters: params.filters ?? NO_FILTER,
            });
          }
          result = await engine[method](params ?? {});
        }
      } else {
        send({ jsonrpc: '2.0', id, error: { code: -32601, message: `Method not found: ${method}` } });
        return;
      }
      send({ jsonrpc: '2.0', id, result: result ?? {} });
    } catch (error) {
      if (process.env.PRISMA_WASM_ENGINE_DEBUG) {
        log(
          'DEBUG',
          `raw error: ${Object.prototype.toString.call(error)} ${JSON.stringify(error)} ${error?.stack}`,
        );
      }
      sendError(id, error);
    } finally {
      inFlight.delete(id);
    }
  };

  let queue = Promise.resolve();
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
  rl.on('line', (line) => {
    if (!line.trim()) return;
    let message;
    try {
      message = JSON.parse(line);
    } catch {
      log('ERROR', `Could not parse JSON-RPC request: ${line.slice(0, 200)}`);
      return;
    }
    if (message.method === undefined && pendingOwn.has(message.id)) {
      pendingOwn.get(message.id)(message);
      pendingOwn.delete(message.id);
      return;
    }
    queue = queue.then(() => handle(message));
  });
  await new Promise((resolve) => rl.on('close', resolve));
  await queue;
  await factory?.cleanup();
  return 0;
}

// ---------------------------------------------------------------------------------------------------------
async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.version) {
    const { version } = await loadWasm();
    process.stdout.write(`schema-engine-cli ${version()}\n`);
    return 0;
  }
  if (args.cli) return runCliCommand(args.cli[0], args.datasource);
  return serve(args);
}

const exit = (code) => {
  // Best effort: never leave temporary shadow databases behind.
  process.exitCode = code;
};
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    exit(130);
    process.stdin.destroy();
  });
}
main().then(
  (code) => {
    exit(code);
    // Pools may keep the event loop alive for their idle timeout; the work is done.
    setTimeout(() => process.exit(code), 50);
  },
  (error) => {
    log('ERROR', error?.stack ?? String(error));
    exit(101);
    setTimeout(() => process.exit(101), 50);
  },
);
