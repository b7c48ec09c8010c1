import { authCommands } from './auth-commands.ts';
import { clientCommand } from './client-commands.ts';
import { commandCommand } from './command-command.ts';
import { notIntegerReply, wrongArityReply } from './command-errors.ts';
import type { CommandSpec } from './command-table.ts';
import { infoCommand } from './info-command.ts';
import { parseIntegerArg } from './integer-arg.ts';
import { reply } from './reply.ts';
import type { ServerContext } from './server-context.ts';

const dbIndexOutOfRangeReply = reply.error('ERR DB index is out of range');

/** Commands the server answers itself, without the engine. */
export function connectionCommands(context: ServerContext): CommandSpec[] {
  const simple = { firstKey: 0, lastKey: 0, keyStep: 0, group: 'connection' } as const;
  return [
    {
      ...simple, name: 'ping', arity: -1, flags: ['fast'], since: '1.0.0', summary: 'Ping the server',
      handler: (_client, argv) => {
        if (argv.length > 2) return wrongArityReply('ping');
        return argv.length === 2 ? reply.bulk(argv[1] as Buffer) : reply.pong();
      },
    },
    {
      ...simple, name: 'echo', arity: 2, flags: ['fast'], since: '1.0.0', summary: 'Echo the given string',
      handler: (_client, argv) => reply.bulk(argv[1] as Buffer),
    },
    {
      ...simple, name: 'quit', arity: -1, flags: ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'],
      since: '1.0.0', summary: 'Close the connection',
      handler: (client) => {
        client.closeAfterReply = true;
        return reply.ok();
      },
    },
    {
      ...simple, name: 'select', arity: 2, flags: ['loading', 'stale', 'fast'], since: '1.0.0',
      summary: 'Change the selected database for the current connection',
      handler: (client, argv) => {
        const index = parseIntegerArg(argv[1] as Buffer);
        if (index === null) return notIntegerReply;
        if (index < 0 || index >= context.config.databaseCount) return dbIndexOutOfRangeReply;
        client.dbIndex = index;
        return reply.ok();
      },
    },
    ...authCommands(context),
    clientCommand(context),
    commandCommand(context),
    infoCommand(context),
  ];
}
