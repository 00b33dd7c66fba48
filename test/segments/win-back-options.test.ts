/** The win-back options: flags, then the config's clv.win_back, then the defaults; bad values named. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../lib/config/report-config.ts';
import { winBackOptions } from '../../lib/cli/report-options.ts';
import { UserError } from '../../lib/errors.ts';

function configFile(content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'clv-winback-config-'));
  const file = join(dir, 'clv.config.json');
  writeFileSync(file, content);
  return file;
}

describe('win-back options', () => {
  it('takes clv.win_back from the config, flags first', () => {
    const config = readConfig(configFile('{"clv": {"win_back": {"p_alive": 0.2, "top_share": 0.1}}}'));
    expect(winBackOptions({}, config)).toEqual({ pAliveBelow: 0.2, topShare: 0.1 });
    expect(winBackOptions({ winBackPAlive: 0.5 }, config)).toEqual({ pAliveBelow: 0.5, topShare: 0.1 });
    expect(winBackOptions({}, {})).toEqual({});
  });

  it('refuses a percentage in the config or on the command line, naming the key or flag', () => {
    expect(() => readConfig(configFile('{"clv": {"win_back": {"p_alive": 30}}}'))).toThrow(/clv\.win_back\.p_alive.*probability such as 0\.3/);
    expect(() => readConfig(configFile('{"clv": {"win_back": {"top": 0.2}}}'))).toThrow(UserError);
    expect(() => winBackOptions({ winBackTopShare: 20 }, {})).toThrow('--win-back-top-share 20: expected a fraction of customers such as 0.2');
    expect(() => winBackOptions({ winBackPAlive: 0 }, {})).toThrow('--win-back-p-alive 0: expected a probability');
  });
});
