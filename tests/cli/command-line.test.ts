import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseCommandLine, parseConfigText, UsageError } from '../../src/cli/command-line.ts';
import { parseMemory, parseSaveRules } from '../../src/cli/directives.ts';
import { defaultSettings } from '../../src/commands/settings.ts';

function run(argv: string[], files: Record<string, string> = {}) {
  const parsed = parseCommandLine(argv, (file) => {
    const text = files[file];
    if (text === undefined) throw new Error('ENOENT: no such file');
    return text;
  });
  if (parsed.kind !== 'run') throw new Error(`expected a run, got ${parsed.kind}`);
  return parsed.settings;
}

describe('command-line flags', () => {
  it('defaults to loopback, port 7379, ./data/dump.rdb and Redis 7 save rules', () => {
    const settings = run([]);
    expect(settings).toEqual(defaultSettings());
    expect(settings.port).toBe(7379);
    expect(settings.bind).toBe('127.0.0.1');
    expect(settings.dir).toBe('./data');
    expect(settings.dbfilename).toBe('dump.rdb');
    expect(settings.save).toEqual([{ seconds: 3600, changes: 1 }, { seconds: 300, changes: 100 }, { seconds: 60, changes: 10000 }]);
  });

  it('takes redis-server style flags, with values as one word or several', () => {
    const settings = run(['--port', '7000', '--dir', './elsewhere', '--dbfilename', 'x.rdb', '--bind', '0.0.0.0',
      '--requirepass', 'pw', '--maxmemory', '64mb', '--save', '60', '1000', '--sabre-block-size', '128']);
    expect(settings).toMatchObject({ port: 7000, dir: './elsewhere', dbfilename: 'x.rdb', bind: '0.0.0.0', requirepass: 'pw',
      maxmemory: 64 * 1024 * 1024, save: [{ seconds: 60, changes: 1000 }], blockSizeBytes: 128 });
    expect(run(['--save', '60 1000 300 10']).save).toEqual([{ seconds: 60, changes: 1000 }, { seconds: 300, changes: 10 }]);
    expect(run(['--save', '']).save).toEqual([]);
    expect(run(['--save']).save).toEqual([]);
    expect(run(['--PORT', '1234']).port).toBe(1234);
    expect(run(['--sabre-dump-step-blocks', '64']).dumpStepBlocks).toBe(64);
    expect(run([]).stopWritesOnBgsaveError).toBe(true);
    expect(run(['--stop-writes-on-bgsave-error', 'no']).stopWritesOnBgsaveError).toBe(false);
    expect(run(['sabre.conf'], { 'sabre.conf': 'stop-writes-on-bgsave-error no' }).stopWritesOnBgsaveError).toBe(false);
    expect(() => run(['--stop-writes-on-bgsave-error', 'maybe'])).toThrow(UsageError);
  });

  it('reads a redis.conf-style file first, then lets flags override it', () => {
    const conf = ['# Sabre test config', 'port 7100', 'dir "/tmp/some dir"', 'save 900 1', 'save 300 10', '', 'requirepass \'p w\'', 'maxmemory 2gb'].join('\n');
    const fromFile = run(['sabre.conf'], { 'sabre.conf': conf });
    expect(fromFile).toMatchObject({ port: 7100, dir: '/tmp/some dir', requirepass: 'p w', maxmemory: 2 * 1024 ** 3,
      save: [{ seconds: 900, changes: 1 }, { seconds: 300, changes: 10 }] });
    expect(run(['--config', 'sabre.conf', '--port', '7200'], { 'sabre.conf': conf }).port).toBe(7200);
    expect(run(['sabre.conf', '--save', ''], { 'sabre.conf': conf }).save).toEqual([]);
  });

  it('answers --help and --version', () => {
    expect(parseCommandLine(['--port', '1', '--help']).kind).toBe('help');
    expect(parseCommandLine(['-v']).kind).toBe('version');
  });

  it.each([
    [['--port', 'abc'], /--port: port must be an integer, got 'abc'/],
    [['--port', '70000'], /port must be between 0 and 65535/],
    [['--no-such-flag', '1'], /unknown flag 'no-such-flag'/],
    [['--port'], /'port' needs a value/],
    [['--port', '1', '2'], /wrong number of arguments for 'port'/],
    [['--save', '60'], /Invalid save parameters/],
    [['--save', '60 x'], /Invalid save parameters/],
    [['--maxmemory', '12zb'], /memory value/],
    [['--dbfilename', 'a/b.rdb'], /can't be a path/],
    [['--appendonly', 'yes'], /no append-only file/],
    [['--sabre-block-size', '100'], /multiple of 8/],
    [['--sabre-on-bad-rdb', 'maybe'], /'exit' or 'start-empty'/],
    [['--sabre-dump-step-blocks', '0'], /between 1 and/],
    [['a.conf', 'b.conf'], /unexpected argument 'b.conf'/],
    [['--config', 'missing.conf'], /cannot read config file 'missing.conf'/],
  ])('refuses %j', (argv, message) => {
    expect(() => run(argv)).toThrow(UsageError);
    expect(() => run(argv)).toThrow(message);
  });

  it('takes the admin-surface settings from flags and the config file, with Redis 7 defaults and texts', () => {
    const defaults = run([]);
    expect([defaults.enableProtectedConfigs, defaults.enableDebugCommand, defaults.protectedMode, defaults.clientIdleTimeoutSec]).toEqual(['no', 'no', true, 0]);
    const fromFile = run(['s.conf', '--enable-debug-command', 'LOCAL'], {
      's.conf': 'enable-protected-configs yes\nenable-debug-command yes\nprotected-mode no\ntimeout 300\n',
    });
    expect([fromFile.enableProtectedConfigs, fromFile.enableDebugCommand, fromFile.protectedMode, fromFile.clientIdleTimeoutSec]).toEqual(['yes', 'local', false, 300]);
    expect(() => run(['--enable-debug-command', 'maybe'])).toThrow('--enable-debug-command: argument(s) must be one of the following: no, yes, local');
    expect(() => run(['--timeout', '-3'])).toThrow('--timeout: argument must be between 0 and 2147483647 inclusive');
    expect(() => run(['--protected-mode', 'sometimes'])).toThrow(UsageError);
  });

  it('names the file and line of a bad directive', () => {
    expect(() => run(['bad.conf'], { 'bad.conf': 'port 1\nbogus 2\n' })).toThrow("bad.conf:2: unknown directive 'bogus'");
    expect(() => parseConfigText('dir "unterminated', 'x.conf')).toThrow('x.conf:1: unbalanced quotes');
  });

  it('parses memory units and save rules as redis.conf does', () => {
    expect(parseMemory('100')).toBe(100);
    expect(parseMemory('1k')).toBe(1000);
    expect(parseMemory('1KB')).toBe(1024);
    expect(parseMemory('3m')).toBe(3_000_000);
    expect(parseMemory('1gb')).toBe(1024 ** 3);
    expect(parseSaveRules(['3600 1', '300 100'])).toEqual([{ seconds: 3600, changes: 1 }, { seconds: 300, changes: 100 }]);
  });
});

describe('the sabre process', () => {
  it('exits with code 1 and a message on stderr for a bad flag', () => {
    const result = spawnSync(process.execPath, ['bin/sabre.mjs', '--port', 'nope'], { encoding: 'utf8', timeout: 60_000 });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("sabre: --port: port must be an integer, got 'nope'");
    expect(result.stderr).toContain('sabre --help');
    expect(result.stdout).toBe('');
  });

  it('prints the flags for --help and exits 0', () => {
    const result = spawnSync(process.execPath, ['bin/sabre.mjs', '--help'], { encoding: 'utf8', timeout: 60_000 });
    expect(result.status).toBe(0);
    for (const flag of ['--port', '--bind', '--dir', '--dbfilename', '--save', '--requirepass', '--maxmemory', '--config']) {
      expect(result.stdout).toContain(flag);
    }
  });
});
