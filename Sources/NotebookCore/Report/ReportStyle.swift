/// The report's inline stylesheet: light, readable, no web fonts. Below 600 px
/// (phones) the page tightens, long words wrap and wide code and tables scroll
/// inside their own boxes; in print, text is black, the contents list is dropped,
/// code wraps (and may run over a page break), figures (at most 10 cm tall) and table
/// rows are not split across pages and link URLs are printed after their text. `BrowserReportTests` checks both in Chromium.
public enum ReportStyle {
  /// The opening of a self-contained page up to and including `<main>`: UTF-8, phone viewport,
  /// a Content-Security-Policy that forbids scripts and every request except `data:` images,
  /// and ``css`` (plus `extraCSS`) inline. `title` and `generator` are escaped here.
  static func pageHead(title: String, generator: String, extraCSS: String = "") -> String {
    """
    <!DOCTYPE html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="color-scheme" content="light dark">
    <meta http-equiv="Content-Security-Policy" content="\(contentSecurityPolicy)">
    <meta name="generator" content="\(HTMLText.escape(generator))">
    <title>\(HTMLText.escape(title))</title>
    <style>
    \(css)\(extraCSS)</style>
    </head>
    <body>
    <main>

    """
  }

  /// The report's policy: no scripts, no requests, images only from `data:` URLs.
  public static let contentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

  static let css = """
    :root { --fg: #1f2328; --bg: #fff; --muted: #656d76; --line: #d0d7de; --code-bg: #f6f8fa; --accent: #0a5bb5;
      --red: #b42318; --red-bg: #fef3f2; --amber: #8a5a00; --amber-bg: #fffaeb; }
    * { box-sizing: border-box; }
    body { margin: 0; color: var(--fg); background: var(--bg);
      font: 16px/1.6 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; }
    main { max-width: 58rem; margin: 0 auto; padding: 2rem 1.25rem 4rem; }
    h1, h2, h3, h4 { line-height: 1.25; margin: 1.6em 0 0.6em; }
    a { color: var(--accent); }
    code, pre { font: 0.875rem/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
    :not(pre) > code { background: var(--code-bg); padding: 0.1em 0.3em; border-radius: 4px; }
    pre { background: var(--code-bg); border: 1px solid var(--line); border-radius: 6px; padding: 0.75rem 1rem;
      overflow-x: auto; white-space: pre; }
    .title-block { border-bottom: 1px solid var(--line); margin-bottom: 1.5rem; }
    .title-block .title { margin-top: 0; font-size: 2rem; }
    .description { font-size: 1.1rem; color: var(--muted); }
    .run-info { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; font-size: 0.9rem; }
    .run-info dt { color: var(--muted); }
    .run-info dd { margin: 0; }
    .overridden { color: var(--amber); }
    .toc { border: 1px solid var(--line); border-radius: 6px; padding: 0.5rem 1rem; margin-bottom: 1.5rem; }
    .toc h2 { font-size: 1rem; margin: 0.4rem 0; }
    .toc ul { list-style: none; margin: 0; padding: 0; }
    .toc-level-2 { padding-left: 1rem; }
    .toc-level-3 { padding-left: 2rem; }
    pre.code[data-language]::before { content: attr(data-language); display: block; color: var(--muted);
      font-size: 0.75rem; margin-bottom: 0.25rem; }
    .cell { margin: 1.25rem 0; border-left: 3px solid var(--line); padding-left: 0.75rem; }
    .cell.status-failed, .cell.status-timeout, .cell.status-interrupted { border-left-color: var(--red); }
    .cell.status-not-run, .cell.status-skipped { border-left-color: #eaeef2; opacity: 0.8; }
    .cell-header { display: flex; gap: 0.75rem; align-items: baseline; font-size: 0.8rem; color: var(--muted); }
    .cell-name { color: var(--muted); text-decoration: none; font-family: ui-monospace, Menlo, Consolas, monospace; }
    .badge { border: 1px solid currentColor; border-radius: 999px; padding: 0 0.5rem; }
    .status-failed .badge, .status-timeout .badge, .status-interrupted .badge { color: var(--red); }
    .incomplete { border: 1px solid var(--red); background: var(--red-bg); border-radius: 6px; padding: 0.5rem 0.75rem; }
    .status-expected-error .badge { color: var(--amber); }
    .duration { margin-left: auto; }
    pre.source { margin: 0.3rem 0; }
    .kw { color: #cf222e; } .str { color: #0a3069; } .num { color: #0550ae; } .com { color: #6e7781; font-style: italic; }
    .outputs > * { margin: 0.5rem 0; }
    pre.output-text, pre.output-value { background: var(--bg); }
    .measured { text-decoration: underline dotted var(--muted); cursor: help; }
    .table-wrap { overflow-x: auto; }
    table { border-collapse: collapse; font-size: 0.875rem; font-variant-numeric: tabular-nums; }
    th, td { border: 1px solid var(--line); padding: 0.25rem 0.6rem; text-align: left; vertical-align: top; }
    th.numeric, td.numeric { text-align: right; }
    details.source-fold > summary { cursor: pointer; color: var(--muted); font-size: 0.85rem; }
    thead th, .output-record th { background: var(--code-bg); }
    figure { margin: 0.75rem 0; }
    figure svg { display: block; max-width: 100%; height: auto; border: 1px solid var(--line); border-radius: 6px;
      background: #fff; color: #1f2328; }
    figcaption, .cell-caption { font-size: 0.9rem; color: var(--muted); margin-top: 0.3rem; }
    .diagnostic { border: 1px solid var(--red); background: var(--red-bg); border-radius: 6px; padding: 0.5rem 0.75rem;
      margin: 0.5rem 0; }
    .diagnostic pre { background: transparent; border: 0; padding: 0; margin: 0.25rem 0 0; color: var(--red); }
    .diagnostic-title { font-weight: 600; color: var(--red); font-size: 0.9rem; }
    .diagnostic-expected { border-color: var(--amber); background: var(--amber-bg); }
    .diagnostic-expected .diagnostic-title, .diagnostic-expected pre { color: var(--amber); }
    .cell-note { font-size: 0.9rem; color: var(--muted); font-style: italic; }
    th[align="right"], td[align="right"] { text-align: right; }
    th[align="center"], td[align="center"] { text-align: center; }
    math { font-size: 1.05em; font-family: math, "STIX Two Math", "Latin Modern Math", "DejaVu Math TeX Gyre"; }
    math[display="block"] { overflow-x: auto; overflow-y: hidden; }
    .equation { display: flex; align-items: center; gap: 1rem; margin: 0.8rem 0; }
    .equation > math { flex: 1; }
    .equation-number { color: var(--muted); }
    .callout { border: 1px solid var(--line); border-left: 4px solid var(--callout); border-radius: 6px;
      padding: 0.1rem 1rem; margin: 1rem 0; --callout: var(--accent); }
    .callout-title { font-weight: 600; color: var(--callout); margin: 0.6rem 0 0.2rem; }
    .callout-tip { --callout: #1a7f37; } .callout-important { --callout: #8250df; }
    .callout-warning { --callout: var(--amber); } .callout-caution { --callout: var(--red); }
    .callout .prose > :first-child { margin-top: 0.2rem; }
    li.task { list-style: none; margin-left: -1.3rem; }
    li.task input { margin: 0 0.35rem 0 0; }
    .table-caption, .figure-number, .table-number { color: var(--muted); }
    .table-caption { font-size: 0.9rem; margin: 0.75rem 0 0.3rem; }
    .figure-number, .table-number { font-weight: 600; }
    .prose-figure img, .prose img { max-width: 100%; height: auto; }
    .xref-missing, .citation-missing, .math-error, .missing-image { color: var(--red); }
    .footnote-ref { line-height: 0; }
    .footnotes { font-size: 0.9rem; margin-top: 2.5rem; }
    .footnotes hr { border: 0; border-top: 1px solid var(--line); }
    .footnote-back { text-decoration: none; }
    .reference { padding-left: 1.5rem; text-indent: -1.5rem; margin: 0.4rem 0; }
    @media (max-width: 600px) {
      main { padding: 1rem 0.75rem 3rem; }
      .title-block .title { font-size: 1.5rem; }
      .run-info { grid-template-columns: 1fr; gap: 0; }
      .run-info dd { margin-bottom: 0.4rem; }
      .prose, .run-info dd, .cell-caption, figcaption, .diagnostic-title { overflow-wrap: anywhere; }
      pre { font-size: 0.8rem; padding: 0.5rem 0.6rem; }
      .cell { padding-left: 0.5rem; }
      .cell-header { flex-wrap: wrap; }
      .table-wrap, table.output-record { display: block; max-width: 100%; overflow-x: auto; }
      figure { margin: 0.5rem 0; }
      figure svg { width: 100%; }
    }
    @media (prefers-color-scheme: dark) {
      :root { --fg: #e6edf3; --bg: #0d1117; --muted: #9198a1; --line: #3d444d; --code-bg: #151b23; --accent: #4493f8;
        --red: #ff7b72; --red-bg: #2d1214; --amber: #e3b341; --amber-bg: #272115; }
      .kw { color: #ff7b72; } .str { color: #a5d6ff; } .num { color: #79c0ff; } .com { color: #8b949e; }
      .cell.status-not-run, .cell.status-skipped { border-left-color: var(--line); }
      .callout-tip { --callout: #3fb950; } .callout-important { --callout: #a371f7; }
    }
    @media print {
      @page { margin: 1.5cm; }
      :root { --fg: #000; --bg: #fff; --muted: #333; --line: #999; --code-bg: #fff; --accent: #000; }
      * { box-shadow: none !important; text-shadow: none !important; }
      body { font-size: 11pt; color: #000; background: #fff; }
      main { max-width: none; padding: 0; }
      .toc { display: none; }
      pre { white-space: pre-wrap; overflow-wrap: anywhere; overflow: visible; }
      .table-wrap { overflow: visible; }
      h1, h2, h3, h4, .cell-header { break-after: avoid; }
      figure, tr, .diagnostic, .callout, .equation { break-inside: avoid; }
      figure svg { max-height: 10cm; width: auto; max-width: 100%; }
      a { color: inherit; text-decoration: none; }
      .prose a[href^="http"]::after { content: " (" attr(href) ")"; font-size: 0.85em; overflow-wrap: anywhere; }
    }
    """
}
