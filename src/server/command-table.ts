import { P, match } from 'ts-pattern';
import type { ClientState } from './client-state.ts';
import { unknownCommandReply, unknownSubcommandReply, wrongArityReply } from './command-errors.ts';
import type { Reply } from './reply.ts';

/** Redis 7 command flags (the subset Sabre uses), reported by COMMAND INFO as they are spelled here. */
export type CommandFlag =
  | 'write'
  | 'readonly'
  | 'denyoom'
  | 'admin'
  | 'pubsub'
  | 'noscript'
  | 'blocking'
  | 'loading'
  | 'stale'
  | 'fast'
  | 'no_auth'
  | 'allow_busy'
  | 'no_multi'
  | 'may_replicate';

/** Groups as COMMAND DOCS names them. */
export type CommandGroup =
  | 'connection'
  | 'generic'
  | 'string'
  | 'list'
  | 'set'
  | 'sorted_set'
  | 'hash'
  | 'server'
  | 'transactions';

export type CommandHandler = (client: ClientState, argv: Buffer[]) => Reply | Promise<Reply>;

export interface CommandSpec {
  /** Lower-case name ("get"); for a subcommand, its own name ("setname"). */
  readonly name: string;
  /** Redis arity: N means exactly N arguments including the name; -N means at least N. */
  readonly arity: number;
  readonly flags: readonly CommandFlag[];
  /** Key positions, 1-based, as in COMMAND INFO; 0 when the command takes no key. lastKey -1 = to the end. */
  readonly firstKey: number;
  readonly lastKey: number;
  readonly keyStep: number;
  readonly group: CommandGroup;
  readonly summary: string;
  /** Redis version that introduced it, for COMMAND DOCS. */
  readonly since: string;
  /** When absent, the server hands the request to its Executor after the checks. */
  readonly handler?: CommandHandler;
  readonly subcommands?: readonly CommandSpec[];
}

/** A command as registered: with its full name ("client|setname") and its container if any. */
export interface RegisteredCommand {
  readonly spec: CommandSpec;
  readonly fullName: string;
  readonly parent: RegisteredCommand | null;
  readonly subcommands: ReadonlyMap<string, RegisteredCommand>;
}

export type CommandLookup =
  | { readonly kind: 'found'; readonly command: RegisteredCommand }
  /** No command of this name: `reply` is Redis's unknown-command error. */
  | { readonly kind: 'unknown'; readonly reply: Reply }
  /** Known name, but an unknown subcommand or a wrong number of arguments. */
  | { readonly kind: 'rejected'; readonly reply: Reply };

/**
 * Commands by lower-case name. Arity is checked here, once, the Redis way, so handlers can index
 * argv without checking its length again.
 */
export class CommandTable {
  private readonly commands = new Map<string, RegisteredCommand>();

  register(spec: CommandSpec): void {
    checkSpec(spec);
    if (this.commands.has(spec.name)) throw new Error(`command '${spec.name}' is registered twice`);
    this.commands.set(spec.name, registered(spec, null));
  }

  registerAll(specs: readonly CommandSpec[]): void {
    for (const spec of specs) this.register(spec);
  }

  get(name: string): RegisteredCommand | undefined {
    return this.commands.get(name.toLowerCase());
  }

  get size(): number {
    return this.commands.size;
  }

  all(): IterableIterator<RegisteredCommand> {
    return this.commands.values();
  }

  /**
   * Finds the command for a request and checks its arity. Returns the error reply Redis gives for
   * an unknown command, an unknown subcommand or a wrong number of arguments.
   * `argv` must not be empty.
   */
  resolve(argv: readonly Buffer[]): CommandLookup {
    const base = this.commands.get(lowerCaseName(argv[0] as Buffer));
    if (base === undefined) return { kind: 'unknown', reply: unknownCommandReply(argv) };
    let command = base;
    if (base.subcommands.size > 0 && argv.length >= 2) {
      const sub = base.subcommands.get(lowerCaseName(argv[1] as Buffer));
      if (sub === undefined) return { kind: 'rejected', reply: unknownSubcommandReply(argv) };
      command = sub;
    }
    if (!arityAccepts(command.spec.arity, argv.length)) {
      return { kind: 'rejected', reply: wrongArityReply(command.fullName) };
    }
    return { kind: 'found', command };
  }
}

export function arityAccepts(arity: number, argCount: number): boolean {
  return arity >= 0 ? argCount === arity : argCount >= -arity;
}

export function hasFlag(spec: CommandSpec, flag: CommandFlag): boolean {
  return spec.flags.includes(flag);
}

function registered(spec: CommandSpec, parent: RegisteredCommand | null): RegisteredCommand {
  const subcommands = new Map<string, RegisteredCommand>();
  const command: RegisteredCommand = {
    spec,
    fullName: parent === null ? spec.name : `${parent.spec.name}|${spec.name}`,
    parent,
    subcommands,
  };
  for (const sub of spec.subcommands ?? []) subcommands.set(sub.name, registered(sub, command));
  return command;
}

function checkSpec(spec: CommandSpec): void {
  match(spec)
    .with({ name: P.when((name) => name === '' || name !== name.toLowerCase() || name.includes('|')) }, () => {
      throw new Error(`command name '${spec.name}' must be non-empty lower case without '|'`);
    })
    .with({ arity: 0 }, () => {
      throw new Error(`command '${spec.name}' has arity 0; Redis arities are never 0`);
    })
    .with({ flags: P.when((flags) => flags.includes('write') && flags.includes('readonly')) }, () => {
      throw new Error(`command '${spec.name}' cannot be both write and readonly`);
    })
    .otherwise(() => undefined);
  for (const sub of spec.subcommands ?? []) checkSpec(sub);
}

/** Command names are ASCII; lower-casing the bytes avoids a second string for the common case. */
function lowerCaseName(name: Buffer): string {
  // Redis lowercases byte-wise; latin1 keeps each byte one character.
  return name.toString('latin1').toLowerCase();
}
