import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CommandTable, arityAccepts, type CommandSpec } from '../../src/server/command-table.ts';
import { errorReplyOf, unknownCommandReply, CommandError } from '../../src/server/command-errors.ts';
import { reply } from '../../src/server/reply.ts';

const base = { flags: [], firstKey: 0, lastKey: 0, keyStep: 0, group: 'generic', since: '1.0.0', summary: 's' } as const;
const args = (...words: string[]) => words.map((word) => Buffer.from(word));

function table(): CommandTable {
  const commands = new CommandTable();
  commands.register({ ...base, name: 'get', arity: 2 });
  commands.register({ ...base, name: 'del', arity: -2 });
  commands.register({
    ...base, name: 'object', arity: -2,
    subcommands: [{ ...base, name: 'encoding', arity: 3 }, { ...base, name: 'help', arity: 2 }],
  });
  return commands;
}

describe('CommandTable', () => {
  it('accepts exactly N arguments for arity N and at least N for arity -N', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 40 }), (arity, argCount) => {
      expect(arityAccepts(arity, argCount)).toBe(argCount === arity);
      expect(arityAccepts(-arity, argCount)).toBe(argCount >= arity);
    }));
  });

  it('finds commands whatever the case of the name', () => {
    const lookup = table().resolve(args('GeT', 'k'));
    expect(lookup.kind === 'found' && lookup.command.fullName).toBe('get');
  });

  it('rejects a wrong number of arguments with the full name of a subcommand', () => {
    expect(table().resolve(args('get'))).toEqual({ kind: 'rejected', reply: reply.error("ERR wrong number of arguments for 'get' command") });
    expect(table().resolve(args('del'))).toEqual({ kind: 'rejected', reply: reply.error("ERR wrong number of arguments for 'del' command") });
    expect(table().resolve(args('OBJECT', 'ENCODING'))).toEqual({
      kind: 'rejected', reply: reply.error("ERR wrong number of arguments for 'object|encoding' command"),
    });
    expect(table().resolve(args('object'))).toEqual({ kind: 'rejected', reply: reply.error("ERR wrong number of arguments for 'object' command") });
  });

  it('names an unknown subcommand and the container in upper case', () => {
    expect(table().resolve(args('object', 'Nope'))).toEqual({ kind: 'rejected', reply: reply.error("ERR unknown subcommand 'Nope'. Try OBJECT HELP.") });
  });

  it('refuses bad registrations', () => {
    const commands = table();
    expect(() => commands.register({ ...base, name: 'get', arity: 2 })).toThrow(/twice/);
    expect(() => commands.register({ ...base, name: 'Upper', arity: 2 })).toThrow(/lower case/);
    expect(() => commands.register({ ...base, name: 'zero', arity: 0 })).toThrow(/arity 0/);
    expect(() => commands.register({ ...base, name: 'both', arity: 1, flags: ['write', 'readonly'] } as CommandSpec)).toThrow(/both/);
  });
});

describe('unknown command error', () => {
  it('quotes the arguments as Redis 7 does, with a trailing space', () => {
    expect(unknownCommandReply(args('foo', 'a b', 'x\r\ny', 'c'))).toEqual(
      reply.error("ERR unknown command 'foo', with args beginning with: 'a b' 'x\r\ny' 'c' "),
    );
    expect(unknownCommandReply(args('foo'))).toEqual(reply.error("ERR unknown command 'foo', with args beginning with: "));
  });

  it('prints arguments as C strings: up to a NUL byte', () => {
    expect(unknownCommandReply([Buffer.from('PI\u0000G'), Buffer.from('a\u0000b')])).toEqual(
      reply.error("ERR unknown command 'PI', with args beginning with: 'a' "),
    );
  });

  it('caps the name and the argument list near 128 bytes', () => {
    const long = 'a'.repeat(300);
    const error = unknownCommandReply(args(long, long, 'second'));
    expect(error).toEqual(reply.error(`ERR unknown command '${'a'.repeat(128)}', with args beginning with: '${'a'.repeat(128)}' `));
  });
});

describe('errorReplyOf', () => {
  it('turns errors carrying a Redis error line into replies', () => {
    class EngineErrorLike extends Error {}
    expect(errorReplyOf(new CommandError('ERR syntax error'))).toEqual(reply.error('ERR syntax error'));
    expect(errorReplyOf(new EngineErrorLike('WRONGTYPE Operation against a key holding the wrong kind of value'))).toEqual(
      reply.error('WRONGTYPE Operation against a key holding the wrong kind of value'),
    );
  });

  it('leaves programming errors alone', () => {
    const assertion = new Error('ERR looks like a reply');
    assertion.name = 'AssertionError';
    expect(errorReplyOf(assertion)).toBeNull();
    expect(errorReplyOf(new TypeError('X is not a function'))).toBeNull();
    expect(errorReplyOf(new Error('something broke'))).toBeNull();
    expect(errorReplyOf('a string')).toBeNull();
  });
});
