/** The public face of src/server: what the engine and the command line import. */
export { startServer, type ServerOptions, type SabreServer } from './listener.ts';
export type { Executor } from './executor.ts';
export { ClientState } from './client-state.ts';
export { reply, type Reply, type ReplyKind } from './reply.ts';
export { CommandTable, arityAccepts, hasFlag, type CommandSpec, type CommandFlag, type CommandGroup, type CommandHandler } from './command-table.ts';
export { CommandError, errorReplyOf, unknownCommandReply, wrongArityReply, syntaxErrorReply, notIntegerReply } from './command-errors.ts';
export type { InfoSection } from './server-context.ts';
export { encodeReply, ReplyEncoder, type ProtocolVersion } from './resp-writer.ts';
export { RequestParser, ProtocolError, defaultParserLimits, type ParserLimits } from './resp-parser.ts';
export { formatDouble } from './double-format.ts';
