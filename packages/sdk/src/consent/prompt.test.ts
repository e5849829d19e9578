import { afterEach, expect, it, vi } from 'vitest';
import { userEvent } from 'vitest/browser';
import { prompt, resetPage } from '../testing.ts';
import { showPrompt } from './prompt.ts';

afterEach(() => {
  document.documentElement.lang = '';
  resetPage();
});

it('is a labelled dialog with two equally prominent choices, focused on the first', () => {
  showPrompt(() => {});
  const { root, dialog, accept, reject } = prompt();

  expect(dialog?.getAttribute('aria-label')).toBe('Cookie consent');
  expect([accept?.textContent, reject?.textContent]).toEqual(['Accept all', 'Reject all']);
  const looks = (button: Element) => {
    const { font, color, backgroundColor, border, padding } = getComputedStyle(button);
    return { font, color, backgroundColor, border, padding };
  };
  expect(looks(accept!)).toEqual(looks(reject!));
  expect(root?.activeElement).toBe(accept);
  // Styled without a <style> element, which a strict CSP would block.
  expect(root?.adoptedStyleSheets).toHaveLength(1);
  expect(root?.querySelector('style')).toBeNull();
});

it('speaks German on a German page', () => {
  document.documentElement.lang = 'de-DE';
  showPrompt(() => {});
  const { dialog, accept, reject } = prompt();

  expect(dialog?.getAttribute('aria-label')).toBe('Cookie-Einwilligung');
  expect([accept?.textContent, reject?.textContent]).toEqual(['Alle akzeptieren', 'Alle ablehnen']);
});

it.each([
  ['accept', true],
  ['reject', false],
] as const)('reports %s and closes when told', async (button, acceptAll) => {
  const onChoice = vi.fn();
  const close = showPrompt(onChoice);
  await userEvent.click(prompt()[button]!);
  close();

  expect(onChoice.mock.calls).toEqual([[acceptAll]]);
  expect(prompt().root).toBeUndefined();
});
