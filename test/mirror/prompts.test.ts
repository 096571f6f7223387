import { describe, expect, it } from 'vitest';
import { SweMirrorError } from '../../src/core/errors.js';
import { describeMirrorPrompts, loadPromptTemplate, MIRROR_PROMPTS, parsePromptTemplate, renderPromptTemplate } from '../../src/prompts/templates.js';

describe('prompt templates', () => {
  it('every mirroring template loads with a version and placeholders', () => {
    for (const name of MIRROR_PROMPTS) {
      const template = loadPromptTemplate(name);
      expect(template.version).toBeGreaterThanOrEqual(1);
      expect(template.placeholders.length).toBeGreaterThan(0);
    }
    expect(describeMirrorPrompts().map((entry) => entry.name)).toEqual([...MIRROR_PROMPTS]);
    expect(loadPromptTemplate('distill').user).toMatch(/Root cause/);
  });

  it('renders values once and refuses a missing placeholder as an internal error', () => {
    const template = parsePromptTemplate('t', '---\nname: t\nversion: 3\n---\n## System\nBe {{mood}}.\n## User\nFix {{thing}} and {{thing}}.');
    const rendered = renderPromptTemplate(template, { mood: 'calm', thing: '{{mood}}' });
    expect(rendered).toEqual({
      template: 't',
      version: 3,
      messages: [
        { role: 'system', content: 'Be calm.' },
        { role: 'user', content: 'Fix {{mood}} and {{mood}}.' },
      ],
    });
    let caught: unknown;
    try {
      renderPromptTemplate(template, { mood: 'calm' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SweMirrorError);
    expect((caught as SweMirrorError).kind).toBe('internal');
    expect((caught as SweMirrorError).message).toContain('{{thing}}');
  });
});
