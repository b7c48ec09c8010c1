import { match, P } from 'ts-pattern';
import type { BadRdbPolicy, ClientMemoryLimit, ProtectedActionPolicy, SaveRule, Settings } from '../commands/settings.ts';

/**
 * The redis.conf directives Sabre understands, shared by the command line, the config file and
 * CONFIG SET. A bad value throws DirectiveError with a message for the user.
 */
export class DirectiveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DirectiveError';
  }
}

/** Directive names, as redis.conf spells them. `runtime` ones may change through CONFIG SET. */
export const directives = {
  port: { runtime: false },
  bind: { runtime: false },
  dir: { runtime: true },
  dbfilename: { runtime: true },
  save: { runtime: true },
  requirepass: { runtime: true },
  maxmemory: { runtime: false },
  maxclients: { runtime: false },
  'proto-max-bulk-len': { runtime: false },
  rdbcompression: { runtime: true },
  'stop-writes-on-bgsave-error': { runtime: true },
  databases: { runtime: false },
  appendonly: { runtime: false },
  'sabre-block-size': { runtime: false },
  'sabre-on-bad-rdb': { runtime: true },
  'sabre-dump-step-blocks': { runtime: true },
  'sabre-dump-worker': { runtime: true },
  'sabre-lazyfree-worker': { runtime: false },
  'sabre-logic-worker': { runtime: false },
  // Immutable as in Redis 7: a client that could flip them could open what they close.
  'enable-protected-configs': { runtime: false },
  'enable-debug-command': { runtime: false },
  'protected-mode': { runtime: true },
  timeout: { runtime: true },
  'client-query-buffer-limit': { runtime: true },
  'maxmemory-clients': { runtime: true },
  hz: { runtime: false },
  'active-expire-effort': { runtime: true },
} as const;

export type DirectiveName = keyof typeof directives;

/**
 * Redis 7's PROTECTED_CONFIG: together they choose where SAVE writes, so CONFIG SET of either is
 * refused unless enable-protected-configs allows it (the arbitrary-file-write attack).
 */
export const protectedDirectives: ReadonlySet<DirectiveName> = new Set<DirectiveName>(['dir', 'dbfilename']);

export function isDirective(name: string): name is DirectiveName {
  return Object.hasOwn(directives, name);
}

/** "64mb" -> 67108864. Units as redis.conf: k=1000, kb=1024, m, mb, g, gb (any case). */
export function parseMemory(text: string): number {
  const found = /^(\d+)([kmg]b?)?$/i.exec(text.trim());
  if (found === null) throw new DirectiveError(`argument must be a memory value (like 100mb), got '${text}'`);
  const amount = Number(found[1]);
  const unit = (found[2] ?? '').toLowerCase();
  const factor = match(unit)
    .with('', () => 1).with('k', () => 1e3).with('kb', () => 1024)
    .with('m', () => 1e6).with('mb', () => 1024 ** 2)
    .with('g', () => 1e9).with('gb', () => 1024 ** 3)
    .otherwise(() => 1);
  const bytes = amount * factor;
  if (!Number.isSafeInteger(bytes)) throw new DirectiveError(`memory value '${text}' is too large`);
  return bytes;
}

/** `save ""` clears; otherwise pairs of "<seconds> <changes>", possibly several on one line. */
export function parseSaveRules(args: readonly string[]): SaveRule[] {
  const words = args.flatMap((arg) => arg.split(/\s+/)).filter((word) => word !== '');
  if (words.length === 0) return [];
  if (words.length % 2 !== 0) throw new DirectiveError('Invalid save parameters');
  const rules: SaveRule[] = [];
  for (let i = 0; i < words.length; i += 2) {
    const seconds = Number(words[i]);
    const changes = Number(words[i + 1]);
    if (!/^\d+$/.test(words[i]!) || !/^\d+$/.test(words[i + 1]!) || !Number.isSafeInteger(seconds) || !Number.isSafeInteger(changes)) {
      throw new DirectiveError('Invalid save parameters');
    }
    rules.push({ seconds, changes });
  }
  return rules;
}

/** "10%" or a memory value; Redis's error texts. */
function parseClientMemoryLimit(text: string): ClientMemoryLimit {
  const percent = /^(\d+)%$/.exec(text.trim());
  if (percent !== null) {
    const value = Number(percent[1]);
    if (value > 100) throw new DirectiveError('percentage argument must be less or equal to 100');
    return { kind: 'percent', percent: value };
  }
  try {
    return { kind: 'bytes', byteLength: parseMemory(text) };
  } catch {
    throw new DirectiveError('argument must be a memory or percent value');
  }
}

function integerIn(text: string, min: number, max: number, what: string): number {
  if (!/^-?\d+$/.test(text)) throw new DirectiveError(`${what} must be an integer, got '${text}'`);
  const value = Number(text);
  if (value < min || value > max) throw new DirectiveError(`${what} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function yesNo(text: string, what: string): boolean {
  const lower = text.toLowerCase();
  if (lower === 'yes') return true;
  if (lower === 'no') return false;
  throw new DirectiveError(`${what} must be 'yes' or 'no', got '${text}'`);
}

/** Redis's enum config parse, with its error text. */
function protectedActionPolicy(text: string): ProtectedActionPolicy {
  const lower = text.toLowerCase();
  if (lower === 'no' || lower === 'yes' || lower === 'local') return lower;
  throw new DirectiveError('argument(s) must be one of the following: no, yes, local');
}

/** Redis's int config parse for `timeout`, with its error texts. */
function idleTimeoutSec(text: string): number {
  if (!/^-?\d+$/.test(text)) throw new DirectiveError("argument couldn't be parsed into an integer");
  const seconds = Number(text);
  if (seconds < 0 || seconds > 2147483647) throw new DirectiveError('argument must be between 0 and 2147483647 inclusive');
  return seconds;
}

function single(name: string, args: readonly string[]): string {
  if (args.length !== 1) throw new DirectiveError(`wrong number of arguments for '${name}'`);
  return args[0]!;
}

/**
 * Applies one directive. `appendSave` is true for the second and later `save` lines of one
 * configuration pass (redis.conf's rules accumulate; the first line replaces the defaults).
 */
export function applyDirective(settings: Settings, name: string, args: readonly string[], appendSave = false): void {
  const lower = name.toLowerCase();
  if (!isDirective(lower)) throw new DirectiveError(`unknown directive '${name}'`);
  match(lower)
    .with('port', () => { settings.port = integerIn(single(lower, args), 0, 65535, 'port'); })
    .with('bind', () => {
      if (args.length !== 1) throw new DirectiveError('Sabre listens on one address: give bind a single address');
      settings.bind = args[0]!;
    })
    .with('dir', () => { settings.dir = single(lower, args); })
    .with('dbfilename', () => {
      const file = single(lower, args);
      if (file === '' || file.includes('/')) throw new DirectiveError("dbfilename can't be a path, just a filename");
      settings.dbfilename = file;
    })
    .with('save', () => {
      const rules = parseSaveRules(args);
      // `save ""` clears every rule, wherever it appears.
      settings.save = appendSave && rules.length > 0 ? [...settings.save, ...rules] : rules;
    })
    .with('requirepass', () => {
      const password = single(lower, args);
      settings.requirepass = password === '' ? null : password;
    })
    .with('maxmemory', () => { settings.maxmemory = parseMemory(single(lower, args)); })
    .with('maxclients', () => { settings.maxclients = integerIn(single(lower, args), 1, 1_000_000, 'maxclients'); })
    .with('proto-max-bulk-len', () => {
      const bytes = parseMemory(single(lower, args));
      if (bytes < 1024 * 1024) throw new DirectiveError('proto-max-bulk-len must be at least 1mb');
      settings.protoMaxBulkLen = bytes;
    })
    .with('rdbcompression', () => { settings.rdbcompression = yesNo(single(lower, args), 'rdbcompression'); })
    .with('stop-writes-on-bgsave-error', () => { settings.stopWritesOnBgsaveError = yesNo(single(lower, args), 'stop-writes-on-bgsave-error'); })
    .with('databases', () => {
      if (integerIn(single(lower, args), 1, 1_000_000, 'databases') !== 16) throw new DirectiveError('Sabre has exactly 16 databases');
    })
    .with('appendonly', () => {
      if (yesNo(single(lower, args), 'appendonly')) throw new DirectiveError('Sabre has no append-only file: appendonly must be no');
    })
    .with('sabre-block-size', () => {
      const bytes = integerIn(single(lower, args), 64, 65536, 'sabre-block-size');
      if (bytes % 8 !== 0) throw new DirectiveError('sabre-block-size must be a multiple of 8');
      settings.blockSizeBytes = bytes;
    })
    .with('sabre-on-bad-rdb', () => {
      const policy = single(lower, args);
      settings.onBadRdb = match(policy)
        .with(P.union('exit', 'start-empty'), (value): BadRdbPolicy => value)
        .otherwise(() => { throw new DirectiveError(`sabre-on-bad-rdb must be 'exit' or 'start-empty', got '${policy}'`); });
    })
    .with('sabre-dump-step-blocks', () => {
      settings.dumpStepBlocks = integerIn(single(lower, args), 1, 1 << 24, 'sabre-dump-step-blocks');
    })
    .with('sabre-lazyfree-worker', () => { settings.lazyfreeWorker = yesNo(single(lower, args), 'sabre-lazyfree-worker'); })
    .with('sabre-dump-worker', () => { settings.dumpWorker = yesNo(single(lower, args), 'sabre-dump-worker'); })
    .with('sabre-logic-worker', () => { settings.logicWorker = yesNo(single(lower, args), 'sabre-logic-worker'); })
    .with('enable-protected-configs', () => { settings.enableProtectedConfigs = protectedActionPolicy(single(lower, args)); })
    .with('enable-debug-command', () => { settings.enableDebugCommand = protectedActionPolicy(single(lower, args)); })
    .with('protected-mode', () => { settings.protectedMode = yesNo(single(lower, args), 'protected-mode'); })
    .with('timeout', () => { settings.clientIdleTimeoutSec = idleTimeoutSec(single(lower, args)); })
    .with('client-query-buffer-limit', () => {
      const bytes = parseMemory(single(lower, args));
      if (bytes < 1024 * 1024) throw new DirectiveError(`argument must be between 1048576 and 9223372036854775807 inclusive`);
      settings.clientQueryBufferLimit = bytes;
    })
    .with('maxmemory-clients', () => { settings.maxmemoryClients = parseClientMemoryLimit(single(lower, args)); })
    .with('hz', () => { settings.hz = integerIn(single(lower, args), 1, 500, 'hz'); })
    .with('active-expire-effort', () => { settings.activeExpireEffort = integerIn(single(lower, args), 1, 10, 'active-expire-effort'); })
    .exhaustive();
}

/** The current value of a directive, as CONFIG GET prints it. */
export function directiveValue(settings: Settings, name: DirectiveName): string {
  return match(name)
    .with('port', () => String(settings.port))
    .with('bind', () => settings.bind)
    .with('dir', () => settings.dir)
    .with('dbfilename', () => settings.dbfilename)
    .with('save', () => settings.save.map((rule) => `${rule.seconds} ${rule.changes}`).join(' '))
    .with('requirepass', () => settings.requirepass ?? '')
    .with('maxmemory', () => String(settings.maxmemory))
    .with('maxclients', () => String(settings.maxclients))
    .with('proto-max-bulk-len', () => String(settings.protoMaxBulkLen))
    .with('rdbcompression', () => (settings.rdbcompression ? 'yes' : 'no'))
    .with('stop-writes-on-bgsave-error', () => (settings.stopWritesOnBgsaveError ? 'yes' : 'no'))
    .with('databases', () => '16')
    .with('appendonly', () => 'no')
    .with('sabre-block-size', () => String(settings.blockSizeBytes))
    .with('sabre-on-bad-rdb', () => settings.onBadRdb)
    .with('sabre-dump-step-blocks', () => String(settings.dumpStepBlocks))
    .with('sabre-lazyfree-worker', () => (settings.lazyfreeWorker ? 'yes' : 'no'))
    .with('sabre-dump-worker', () => (settings.dumpWorker ? 'yes' : 'no'))
    .with('sabre-logic-worker', () => (settings.logicWorker ? 'yes' : 'no'))
    .with('enable-protected-configs', () => settings.enableProtectedConfigs)
    .with('enable-debug-command', () => settings.enableDebugCommand)
    .with('protected-mode', () => (settings.protectedMode ? 'yes' : 'no'))
    .with('timeout', () => String(settings.clientIdleTimeoutSec))
    .with('client-query-buffer-limit', () => String(settings.clientQueryBufferLimit))
    .with('maxmemory-clients', () => {
      const limit = settings.maxmemoryClients;
      return limit.kind === 'bytes' ? String(limit.byteLength) : `${limit.percent}%`;
    })
    .with('hz', () => String(settings.hz))
    .with('active-expire-effort', () => String(settings.activeExpireEffort))
    .exhaustive();
}
