/**
 * The `sabre` process: parse the command line, start the server, save on SIGTERM/SIGINT as Redis
 * does (when save rules exist), exit 1 with a message on stderr for bad flags or an unreadable RDB.
 * With --sabre-logic-worker yes the server runs in a worker thread that SIGHUP replaces.
 */
import { helpText, parseCommandLine, UsageError } from './cli/command-line.ts';
import type { ShutdownMode } from './commands/context.ts';
import { startSabre, StartupError } from './commands/index.ts';
import { LogicSupervisor } from './commands/logic-supervisor.ts';
import { formatSaveRules, type Settings } from './commands/settings.ts';

const version = '0.1.0';

interface Running {
  readonly host: string;
  readonly port: number;
  readonly rdbPath: string;
  readonly stopped: Promise<void>;
  stop(mode: ShutdownMode): Promise<void>;
  /** Replaces the command logic (SIGHUP); null when the logic is not in a worker. */
  readonly restartLogic: (() => Promise<void>) | null;
  /** Set when the server stopped because it could not go on. */
  failure(): string | null;
}

async function start(settings: Settings): Promise<Running> {
  const log = (line: string) => console.log(line);
  const rdbPath = `${settings.dir}/${settings.dbfilename}`;
  if (settings.logicWorker) {
    const supervisor = await LogicSupervisor.start(settings, log);
    return {
      host: settings.bind, port: supervisor.port, rdbPath, stopped: supervisor.finished, stop: (mode) => supervisor.stop(mode),
      restartLogic: () => supervisor.restart(), failure: () => supervisor.failure,
    };
  }
  const instance = await startSabre(settings, { log });
  return {
    host: instance.server.host, port: instance.server.port, rdbPath: instance.context.persistence.rdbPath(), stopped: instance.stopped,
    stop: (mode) => instance.stop(mode), restartLogic: null, failure: () => null,
  };
}

async function main(argv: readonly string[]): Promise<number> {
  let commandLine;
  try {
    commandLine = parseCommandLine(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`sabre: ${error.message}\nRun 'sabre --help' for the flags.\n`);
      return 1;
    }
    throw error;
  }
  if (commandLine.kind === 'help') {
    process.stdout.write(helpText);
    return 0;
  }
  if (commandLine.kind === 'version') {
    process.stdout.write(`sabre ${version} (speaks Redis 7.0 RESP)\n`);
    return 0;
  }
  const { settings } = commandLine;
  let running: Running;
  try {
    running = await start(settings);
  } catch (error) {
    if (error instanceof StartupError) {
      process.stderr.write(`sabre: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
  console.log(`Sabre ${version} pid ${process.pid}: RDB ${running.rdbPath}, save rules "${formatSaveRules(settings.save)}"${settings.logicWorker ? ', command logic in a worker thread' : ''}`);
  console.log(`Ready to accept connections tcp on ${running.host}:${running.port}`);
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      process.stderr.write(`sabre: second ${signal}, exiting now\n`);
      process.exit(1);
    }
    signalled = true;
    console.log(`Received ${signal}, scheduling shutdown...`);
    running.stop('default').catch((error: unknown) => {
      process.stderr.write(`sabre: could not save on shutdown: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const { restartLogic } = running;
  if (restartLogic !== null) {
    process.on('SIGHUP', () => {
      console.log('Received SIGHUP, replacing the command logic...');
      restartLogic().catch((error: unknown) => process.stderr.write(`sabre: logic restart failed: ${error instanceof Error ? error.message : String(error)}\n`));
    });
  }
  await running.stopped;
  const failure = running.failure();
  if (failure !== null) {
    process.stderr.write(`sabre: ${failure}\n`);
    return 1;
  }
  console.log('Sabre is now ready to exit, bye bye...');
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`sabre: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
