/**
 * SVG → PDF: vector, with the font embedded (subset), via PDFKit and
 * SVG-to-PDFKit (pure JavaScript, no DOM). The page is exactly the figure:
 * an SVG W × H px (96 per inch) becomes a W·¾ × H·¾ pt page.
 */
import PDFDocument from 'pdfkit';
import SVGtoPDF from 'svg-to-pdfkit';
import { primaryFamily, resolveFont } from './fonts.js';
import { DEFAULT_FONT } from './style.js';

/** Options of {@link svgToPdf}. */
export interface PdfOptions {
  /** family used for text whose family is not installed; default DejaVu Sans */
  font?: string;
  /** document title (PDF metadata) */
  title?: string;
  /** collects SVG-to-PDFKit warnings (unsupported SVG features) */
  warnings?: string[];
}

/** Width and height in px of an SVG document: its root width/height attributes. */
export function svgPixelSize(svg: string): { width: number; height: number } {
  const open = svg.slice(0, svg.indexOf('>'));
  const num = (name: string) => {
    const m = new RegExp(`\\s${name}="([\\d.]+)(px)?"`).exec(open);
    return m ? Number(m[1]) : NaN;
  };
  const width = num('width');
  const height = num('height');
  if (!(width > 0) || !(height > 0)) throw new Error('svgPixelSize: SVG root has no width/height in px');
  return { width, height };
}

/**
 * SVG dash arrays PDFKit accepts: a pattern with zero-length gaps is solid
 * (vega writes "1,0" for a solid line in a dash legend), other zero lengths
 * become 0.001 (PDFKit rejects lengths ≤ 0).
 */
export function sanitizeDashes(svg: string): string {
  return svg.replace(/stroke-dasharray="([^"]*)"/g, (all, list: string) => {
    const v = list.split(/[\s,]+/).filter(Boolean).map(Number);
    if (!v.length || v.some((x) => !Number.isFinite(x))) return all;
    const gaps = v.length % 2 === 0 ? v.filter((_, i) => i % 2 === 1) : v;
    if (gaps.every((x) => x <= 0) || v.every((x) => x <= 0)) return 'stroke-dasharray="none"';
    return `stroke-dasharray="${v.map((x) => (x <= 0 ? 0.001 : x)).join(',')}"`;
  });
}

/**
 * Converts an SVG document (as written by renderSvg) to a one-page PDF whose
 * page is the figure's size (px · 72/96 pt). Text stays text: every family
 * named in the SVG is embedded from its TrueType/OpenType files (regular,
 * bold, italic); families that are not installed are set in `opts.font`.
 * Deterministic apart from the creation date.
 *
 * @throws Error if the SVG has no size, or FontNotFoundError if `opts.font`
 *   is not installed
 */
export async function svgToPdf(svg: string, opts: PdfOptions = {}): Promise<Buffer> {
  const { width, height } = svgPixelSize(svg);
  const pt = { width: (width * 72) / 96, height: (height * 72) / 96 };
  const fallback = resolveFont(opts.font ?? DEFAULT_FONT);
  const doc = new PDFDocument({
    size: [pt.width, pt.height],
    margin: 0,
    autoFirstPage: true,
    compress: true,
    info: { Title: opts.title ?? '', Creator: 'attn-phase', Producer: 'attn-phase (PDFKit)' },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    doc.on('end', () => resolve());
    doc.on('error', reject);
  });
  const registered = new Set<string>();
  const fontCallback = (family: string, bold: boolean, italic: boolean): string => {
    let files = fallback;
    try {
      files = resolveFont(primaryFamily(family));
    } catch {
      /* not installed: the fallback family */
    }
    const file = bold ? (italic ? files.boldItalic : files.bold) : italic ? files.italic : files.regular;
    if (!registered.has(file)) {
      doc.registerFont(file, file);
      registered.add(file);
    }
    return file;
  };
  SVGtoPDF(doc, sanitizeDashes(svg), 0, 0, {
    width: pt.width,
    height: pt.height,
    preserveAspectRatio: 'xMinYMin meet',
    fontCallback,
    warningCallback: (w: string) => opts.warnings?.push(w),
  });
  doc.end();
  await done;
  return Buffer.concat(chunks);
}
