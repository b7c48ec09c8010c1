/**
 * The `sabre` process: parse the command line, start the server, save on SIGTERM/SIGINT as Redis
 * does (when save rules exist), exit 1 with a message on stderr for bad flags or an unreadable RDB.
 */
import { helpText, parseCommandLine, UsageError } from './cli/command-line.ts';
import { startSabre, StartupError } from './commands/index.ts';
import { formatSaveRules } from './commands/settings.ts';

const version = '0.1.0';

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
  let instance;
  try {
    instance = await startSabre(settings);
  } catch (error) {
    if (error instanceof StartupError) {
      process.stderr.write(`sabre: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
  const { server } = instance;
  console.log(`Sabre ${version} pid ${process.pid}: RDB ${instance.context.persistence.rdbPath()}, save rules "${formatSaveRules(settings.save)}"`);
  console.log(`Ready to accept connections tcp on ${server.host}:${server.port}`);
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      process.stderr.write(`sabre: second ${signal}, exiting now\n`);
      process.exit(1);
    }
    signalled = true;
    console.log(`Received ${signal}, scheduling shutdown...`);
    instance.stop('default').catch((error: unknown) => {
      process.stderr.write(`sabre: could not save on shutdown: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  await instance.stopped;
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
