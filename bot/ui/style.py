"""The look of the web chat: a Gradio theme on system fonts (no web fonts, nothing from a CDN) and CSS."""

from __future__ import annotations

from typing import Any

SYSTEM_FONTS = (
    "ui-sans-serif",
    "system-ui",
    "-apple-system",
    "Segoe UI",
    "Roboto",
    "Helvetica",
    "sans-serif",
)
MONO_FONTS = ("ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace")
THEME_KW: dict[str, Any] = {
    "primary_hue": "indigo",
    "secondary_hue": "slate",
    "neutral_hue": "slate",
    "radius_size": "lg",
    "font": SYSTEM_FONTS,
    "font_mono": MONO_FONTS,
}

CSS = """
.gradio-container { max-width: 1180px !important; margin: 0 auto !important; }
.p-header { display: flex; align-items: center; gap: 14px; padding: 6px 4px 2px; }
.p-header h1 { margin: 0; font-size: 1.6rem; letter-spacing: -0.02em; }
.p-header p { margin: 2px 0 0; color: var(--body-text-color-subdued); }
.p-logo { font-size: 1.6rem; font-weight: 800; color: #fff; background: linear-gradient(135deg, #6366f1, #4338ca) !important; width: 52px; height: 52px; display: grid; place-items: center;
  border-radius: 14px; background: var(--primary-100); }
.p-side-title { margin: 4px 0 0; font-size: 1rem; font-weight: 700; }
.p-card-group { border-radius: 14px !important; overflow: hidden; box-shadow: 0 1px 3px rgba(15,23,42,.08); }
.p-card { padding: 12px 14px 6px; }
.p-card-head { display: flex; align-items: baseline; gap: 8px; }
.p-rank { flex: none; width: 22px; height: 22px; border-radius: 50%; background: var(--primary-500);
  color: #fff; font-size: 12px; font-weight: 700; display: inline-grid; place-items: center; }
.p-title { margin: 0 !important; font-size: 1.05rem !important; line-height: 1.3; }
.p-year { color: var(--body-text-color-subdued); font-size: .9rem; }
.p-genres { display: flex; flex-wrap: wrap; gap: 4px; margin: 6px 0 4px 30px; }
.p-chip { font-size: .75rem; padding: 2px 8px; border-radius: 999px; background: var(--neutral-100);
  color: var(--neutral-700); list-style: none; }
.dark .p-chip { background: var(--neutral-700); color: var(--neutral-100); }
.p-reasons { margin: 6px 0 0 30px !important; padding: 0 !important; list-style: none; }
.p-reason { margin: 0 0 6px; font-size: .9rem; line-height: 1.4; list-style: none; }
.p-source { font-size: .68rem; font-weight: 700; text-transform: uppercase; letter-spacing: .04em;
  padding: 1px 6px; border-radius: 6px; margin-right: 4px; }
.p-source-kg { background: #e0e7ff; color: #3730a3; }
.p-source-cf { background: #dcfce7; color: #166534; }
.p-source-vector { background: #fef3c7; color: #92400e; }
.p-evidence { display: block; color: var(--body-text-color-subdued); font-size: .78rem; margin-top: 2px; }
.p-details { margin: 0 0 6px 30px; font-size: .78rem; color: var(--body-text-color-subdued); }
.p-details summary { cursor: pointer; width: fit-content; }
.p-evidence-list { margin: 2px 0 0 !important; padding: 0 !important; list-style: none; }
.p-note { margin: 4px 0 2px 30px; font-size: .85rem; font-weight: 600; color: var(--primary-600); }
.p-card-dislike { opacity: .55; }
.p-card-actions { gap: 6px !important; padding: 0 10px 10px !important; flex-wrap: wrap; }
.p-card-actions button { flex: 1 1 auto; }
.p-tools-row { flex-wrap: wrap; gap: 6px !important; }
.p-example { flex: 0 1 auto !important; border-radius: 999px !important; font-weight: 400 !important; }
.p-prof h4 { margin: 4px 0; font-size: .9rem; }
.p-chips { display: flex; flex-wrap: wrap; gap: 4px; padding: 0 !important; margin: 0 0 8px !important; }
.p-chips li { list-style: none; }
@media (min-width: 900px) {
  .p-side { max-height: calc(100vh - 130px); overflow-y: auto; flex-wrap: nowrap !important;
    padding-right: 4px; scrollbar-width: thin; }
  .p-side > * { flex-shrink: 0 !important; }
}
.p-empty { color: var(--body-text-color-subdued); font-size: .9rem; }
button:focus-visible, textarea:focus-visible, input:focus-visible { outline: 3px solid var(--primary-400) !important;
  outline-offset: 2px; }
@media (max-width: 700px) {
  .gradio-container { padding: 6px !important; }
  .p-header h1 { font-size: 1.3rem; }
  .p-logo { width: 40px; height: 40px; font-size: 1.5rem; }
  #parley-chat { height: 55vh !important; }
}
"""
