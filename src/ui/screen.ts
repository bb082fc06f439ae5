/**
 * One screen of `logs browse`: a few lines on top, a body (rows to choose
 * from, or text to scroll), a footer, and single keys bound to actions —
 * an inquirer prompt built on @inquirer/core, since inquirer's select cannot
 * bind `q`, `n` or `/`.
 */
import { createPrompt, isDownKey, isEnterKey, isUpKey, useKeypress, useState, type KeypressEvent } from '@inquirer/core';
import { ESC } from '../core/terminal.js';

export interface Binding {
  /** key names as readline reports them ('q', 'escape', 'right', 'pagedown') or the character typed ('/') */
  keys: string[];
  action: string;
  /** the help line's words; bindings without one still work */
  help?: string;
}

export interface ScreenConfig {
  top: string[];
  /** lines between the top and the body that stay put (a table header) */
  header?: string[];
  body: string[];
  /** choose: the body lines are choices (↑↓, Enter answers 'open'); scroll: text (↑↓ scroll) */
  mode: 'choose' | 'scroll';
  /** how many body lines fit */
  height: number;
  footer: string[];
  bindings: Binding[];
  /** the choice the cursor starts on */
  active?: number;
}

export interface ScreenAnswer {
  action: string;
  /** the chosen body line (choose mode) */
  index: number;
}

const CURSOR = '❯ ';
const PAD = '  ';

function matches(binding: Binding, key: KeypressEvent): boolean {
  const typed = (key as KeypressEvent & { sequence?: string }).sequence;
  return binding.keys.some((k) => k === key.name || (k.length === 1 && k === typed));
}

export const screen = createPrompt<ScreenAnswer, ScreenConfig>((config, done) => {
  const last = Math.max(0, config.body.length - 1);
  const [active, setActive] = useState(Math.min(config.active ?? 0, last));
  const [offset, setOffset] = useState(0);
  const [finished, setFinished] = useState(false);
  const maxOffset = Math.max(0, config.body.length - config.height);

  useKeypress((key, rl) => {
    rl.clearLine(0);
    // Ctrl-C reaches the prompt as SIGINT (ExitPromptError); no other control key is bound
    if (key.ctrl || finished) return;
    const finish = (action: string) => {
      setFinished(true);
      done({ action, index: active });
    };
    if (config.mode === 'choose') {
      if (isEnterKey(key) && config.body.length > 0) return finish('open');
      if (isUpKey(key)) return setActive(Math.max(0, active - 1));
      if (isDownKey(key)) return setActive(Math.min(last, active + 1));
    } else {
      if (isUpKey(key)) return setOffset(Math.max(0, offset - 1));
      if (isDownKey(key) || key.name === 'space') return setOffset(Math.min(maxOffset, offset + (key.name === 'space' ? config.height : 1)));
    }
    const binding = config.bindings.find((b) => matches(b, key));
    if (binding) finish(binding.action);
  });

  if (finished) return '';
  let body: string[];
  const footer = [...config.footer];
  if (config.mode === 'choose') {
    body = config.body.map((line, i) => (i === active ? CURSOR : PAD) + line);
  } else {
    body = config.body.slice(offset, offset + config.height);
    if (maxOffset > 0) footer.unshift(`lines ${offset + 1}–${offset + body.length} of ${config.body.length} · ↑↓ space to scroll`);
  }
  const help = config.bindings
    .filter((b) => b.help)
    .map((b) => b.help)
    .join(' · ');
  const lines = [...config.top, ...(config.header ?? []).map((l) => PAD + l), ...body, '', ...footer, help];
  return lines.join('\n') + ESC.cursorHide;
});
