import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type SabreServer } from '../../src/server/index.ts';
import { MapExecutorDouble } from './support/map-executor.ts';
import { exchangeThenQuit } from './support/raw-client.ts';

/** Exact bytes, compared with what redis-server 7.0.15 sends for the same requests. */
describe('connection-level commands, byte for byte', () => {
  let server: SabreServer;
  beforeAll(async () => {
    const executor = new MapExecutorDouble();
    server = await startServer({ executor, commands: executor.commands, port: 0 });
  });
  afterAll(async () => {
    await server.close();
  });

  const cases: [string, string, string][] = [
    ['PING with a message echoes it', 'PING hi\r\n', '$2\r\nhi\r\n'],
    ['PING with two messages is an arity error', 'PING a b\r\n', "-ERR wrong number of arguments for 'ping' command\r\n"],
    ['ECHO without argument', 'ECHO\r\n', "-ERR wrong number of arguments for 'echo' command\r\n"],
    ['HELLO with an unsupported version', 'HELLO 4\r\n', '-NOPROTO unsupported protocol version\r\n'],
    ['HELLO with a non-integer version', 'HELLO x\r\n', '-ERR Protocol version is not an integer or out of range\r\n'],
    ['HELLO with an unknown option', 'HELLO 3 FOO\r\n', "-ERR Syntax error in HELLO option 'FOO'\r\n"],
    ['HELLO AUTH missing the password', 'HELLO 3 AUTH a\r\n', "-ERR Syntax error in HELLO option 'AUTH'\r\n"],
    ['HELLO SETNAME with a space', 'HELLO 3 SETNAME "a b"\r\n', '-ERR Client names cannot contain spaces, newlines or special characters.\r\n'],
    ['AUTH without requirepass', 'AUTH x\r\n', '-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n'],
    ['AUTH with too many arguments', 'AUTH a b c\r\n', '-ERR syntax error\r\n'],
    ['AUTH with no argument', 'AUTH\r\n', "-ERR wrong number of arguments for 'auth' command\r\n"],
    ['CLIENT alone', 'CLIENT\r\n', "-ERR wrong number of arguments for 'client' command\r\n"],
    ['CLIENT GETNAME when unnamed', 'CLIENT GETNAME\r\n', '$-1\r\n'],
    ['COMMAND with an unknown subcommand', 'COMMAND FOO\r\n', "-ERR unknown subcommand 'FOO'. Try COMMAND HELP.\r\n"],
    ['SELECT a negative index', 'SELECT -1\r\n', '-ERR DB index is out of range\r\n'],
    ['SELECT the last database', 'SELECT 15\r\n', '+OK\r\n'],
    ['an empty command name', '*1\r\n$0\r\n\r\n', "-ERR unknown command '', with args beginning with: \r\n"],
  ];
  for (const [name, request, expected] of cases) {
    it(name, async () => {
      expect(await exchangeThenQuit(server.port, request)).toBe(expected);
    });
  }

  it('sends RESP3 nulls after HELLO 3 and RESP2 nulls again after HELLO 2', async () => {
    const received = await exchangeThenQuit(server.port, 'HELLO 3\r\nGET nothing\r\nCLIENT GETNAME\r\nHELLO 2\r\nGET nothing\r\n');
    expect(received).toContain('modules\r\n*0\r\n_\r\n_\r\n*14\r\n');
    expect(received.endsWith('modules\r\n*0\r\n$-1\r\n')).toBe(true);
  });

  it('keeps the HELLO SETNAME name and the protocol for the connection', async () => {
    const received = await exchangeThenQuit(server.port, 'HELLO 3 SETNAME worker-1\r\nCLIENT INFO\r\n');
    expect(received).toMatch(/ name=worker-1 .* resp=3 /);
  });

  it('sends INFO and CLIENT INFO as verbatim text under RESP3, as Redis 7 does', async () => {
    const received = await exchangeThenQuit(server.port, 'HELLO 3\r\nINFO clients\r\nCLIENT INFO\r\nHELLO 2\r\nINFO clients\r\n');
    expect(received).toMatch(/modules\r\n\*0\r\n=\d+\r\ntxt:# Clients\r\nconnected_clients:\d+\r\nmaxclients:10000\r\n/);
    expect(received).toMatch(/\r\n=\d+\r\ntxt:id=\d+ addr=/);
    expect(received).toMatch(/modules\r\n\*0\r\n\$\d+\r\n# Clients\r\n/);
  });

  it('lists every command in COMMAND DOCS without arguments, as a map under RESP3', async () => {
    const received = await exchangeThenQuit(server.port, 'HELLO 3\r\nCOMMAND DOCS\r\nCOMMAND COUNT\r\n');
    const count = Number(/:(\d+)\r\n$/.exec(received)?.[1]);
    expect(count).toBeGreaterThan(10);
    expect(received).toContain(`modules\r\n*0\r\n%${count}\r\n`);
  });
});
