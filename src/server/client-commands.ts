import { clientKill } from './client-kill.ts';
import type { ClientState } from './client-state.ts';
import { syntaxErrorReply } from './command-errors.ts';
import type { CommandSpec } from './command-table.ts';
import { parseIntegerArg } from './integer-arg.ts';
import { reply, type Reply } from './reply.ts';
import type { ServerContext } from './server-context.ts';

const invalidNameReply = reply.error('ERR Client names cannot contain spaces, newlines or special characters.');

/** Redis allows printable ASCII without spaces ('!' to '~') so CLIENT LIST stays parseable. */
export function validateClientName(name: string): Reply | null {
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (code < 0x21 || code > 0x7e) return invalidNameReply;
  }
  return null;
}

/** One CLIENT LIST line, fields in Redis 7's order; buffer sizes Sabre does not track are 0. */
export function describeClient(client: ClientState, nowMs: number): string {
  const memory = client.memoryFigures();
  const fields: [string, string | number][] = [
    ['id', client.id],
    ['addr', client.remoteAddress],
    ['laddr', client.localAddress],
    ['fd', -1],
    ['name', client.name ?? ''],
    ['age', Math.floor((nowMs - client.createdAtMs) / 1000)],
    ['idle', Math.floor((nowMs - client.lastInteractionMs) / 1000)],
    ['flags', client.noEvict ? 'e' : 'N'],
    ['db', client.dbIndex],
    ['sub', 0],
    ['psub', 0],
    ['ssub', 0],
    ['multi', -1],
    ['qbuf', memory.queryBufferByteLength],
    ['qbuf-free', memory.queryBufferFreeByteLength],
    ['argv-mem', memory.argvByteLength],
    ['multi-mem', 0],
    ['rbs', 0],
    ['rbp', 0],
    ['obl', 0],
    ['oll', 0],
    ['omem', memory.outputByteLength],
    ['tot-mem', memory.totalByteLength],
    ['events', 'r'],
    ['cmd', client.lastCommandName],
    ['user', 'default'],
    ['redir', -1],
    ['resp', client.protocol],
    ['lib-name', client.libName],
    ['lib-ver', client.libVersion],
  ];
  return fields.map(([key, value]) => `${key}=${value}`).join(' ');
}

const clientHelpLines = [
  'CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'GETNAME',
  '    Return the name of the current connection.',
  'ID',
  '    Return the ID of the current connection.',
  'INFO',
  '    Return information about the current client connection.',
  'KILL <ip:port>',
  '    Kill connection made from <ip:port>.',
  'KILL <option> <value> [<option> <value> [...]]',
  '    Kill connections. Options are:',
  '    * ADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made from the specified address',
  '    * LADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made to specified local address',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      Kill connections by type.',
  '    * USER <username>',
  '      Kill connections authenticated by <username>.',
  '    * SKIPME (YES|NO)',
  '      Skip killing current connection (default: yes).',
  '    * ID <client-id>',
  '      Kill connections by client id.',
  '    * MAXAGE <maxage>',
  '      Kill connections older than the specified age.',
  'LIST [TYPE NORMAL] [ID <id> [<id> ...]]',
  '    Return information about client connections.',
  'NO-EVICT (ON|OFF)',
  '    Protect current client connection from eviction.',
  'SETINFO <LIB-NAME|LIB-VER> <value>',
  '    Set client library name or version.',
  'SETNAME <name>',
  '    Assign the name <name> to the current connection.',
  'HELP',
  '    Print this help.',
];

export function clientCommand(context: ServerContext): CommandSpec {
  const sub = (
    name: string,
    arity: number,
    summary: string,
    handler: (client: ClientState, argv: Buffer[]) => Reply,
  ): CommandSpec => ({
    name, arity, flags: ['noscript', 'loading', 'stale'], firstKey: 0, lastKey: 0, keyStep: 0,
    group: 'connection', since: '2.4.0', summary, handler,
  });

  const list = (_client: ClientState, argv: Buffer[]): Reply => {
    let wantedIds: Set<number> | null = null;
    let typeMatches = true;
    for (let i = 2; i < argv.length; i++) {
      const option = (argv[i] as Buffer).toString('latin1').toLowerCase();
      if (option === 'type' && i + 1 < argv.length) {
        const type = (argv[i + 1] as Buffer).toString('latin1').toLowerCase();
        if (!['normal', 'master', 'replica', 'slave', 'pubsub'].includes(type)) {
          return reply.error(`ERR Unknown client type '${(argv[i + 1] as Buffer).toString('latin1')}'`);
        }
        typeMatches = type === 'normal';
        i++;
      } else if (option === 'id' && i + 1 < argv.length) {
        wantedIds = new Set();
        for (i++; i < argv.length; i++) {
          const id = parseIntegerArg(argv[i] as Buffer);
          if (id === null || id <= 0) return reply.error('ERR Invalid client ID');
          wantedIds.add(id);
        }
      } else {
        return syntaxErrorReply;
      }
    }
    const nowMs = Date.now();
    let text = '';
    if (typeMatches) {
      for (const other of context.clients()) {
        if (wantedIds === null || wantedIds.has(other.id)) text += `${describeClient(other, nowMs)}\n`;
      }
    }
    return reply.verbatimText(text);
  };

  const setInfo = (client: ClientState, argv: Buffer[]): Reply => {
    const attribute = (argv[2] as Buffer).toString('latin1').toLowerCase();
    const value = (argv[3] as Buffer).toString('latin1');
    for (let i = 0; i < value.length; i++) {
      const code = value.charCodeAt(i);
      if (code < 0x21 || code > 0x7e) {
        return reply.error(`ERR ${attribute} cannot contain spaces, newlines or special characters.`);
      }
    }
    if (attribute === 'lib-name') client.libName = value;
    else if (attribute === 'lib-ver') client.libVersion = value;
    else return reply.error(`ERR Unrecognized option '${(argv[2] as Buffer).toString('latin1')}'`);
    return reply.ok();
  };

  return {
    name: 'client', arity: -2, flags: [], firstKey: 0, lastKey: 0, keyStep: 0, group: 'connection',
    since: '2.4.0', summary: 'A container for client connection commands',
    subcommands: [
      sub('id', 2, 'Returns the client ID for the current connection', (client) => reply.integer(client.id)),
      sub('getname', 2, 'Get the current connection name', (client) => reply.bulkOrNull(client.name)),
      sub('setname', 3, 'Set the current connection name', (client, argv) => {
        const name = (argv[2] as Buffer).toString('latin1');
        const invalid = validateClientName(name);
        if (invalid !== null) return invalid;
        client.name = name === '' ? null : name;
        return reply.ok();
      }),
      sub('list', -2, 'Get the list of client connections', list),
      sub('info', 2, 'Returns information about the current client connection.', (client) =>
        reply.verbatimText(`${describeClient(client, Date.now())}\n`)),
      sub('setinfo', 4, 'Set client or connection specific info', setInfo),
      { ...sub('kill', -3, 'Kill the connection of a client', (client, argv) => clientKill(context, client, argv)), flags: ['admin', 'noscript', 'loading', 'stale'] },
      sub('no-evict', 3, 'Set client eviction mode for the current connection', (client, argv) => {
        const mode = (argv[2] as Buffer).toString('latin1').toLowerCase();
        if (mode !== 'on' && mode !== 'off') return syntaxErrorReply;
        client.noEvict = mode === 'on';
        return reply.ok();
      }),
      sub('help', 2, 'Show helpful text about the different subcommands', () =>
        reply.array(clientHelpLines.map((line) => reply.simple(line)))),
    ],
  };
}
