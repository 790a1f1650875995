import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN_CHINESE_KEYS } from '../admin/admin-locale';
import { CHINESE_KEYS, translator } from './locale';

describe(translator.name, () => {
  it("speaks NocoBase's language: Chinese for zh-*, English otherwise, with {{vars}} filled", () => {
    expect(translator('zh-CN')('Check')).toBe('检查');
    expect(translator('zh-TW')('Check')).toBe('检查');
    expect(translator('en-US')('Check')).toBe('Check');
    expect(translator(undefined)('Check')).toBe('Check');
    expect(translator('zh-CN')('Connected: the bridge serves “{{title}}” and it is enabled.', { title: '企业微信' })).toBe(
      '连接正常：bridge 上的“企业微信”已启用。',
    );
    expect(translator('en-US')('The bridge answered unexpectedly at {{url}}: {{detail}}.', { url: 'u', detail: 'd' })).toBe(
      'The bridge answered unexpectedly at u: d.',
    );
  });

  it('has a Chinese text for every text the components show', () => {
    const src = join(__dirname, '..');
    const files = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.tsx'));
    const used = new Set<string>();
    for (const f of files) for (const m of readFileSync(join(src, f), 'utf8').matchAll(/\bt\(\s*'((?:[^'\\]|\\.)*)'/g)) used.add(m[1]);
    expect(used.size).toBeGreaterThan(10);
    expect([...used].filter((k) => !CHINESE_KEYS.includes(k) && !ADMIN_CHINESE_KEYS.includes(k))).toEqual([]);
  });
});
