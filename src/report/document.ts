/**
 * A small document model (headings, paragraphs, tables, figures) written out twice: Markdown with
 * the figures as `figures/*.svg` links, and one self-contained HTML page with the SVGs inline.
 */
export type Block =
  | { type: 'h1' | 'h2' | 'h3'; text: string }
  | { type: 'p'; text: string }
  | { type: 'list'; items: string[] }
  | { type: 'table'; header: string[]; rows: string[][]; caption?: string }
  | { type: 'figure'; id: string; file: string; svg: string; caption: string; sources: string[] };

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
/** Inline markup we use: **bold** and `code`. */
const inlineHtml = (s: string) =>
  escapeHtml(s)
    .replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>')
    .replace(/`(.+?)`/g, '<code>$1</code>');
const cellMd = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function toMarkdown(blocks: Block[]): string {
  const out: string[] = [];
  for (const b of blocks) {
    switch (b.type) {
      case 'h1':
        out.push(`# ${b.text}`);
        break;
      case 'h2':
        out.push(`## ${b.text}`);
        break;
      case 'h3':
        out.push(`### ${b.text}`);
        break;
      case 'p':
        out.push(b.text);
        break;
      case 'list':
        out.push(b.items.map((i) => `- ${i}`).join('\n'));
        break;
      case 'table':
        if (b.caption) out.push(`*${b.caption}*`);
        out.push(
          [
            `| ${b.header.map(cellMd).join(' | ')} |`,
            `|${b.header.map(() => '---').join('|')}|`,
            ...b.rows.map((r) => `| ${r.map(cellMd).join(' | ')} |`),
          ].join('\n'),
        );
        break;
      case 'figure':
        out.push(
          `![${b.caption}](${b.file})\n\n*Figure ${b.id}. ${b.caption}*\n\n<sub>Source: ${b.sources.join('; ')}</sub>`,
        );
        break;
    }
  }
  return `${out.join('\n\n')}\n`;
}

export function toHtml(blocks: Block[], title: string): string {
  const body = blocks.map((b) => {
    switch (b.type) {
      case 'h1':
        return `<h1>${inlineHtml(b.text)}</h1>`;
      case 'h2':
        return `<h2>${inlineHtml(b.text)}</h2>`;
      case 'h3':
        return `<h3>${inlineHtml(b.text)}</h3>`;
      case 'p':
        return `<p>${inlineHtml(b.text)}</p>`;
      case 'list':
        return `<ul>${b.items.map((i) => `<li>${inlineHtml(i)}</li>`).join('')}</ul>`;
      case 'table':
        return `<table>${b.caption ? `<caption>${inlineHtml(b.caption)}</caption>` : ''}<thead><tr>${b.header.map((h) => `<th>${inlineHtml(h)}</th>`).join('')}</tr></thead><tbody>${b.rows
          .map((r) => `<tr>${r.map((c) => `<td>${inlineHtml(c)}</td>`).join('')}</tr>`)
          .join('')}</tbody></table>`;
      case 'figure':
        return `<figure id="fig-${b.id}">${b.svg}<figcaption><strong>Figure ${b.id}.</strong> ${inlineHtml(b.caption)}<br><small>Source: ${inlineHtml(b.sources.join('; '))}</small></figcaption></figure>`;
    }
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; max-width: 1200px; margin: 2em auto; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 3px 7px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
caption { text-align: left; font-style: italic; margin-bottom: .3em; }
figure { margin: 1.5em 0; overflow-x: auto; }
figcaption { font-size: 13px; color: #333; max-width: 1000px; }
figcaption small { color: #666; word-break: break-all; }
code { font-size: 12px; }
</style></head>
<body>
${body.join('\n')}
</body></html>
`;
}
