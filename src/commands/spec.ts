import type { ClientState, CommandFlag, CommandGroup, CommandSpec, Reply } from '../server/index.ts';
import type { CommandContext } from './context.ts';

export type Handler = (ctx: CommandContext, client: ClientState, argv: Buffer[]) => Reply | Promise<Reply>;

/** A command before it is bound to a context: the table entry plus its handler. */
export interface CommandDefinition {
  readonly name: string;
  readonly arity: number;
  readonly flags: readonly CommandFlag[];
  /** [first, last, step] key positions, as COMMAND INFO reports them. */
  readonly keys: readonly [number, number, number];
  readonly group: CommandGroup;
  readonly since: string;
  readonly summary: string;
  readonly handler: Handler;
}

export function define(
  name: string, arity: number, flags: readonly CommandFlag[], keys: readonly [number, number, number],
  group: CommandGroup, since: string, summary: string, handler: Handler,
): CommandDefinition {
  return { name, arity, flags, keys, group, since, summary, handler };
}

/**
 * Binds a definition to the context. Write commands end the engine's block reservation and count
 * towards `dirty` (what the save rules and rdb_changes_since_last_save read) when they succeed.
 */
export function bind(ctx: CommandContext, definition: CommandDefinition): CommandSpec {
  const { handler } = definition;
  const stats = ctx.stats;
  const isWrite = definition.flags.includes('write');
  const run = isWrite
    ? (client: ClientState, argv: Buffer[]) => {
        stats.commandsProcessed++;
        try {
          const result = handler(ctx, client, argv);
          stats.dirty++;
          return result;
        } finally {
          ctx.host.engine.endCommand();
        }
      }
    : (client: ClientState, argv: Buffer[]) => {
        stats.commandsProcessed++;
        return handler(ctx, client, argv);
      };
  const [firstKey, lastKey, keyStep] = definition.keys;
  return {
    name: definition.name, arity: definition.arity, flags: definition.flags, firstKey, lastKey, keyStep,
    group: definition.group, since: definition.since, summary: definition.summary, handler: run,
  };
}

export const noKeys = [0, 0, 0] as const;
export const oneKey = [1, 1, 1] as const;
export const allKeys = [1, -1, 1] as const;
