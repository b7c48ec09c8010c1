import type { CommandSpec, Executor } from '../server/index.ts';
import { unknownCommandReply } from '../server/index.ts';
import { configCommand } from './config-command.ts';
import type { CommandContext } from './context.ts';
import { hashCommands } from './hash-commands.ts';
import { infoSections } from './info-sections.ts';
import { keyCommands } from './key-commands.ts';
import { listCommands } from './list-commands.ts';
import { objectCommand, scanCommands } from './scan-commands.ts';
import { debugCommand, serverCommands } from './server-commands.ts';
import { setCommands } from './set-commands.ts';
import { bind } from './spec.ts';
import { stringCommands } from './string-commands.ts';
import { zsetCommands } from './zset-commands.ts';

/** Every command Sabre adds to the server's own (PING, AUTH, CLIENT, INFO...), bound to `ctx`. */
export function sabreCommands(ctx: CommandContext): CommandSpec[] {
  const plain = [...stringCommands, ...keyCommands, ...hashCommands, ...setCommands, ...zsetCommands, ...listCommands, ...scanCommands, ...serverCommands];
  return [...plain.map((definition) => bind(ctx, definition)), objectCommand(ctx), configCommand(ctx), debugCommand(ctx)];
}

/**
 * Every Sabre command has a handler, so the server calls `execute` only for names outside the
 * table, which it has already refused; the executor contributes INFO sections.
 */
export function sabreExecutor(ctx: CommandContext): Executor {
  return {
    execute: (_client, argv) => unknownCommandReply(argv),
    infoSections: () => infoSections(ctx),
  };
}

export type { CommandContext } from './context.ts';
export { EngineHost } from './context.ts';
export { defaultSettings, type Settings, type SaveRule } from './settings.ts';
export { startSabre, type SabreInstance, StartupError } from './start.ts';
