/**
 * The `sabre` process: parse the command line, start the server, save on SIGTERM/SIGINT as Redis
 * does (when save rules exist; a failed save keeps it running), exit 1 with a message on stderr
 * for bad flags or an unreadable RDB.
 * With --sabre-logic-worker yes the server runs in a worker thread that SIGHUP replaces.
 */
import { helpText, parseCommandLine, UsageError } from './cli/command-line.ts';
import type { ShutdownMode } from './commands/context.ts';
import { startSabre, StartupError } from './commands/index.ts';
import { LogicSupervisor } from './commands/logic-supervisor.ts';
import { formatSaveRules, type Settings } from './commands/settings.ts';
import { removeStaleTempFiles } from './rdb/index.ts';

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

/**
 * SIGTERM and SIGINT as Redis 7.0 handles them: shut down, saving first when save rules exist. If
 * that save fails the server logs why and keeps running with every key; the next signal tries
 * again. A SIGINT while a shutdown is under way is the user insisting (a second Ctrl+C): exit at
 * once, loudly, without the save. A SIGTERM then only adds to the shutdown already under way.
 */
function shutdownOnSignal(running: Running, settings: Settings): (signal: NodeJS.Signals) => void {
  let shutdownUnderWay = false;
  return (signal) => {
    console.log(`Received ${signal} scheduling shutdown...`);
    if (shutdownUnderWay) {
      if (signal !== 'SIGINT') return;
      for (const removed of removeStaleTempFiles(settings.dir, { ownOnly: true, keep: settings.dbfilename })) console.log(`Removed ${removed.path}`);
      process.stderr.write('sabre: You insist... exiting now. Changes since the last successful save are NOT saved.\n');
      process.exit(1);
    }
    shutdownUnderWay = true;
    running.stop('default').catch((error: unknown) => {
      shutdownUnderWay = false;
      const reason = error instanceof Error ? error.message : String(error);
      process.stderr.write(`sabre: Error trying to save the DB, can't exit (${reason}). Still serving every key: remove the cause and signal again, or SHUTDOWN NOSAVE to exit without saving.\n`);
    });
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
  const onSignal = shutdownOnSignal(running, settings);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const { restartLogic } = running;
  if (restartLogic !== null) {
    process.on('SIGHUP', () => {
      console.log('Received SIGHUP, replacing the command logic...');
      restartLogic().catch((error: unknown) => process.stderr.write(`sabre: logic restart failed: ${error instanceof Error ? error.message : String(error)}\n`));
    });
  } else {
    // Node's default for SIGHUP (a closed terminal) is to die on the spot, unsaved changes with it;
    // Redis ignores SIGHUP.
    process.on('SIGHUP', () => console.log('Received SIGHUP: ignored (SIGTERM or SHUTDOWN stops the server)'));
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
