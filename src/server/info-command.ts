import type { CommandSpec } from './command-table.ts';
import { reply, type Reply } from './reply.ts';
import type { InfoSection, ServerContext } from './server-context.ts';

const sabreVersion = '0.1.0';

function serverSections(context: ServerContext): InfoSection[] {
  const uptimeSeconds = Math.floor((Date.now() - context.startedAtMs) / 1000);
  let connectedClients = 0;
  for (const _client of context.clients()) connectedClients++;
  return [
    {
      name: 'server',
      fields: [
        ['redis_version', context.config.reportedRedisVersion],
        ['sabre_version', sabreVersion],
        ['redis_mode', 'standalone'],
        ['arch_bits', 64],
        ['process_id', process.pid],
        ['tcp_port', context.tcpPort],
        ['uptime_in_seconds', uptimeSeconds],
        ['uptime_in_days', Math.floor(uptimeSeconds / 86400)],
      ],
    },
    {
      name: 'clients',
      fields: [['connected_clients', connectedClients], ['maxclients', context.config.maxClientCount], ['blocked_clients', 0]],
    },
  ];
}

/** "# Server", as Redis capitalises section titles. */
function title(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/** INFO [section ...]: "default", "all" and "everything" select every section Sabre has. */
export function renderInfo(context: ServerContext, argv: readonly Buffer[]): Reply {
  const requested = argv.slice(1).map((arg) => arg.toString('latin1').toLowerCase());
  const everything = requested.length === 0 || requested.some((name) => ['all', 'everything', 'default'].includes(name));
  const sections = [...serverSections(context), ...context.executorInfoSections()].filter(
    (section) => everything || requested.includes(section.name),
  );
  const text = sections
    .map((section) => `# ${title(section.name)}\r\n${section.fields.map(([key, value]) => `${key}:${value}\r\n`).join('')}`)
    .join('\r\n');
  return reply.verbatimText(text);
}

export function infoCommand(context: ServerContext): CommandSpec {
  return {
    name: 'info', arity: -1, flags: ['loading', 'stale'], firstKey: 0, lastKey: 0, keyStep: 0, group: 'server',
    since: '1.0.0', summary: 'Get information and statistics about the server',
    handler: (_client, argv) => renderInfo(context, argv),
  };
}
