"""The page's own CSS and script (given to ``launch``; Gradio 6 takes them there)."""

from __future__ import annotations

CSS = """
#qa-header { align-items: baseline; }
#qa-header h1 { margin: 0; font-size: 1.5rem; }
.qa-muted { color: var(--body-text-color-subdued); font-size: 0.85em; }
.qa-empty { color: var(--body-text-color-subdued); font-style: italic; padding: 0.5em 0; }
a.qa-cite {
  display: inline-block; padding: 0 0.35em; margin-left: 0.1em; border-radius: 0.4em;
  font-size: 0.8em; font-weight: 600; text-decoration: none !important; cursor: pointer;
  background: var(--color-accent-soft); color: var(--color-accent) !important;
  border: 1px solid var(--color-accent);
}
a.qa-cite:hover { background: var(--color-accent); color: white !important; }
.qa-sources-head { font-weight: 600; margin-bottom: 0.5em; }
.qa-status { font-weight: 500; font-size: 0.85em; margin: 0.15em 0; }
.qa-status-answer { color: #15803d; }
.qa-status-tentative { color: #b45309; }
.qa-status-declined { color: var(--body-text-color-subdued); }
.qa-source {
  border: 1px solid var(--border-color-primary); border-radius: 0.5em;
  padding: 0.6em 0.8em; margin-bottom: 0.6em; background: var(--background-fill-secondary);
}
.qa-source.qa-focus { border-color: var(--color-accent); box-shadow: 0 0 0 2px var(--color-accent-soft); }
.qa-source-title { font-weight: 600; }
.qa-num { color: var(--color-accent); margin-right: 0.2em; }
.qa-meta { color: var(--body-text-color-subdued); font-size: 0.85em; margin: 0.15em 0 0.3em; }
.qa-also, .qa-groups { color: var(--body-text-color-subdued); font-size: 0.85em; margin: 0.3em 0 0; }
.qa-passage {
  margin: 0.4em 0 0.2em; padding: 0.2em 0.6em; border-left: 3px solid var(--border-color-primary);
  white-space: pre-wrap; font-size: 0.92em; line-height: 1.45;
}
mark.qa-hl { background: #fde68a; color: #111; padding: 0 0.1em; border-radius: 0.2em; }
mark.qa-hl::before {
  content: "[" attr(data-n) "] "; font-size: 0.75em; font-weight: 600; color: var(--color-accent);
}
mark.qa-hl-focus { background: #fbbf24; }
table.qa-results { width: 100%; table-layout: fixed; border-collapse: collapse; font-size: 0.9em; }
table.qa-results th, table.qa-results td {
  text-align: left; vertical-align: top; padding: 0.3em 0.5em;
  border-bottom: 1px solid var(--border-color-primary); word-break: normal; overflow-wrap: break-word;
}
table.qa-results td:nth-child(2) { white-space: nowrap; font-weight: 600; }
tr.qa-result-rejected td:nth-child(2) { color: #dc2626; }
.qa-more-head { margin: 0.8em 0 0.3em; font-weight: 600; font-size: 0.9em; }
details.qa-more { margin-bottom: 0.3em; }
details.qa-more summary { cursor: pointer; font-size: 0.92em; }
details.qa-more summary .qa-meta { display: inline; white-space: nowrap; margin-left: 0.3em; }
.qa-rank { color: var(--body-text-color-subdued); }
.qa-opening { font-size: 0.88em; color: var(--body-text-color-subdued); margin: 0.1em 0 0 1.4em; }
.qa-stats { display: flex; gap: 1.5em; flex-wrap: wrap; margin: 0.2em 0 0.6em; }
.qa-stat-v { font-size: 1.3em; font-weight: 600; }
.qa-stat-k { color: var(--body-text-color-subdued); font-size: 0.8em; text-transform: uppercase; }
#qa-articles [role=gridcell] span, #qa-articles th { font-family: var(--font); word-break: normal; }
details.qa-whole summary { cursor: pointer; font-size: 0.85em; color: var(--body-text-color-subdued); }
.qa-notice { padding: 0.4em 0.6em; border-radius: 0.4em; background: var(--background-fill-secondary); }
.qa-notice.qa-error { border-left: 3px solid #dc2626; }
.qa-notice.qa-ok { border-left: 3px solid #16a34a; }
"""

# Clicking a citation number in the chat asks the server for that answer's
# sources: the link's reference goes into a hidden textbox whose input event the
# app listens to. The card that was asked for is then scrolled into view.
HEAD = r"""
<script>
(() => {
  const bridge = () => document.querySelector('#qa-cite-bridge textarea, #qa-cite-bridge input');
  document.addEventListener('click', (ev) => {
    const link = ev.target && ev.target.closest ? ev.target.closest('a.qa-cite') : null;
    if (!link) return;
    ev.preventDefault();
    ev.stopPropagation();
    const box = bridge();
    if (!box) return;
    const ref = (link.getAttribute('href') || '').replace('#qa-src-', '');
    box.value = ref + ':' + Date.now();
    box.dispatchEvent(new Event('input', { bubbles: true }));
  }, true);
  const reveal = () => {
    const card = document.querySelector('#qa-sources .qa-focus:not([data-shown])');
    if (card) {
      card.setAttribute('data-shown', '1');
      card.scrollIntoView({ block: 'nearest' });
    }
  };
  // Screen readers read a chat message's aria-label, which Gradio fills with the raw message
  // (citation links as HTML, Markdown escapes): give them the text a reader sees instead.
  const cleanLabels = () => {
    document.querySelectorAll('#qa-chat [aria-label*="<"], #qa-chat [aria-label*="\\"]').forEach((el) => {
      const raw = el.getAttribute('aria-label');
      const text = raw.replace(/<[^>]*>/g, '').replace(/\\([\\`*_{}\[\]()#+\-.!|~>$])/g, '$1');
      el.setAttribute('aria-label', text.replace(/\s+/g, ' ').trim());
    });
  };
  const changed = () => { reveal(); cleanLabels(); };
  const start = () => new MutationObserver(changed).observe(document.body, {
    childList: true, subtree: true, attributes: true, attributeFilter: ['aria-label'],
  });
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
</script>
"""
