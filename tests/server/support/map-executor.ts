import { setTimeout as sleep } from 'node:timers/promises';
import { CommandError, reply, type ClientState, type CommandSpec, type Executor, type Reply } from '../../../src/server/index.ts';

/**
 * TEST DOUBLE, not the engine: a Map per database behind GET / SET / DEL, plus commands that
 * exercise the server's plumbing (an async reply, thrown errors). It exists so that the network
 * layer can be tested before and independently of src/engine.
 */
export class MapExecutorDouble implements Executor {
  readonly databases = new Map<number, Map<string, Buffer>>();
  readonly closedClientIds: number[] = [];

  readonly commands: CommandSpec[] = [
    spec('get', 2, ['readonly', 'fast'], 1, 1, 1),
    spec('set', 3, ['write', 'denyoom'], 1, 1, 1),
    spec('del', -2, ['write'], 1, -1, 1),
    spec('dbsize', 1, ['readonly', 'fast'], 0, 0, 0),
    /** SLOWECHO ms message: answers after a delay, through a Promise. */
    spec('slowecho', 3, ['readonly'], 0, 0, 0),
    /** FAILWITH text: throws an error whose message is a Redis error line, as the engine does. */
    spec('failwith', 2, ['readonly'], 0, 0, 0),
    /** BUG: throws a TypeError, a programming error. */
    spec('bug', 1, ['readonly'], 0, 0, 0),
    /** BADREPLY: returns something that is not a Reply, another programming error. */
    spec('badreply', 1, ['readonly'], 0, 0, 0),
  ];

  execute(client: ClientState, argv: Buffer[]): Reply | Promise<Reply> {
    const name = (argv[0] as Buffer).toString('latin1').toLowerCase();
    const db = this.database(client.dbIndex);
    switch (name) {
      case 'get':
        return reply.bulkOrNull(db.get((argv[1] as Buffer).toString('latin1')));
      case 'set':
        // Arguments are views into received chunks; a store keeps its own copy.
        db.set((argv[1] as Buffer).toString('latin1'), Buffer.from(argv[2] as Buffer));
        return reply.ok();
      case 'del': {
        let deleted = 0;
        for (const key of argv.slice(1)) if (db.delete(key.toString('latin1'))) deleted++;
        return reply.integer(deleted);
      }
      case 'dbsize':
        return reply.integer(db.size);
      case 'slowecho':
        return sleep(Number((argv[1] as Buffer).toString())).then(() => reply.bulk(Buffer.from(argv[2] as Buffer)));
      case 'failwith':
        throw new CommandError((argv[1] as Buffer).toString());
      case 'bug':
        throw new TypeError('a deliberate programming error');
      case 'badreply':
        return { kind: 'bulk', value: undefined } as unknown as Reply;
      default:
        throw new Error(`the table let an unregistered command through: ${name}`);
    }
  }

  infoSections() {
    return [{ name: 'keyspace', fields: [...this.databases].map(([index, db]) => [`db${index}`, `keys=${db.size},expires=0,avg_ttl=0`] as const) }];
  }

  clientClosed(client: ClientState): void {
    this.closedClientIds.push(client.id);
  }

  private database(index: number): Map<string, Buffer> {
    let db = this.databases.get(index);
    if (db === undefined) {
      db = new Map();
      this.databases.set(index, db);
    }
    return db;
  }
}

function spec(name: string, arity: number, flags: CommandSpec['flags'], firstKey: number, lastKey: number, keyStep: number): CommandSpec {
  return { name, arity, flags, firstKey, lastKey, keyStep, group: 'string', since: '1.0.0', summary: `test double ${name}` };
}
