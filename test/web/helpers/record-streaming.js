// Runs in the page before the app: records how the last assistant message looked at each DOM change
// (reasoning label, whether the reasoning is shown, how much reasoning and answer text), into window.seen.
window.seen = [];
new MutationObserver(() => {
  const messages = document.querySelectorAll('[data-testid=assistant-message]');
  const last = messages[messages.length - 1];
  if (!last) return;
  const reasoning = last.querySelector('[data-testid=reasoning-text]');
  const state = {
    label: last.querySelector('.reasoning-toggle')?.textContent ?? '',
    isOpen: reasoning !== null,
    reasoningChars: reasoning?.textContent?.length ?? 0,
    answerChars: last.querySelector('[data-testid=answer]')?.textContent?.length ?? 0,
  };
  const previous = window.seen[window.seen.length - 1];
  if (!previous || JSON.stringify(previous) !== JSON.stringify(state)) window.seen.push(state);
}).observe(document, { subtree: true, childList: true, characterData: true });
