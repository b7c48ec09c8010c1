import { readFileSync } from 'node:fs';
import { defaultSettings, type Settings } from '../commands/settings.ts';
import { splitInlineArgs } from '../server/inline-args.ts';
import { applyDirective, DirectiveError, directives } from './directives.ts';

export type CommandLine =
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | { readonly kind: 'run'; readonly settings: Settings; readonly configFile: string | null };

/** A bad flag, config line or value; the entry point prints it and exits with code 1. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

interface Directive {
  readonly name: string;
  readonly args: string[];
  /** Where it came from, for error messages: "--port" or "sabre.conf:3". */
  readonly origin: string;
}

/**
 * Redis's config format: one directive per line, arguments split with the same quoting rules as
 * inline commands ("..." with escapes, '...'), '#' starts a comment line.
 */
export function parseConfigText(text: string, fileName: string): Directive[] {
  const parsed: Directive[] = [];
  text.split(/\r?\n/).forEach((rawLine, index) => {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) return;
    const words = splitInlineArgs(Buffer.from(line, 'utf8'));
    const origin = `${fileName}:${index + 1}`;
    if (words === null) throw new UsageError(`${origin}: unbalanced quotes in '${line}'`);
    if (words.length === 0) return;
    parsed.push({ name: words[0]!.toString('utf8').toLowerCase(), args: words.slice(1).map((word) => word.toString('utf8')), origin });
  });
  return parsed;
}

/**
 * redis-server style: an optional config file path first, then `--name value...` (the words up to
 * the next `--flag` are the directive's arguments, so `--save 60 1000` and `--save "60 1000"` are
 * the same, and `--save ''` clears the rules). Flags are applied after the file, as Redis does.
 */
export function parseCommandLine(argv: readonly string[], readText: (file: string) => string = (file) => readFileSync(file, 'utf8')): CommandLine {
  if (argv.some((arg) => arg === '--help' || arg === '-h')) return { kind: 'help' };
  if (argv.some((arg) => arg === '--version' || arg === '-v')) return { kind: 'version' };
  let configFile: string | null = null;
  let index = 0;
  if (argv.length > 0 && !argv[0]!.startsWith('--')) {
    configFile = argv[0]!;
    index = 1;
  }
  const fromFlags: Directive[] = [];
  while (index < argv.length) {
    const flag = argv[index]!;
    if (!flag.startsWith('--') || flag === '--') throw new UsageError(`unexpected argument '${flag}': flags look like --port 7000`);
    const name = flag.slice(2).toLowerCase();
    const args: string[] = [];
    index++;
    while (index < argv.length && !argv[index]!.startsWith('--')) args.push(argv[index++]!);
    if (name === 'config') {
      if (args.length !== 1) throw new UsageError('--config takes one file path');
      if (configFile !== null) throw new UsageError('give one config file, either first or with --config');
      configFile = args[0]!;
      continue;
    }
    fromFlags.push({ name, args, origin: flag });
  }
  let fromFile: Directive[] = [];
  if (configFile !== null) {
    let text: string;
    try {
      text = readText(configFile);
    } catch (error) {
      throw new UsageError(`cannot read config file '${configFile}': ${(error as Error).message}`);
    }
    fromFile = parseConfigText(text, configFile);
  }
  const settings = defaultSettings();
  // Within the file `save` lines accumulate; the first --save flag replaces what the file said.
  let saveSeen = false;
  const firstFlag = fromFlags[0];
  for (const directive of [...fromFile, ...fromFlags]) {
    if (directive === firstFlag) saveSeen = false;
    if (!Object.hasOwn(directives, directive.name)) {
      throw new UsageError(`${directive.origin}: unknown ${directive.origin.startsWith('--') ? 'flag' : 'directive'} '${directive.name}' (see --help)`);
    }
    if (directive.args.length === 0 && directive.name !== 'save') {
      throw new UsageError(`${directive.origin}: '${directive.name}' needs a value`);
    }
    try {
      applyDirective(settings, directive.name, directive.name === 'save' && directive.args.length === 0 ? [''] : directive.args, directive.name === 'save' && saveSeen);
    } catch (error) {
      if (error instanceof DirectiveError) throw new UsageError(`${directive.origin}: ${error.message}`);
      throw error;
    }
    if (directive.name === 'save') saveSeen = true;
  }
  return { kind: 'run', settings, configFile };
}

export const helpText = `Usage: sabre [/path/to/sabre.conf] [--flag value ...]

Sabre: a Redis-compatible server whose data lives in a SharedArrayBuffer.

Flags (the same names work as directives in a config file):
  --port <n>                 TCP port (default 7379; 0 picks a free one)
  --bind <address>           address to listen on (default 127.0.0.1)
  --dir <path>               directory of the RDB file (default ./data, created at start if
                             missing; CONFIG SET dir needs an existing one)
  --dbfilename <name>        RDB file name (default dump.rdb)
  --save "<sec> <changes>"   snapshot rules, several pairs allowed; --save '' disables
                             (default "3600 1 300 100 60 10000")
  --requirepass <password>   clients must AUTH with it
  --maxmemory <bytes>        cap on the data buffer, units k kb m mb g gb (default 0: the
                             buffer may grow to 4 GiB, the most Node 20 allows)
  --maxclients <n>           connections beyond it are refused (default 10000)
  --proto-max-bulk-len <b>   largest bulk string a client may send (default 512mb)
  --client-query-buffer-limit <b>
                             a client whose unfinished request holds more is closed (default 1gb)
  --maxmemory-clients <b>|<n>%
                             cap on the memory of all clients together; the biggest are closed
                             first (default: half the V8 heap limit; 0 = no cap)
  --rdbcompression yes|no    LZF-compress long strings in the RDB (default yes)
  --stop-writes-on-bgsave-error yes|no
                             refuse writes (MISCONF) while the last save failed and save rules exist (default yes)
  --hz <n>                   active-expiry cycles a second, 1..500 (default 10)
  --active-expire-effort <n> 1..10: keys per loop and time share of an expiry cycle (default 1)
  --sabre-block-size <n>     engine block size in bytes, multiple of 8 (default 64)
  --sabre-dump-step-blocks <n>
                             blocks a BGSAVE step reads between command batches (default 512)
  --sabre-logic-worker yes|no
                             run the command logic in a worker thread that DEBUG RESTART-LOGIC
                             or SIGHUP replaces, keeping the data (default no)
  --sabre-lazyfree-worker yes|no
                             free UNLINKed values on a worker thread (default yes)
  --sabre-on-bad-rdb exit|start-empty
                             an unreadable RDB at start stops the server (default exit)
  --protected-mode yes|no    without requirepass, only loopback clients may connect (default yes)
  --timeout <seconds>        close clients idle this long; 0 never (default 0)
  --enable-protected-configs no|yes|local
                             may clients CONFIG SET dir and dbfilename: local = from loopback
                             only (default no)
  --enable-debug-command no|yes|local
                             may clients run DEBUG: local = from loopback only (default no)
  --config <file>            read directives from a redis.conf-style file first
  --help, --version

Examples:
  sabre --port 7000 --dir ./data
  sabre ./sabre.conf --save "60 1000"
`;
