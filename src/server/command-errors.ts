import { reply, type Reply } from './reply.ts';

/**
 * Error replies that the command layer produces, worded exactly as Redis 7.0 words them
 * (checked against redis-server 7.0.15; see tests/server/command-table.test.ts).
 */

/** Redis caps each quoted argument and the whole list at 128 bytes. */
const unknownCommandTextMax = 128;

/**
 * An argument as Redis's `%s` prints it: up to the first NUL byte, at most `byteLengthMax` bytes,
 * one character per byte.
 */
export function printedArg(arg: Buffer, byteLengthMax: number = arg.length): string {
  const nul = arg.indexOf(0);
  return arg.subarray(0, Math.min(nul === -1 ? arg.length : nul, byteLengthMax)).toString('latin1');
}

export function unknownCommandReply(argv: readonly Buffer[]): Reply {
  const name = printedArg(argv[0] ?? Buffer.alloc(0), unknownCommandTextMax);
  let args = '';
  for (let i = 1; i < argv.length && args.length < unknownCommandTextMax; i++) {
    args += `'${printedArg(argv[i] as Buffer, unknownCommandTextMax - args.length)}' `;
  }
  return reply.error(`ERR unknown command '${name}', with args beginning with: ${args}`);
}

export function unknownSubcommandReply(argv: readonly Buffer[]): Reply {
  // Redis upper-cases ASCII letters only.
  const container = printedArg(argv[0] as Buffer).replace(/[a-z]+/g, (letters) => letters.toUpperCase());
  const subcommand = printedArg(argv[1] as Buffer, unknownCommandTextMax);
  return reply.error(`ERR unknown subcommand '${subcommand}'. Try ${container} HELP.`);
}

export function wrongArityReply(fullName: string): Reply {
  return reply.error(`ERR wrong number of arguments for '${fullName}' command`);
}

export const noAuthReply = reply.error('NOAUTH Authentication required.');
export const wrongPassReply = reply.error('WRONGPASS invalid username-password pair or user is disabled.');
export const syntaxErrorReply = reply.error('ERR syntax error');
export const notIntegerReply = reply.error('ERR value is not an integer or out of range');

/**
 * Thrown by command code (or by the engine, with its own class) to answer with an error.
 * The message is the whole Redis error line, code first: "ERR syntax error".
 */
export class CommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandError';
  }
}

const errorCodePattern = /^[A-Z][A-Z0-9_]*( |$)/;
const programmingErrorNames = new Set(['AssertionError', 'TypeError', 'RangeError', 'ReferenceError', 'SyntaxError']);

/**
 * The reply for an error thrown by command code, or null for a programming error (an assertion,
 * a TypeError...), which must not be turned into an ordinary reply. Any other Error whose message
 * starts with an upper-case code (the engine's EngineError: "WRONGTYPE Operation...") is a reply.
 */
export function errorReplyOf(error: unknown): Reply | null {
  if (!(error instanceof Error) || programmingErrorNames.has(error.name)) return null;
  if (error instanceof CommandError || errorCodePattern.test(error.message)) return reply.error(error.message);
  return null;
}
