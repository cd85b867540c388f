// The HTML timeline in a real browser: lanes, bars, loss markers and the summary are
// drawn, zoom changes the visible window, hover shows details, device strings never run.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventKind } from '../../host/src/core/types.js';
import { FileSink } from '../../host/src/export/sinks.js';
import { exportRecords, type NameTable } from '../../host/src/export/types.js';
import { ViewExporter } from '../../host/src/export/view.js';
import { EventStats, eventStatsToJson } from '../../host/src/core/event-stats.js';
import { openBrowser, type Browser } from './browser.js';
import { decodeBytes, synthTrace } from './synth.js';

const ARTIFACTS = resolve('test-artifacts');
const tmp = mkdtempSync(join(tmpdir(), 'tp-view-'));
const EVIL_BLOB = '<script>window.__pwned = 1</script></script><script>window.__pwned = 2</script><!--';
const EVIL_NAME = '<img src=x onerror="window.__pwned=3">mark';

// Stands in for names read from an ELF: untrusted as well.
const names: NameTable = {
  eventName: (kind: EventKind, id: number) => (kind === 'mark' && id === 1 ? EVIL_NAME : undefined),
};

let browser: Browser;
beforeAll(async () => {
  browser = await openBrowser();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  rmSync(tmp, { recursive: true, force: true });
});

type ViewState = {
  ready: boolean;
  lanes: { core: number; events: number; bars: number; losses: number; series: number; y0: number; y1: number }[];
  drawn: { frames: number; lanes: number; bars: number; instants: number; counterPoints: number; losses: number; lod: boolean; lastDrawMs: number };
  view: { t0: number; t1: number; tMin: number; tMax: number; width: number; labelWidth: number };
  selected: { core: number; t: number; kind: string; name: string } | null;
  list: { matching: number; shown: number };
  eventStats: number;
  summary: { core: number; generated: number; decoded: number; dropped: number; overwritten: number; link_lost: number; rejected: number; identity: boolean }[];
};

describe('tracepipe view (HTML timeline) in chromium', () => {
  const { records, stats } = decodeBytes(
    synthTrace({
      evicted: [2],
      linkLost: [4],
      drops: [[1, 5]],
      rejects: [[3, 4]],
      packetsPerCore: 8,
      eventsPerPacket: 30,
      blob: new TextEncoder().encode(EVIL_BLOB),
    }),
  );
  const file = join(tmp, 'view.html');
  const sink = new FileSink(file);
  exportRecords(new ViewExporter(sink), records, stats, { source: 'evil</title><script>window.__pwned=4</script>.tpt', names });

  it('is one self-contained file: no external resource, no raw device markup', () => {
    const html = readFileSync(file, 'utf8');
    expect(html).not.toMatch(/\b(src|href)\s*=\s*["']?(https?:|\/\/)/i);
    expect(html).not.toContain('<script>window.__pwned');
    expect(html).not.toContain('<img src=x');
    // exactly the page's own script elements
    expect(html.match(/<script\b/g)!.length).toBe(html.match(/<\/script>/g)!.length);
  });

  it('draws lanes, bars, counters and loss markers, with the right summary', async () => {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('dialog', (d) => {
      errors.push('dialog: ' + d.message());
      void d.dismiss();
    });
    await page.goto('file://' + file);
    await page.waitForFunction(() => (window as any).__tracepipeView?.ready === true);
    const st = (await page.evaluate(() => (window as any).__tracepipeView)) as ViewState;
    expect(errors).toEqual([]);
    // self-contained: the only request is the file itself
    expect(requests).toEqual(['file://' + file]);
    expect(st.lanes.map((l) => l.core)).toEqual([0, 1]);
    expect(st.drawn.lanes).toBe(2);
    expect(st.drawn.bars).toBeGreaterThan(0);
    expect(st.drawn.instants).toBeGreaterThan(0);
    expect(st.drawn.counterPoints).toBeGreaterThan(0);
    const lossCount = records.filter((r) => r.type === 'loss').length;
    expect(lossCount).toBeGreaterThan(2);
    expect(st.drawn.losses).toBe(lossCount);
    expect(st.summary).toEqual(
      stats.map((s) => ({
        session: s.session,
        core: s.core,
        generated: s.generated,
        decoded: s.decoded,
        dropped: s.dropped,
        overwritten: s.overwritten,
        link_lost: s.link_lost,
        rejected: s.rejected,
        identity: true,
      })),
    );
    // the summary the user reads (DOM), not only the state object
    const rows = await page.$$eval('#tp-summary tr[data-core]', (trs) =>
      trs.map((tr) => Object.fromEntries(Array.from(tr.querySelectorAll('td[data-field]')).map((td) => [td.getAttribute('data-field'), Number(td.textContent)]))),
    );
    expect(rows).toEqual(stats.map((s) => ({ generated: s.generated, decoded: s.decoded, dropped: s.dropped, overwritten: s.overwritten, link_lost: s.link_lost, rejected: s.rejected })));
    expect(stats.map((s) => s.rejected)).toEqual([4, 4]);
    // a refused window is drawn as a loss of its own cause, in its own colour
    expect(records.filter((r) => r.type === 'loss' && r.cause === 'rejected').length).toBe(2);
    // the state object is read-only
    const frozen = await page.evaluate(() => {
      const v = (window as any).__tracepipeView;
      try {
        v.drawn.losses = 99;
      } catch {
        /* strict mode in modules would throw */
      }
      return (window as any).__tracepipeView.drawn.losses;
    });
    expect(frozen).toBe(lossCount);

    // pixels: the loss marker colour is on the canvas
    const lossPixels = await page.evaluate(() => {
      const c = document.getElementById('tp-canvas') as HTMLCanvasElement;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      const rgb = (i: number) => (d[i] << 16) | (d[i + 1] << 8) | d[i + 2];
      const n = { link_lost: 0, rejected: 0 };
      for (let i = 0; i < d.length; i += 4) {
        if (rgb(i) === 0xbf616a) n.link_lost++;
        else if (rgb(i) === 0xc586c0) n.rejected++;
      }
      return n;
    });
    expect(lossPixels.link_lost).toBeGreaterThan(10);
    expect(lossPixels.rejected).toBeGreaterThan(10);
    const legend = await page.$$eval('#tp-legend .tp-lg', (l) => l.map((x) => x.textContent));
    expect(legend).toContain('rejected');

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'view.png'), fullPage: true });
    await page.close();
  });

  it('zooms with keys and the wheel, pans with a drag, and shows hover details', async () => {
    const page = await browser.context.newPage();
    await page.goto('file://' + file);
    await page.waitForFunction(() => (window as any).__tracepipeView?.ready === true);
    const view = async () => ((await page.evaluate(() => (window as any).__tracepipeView)) as ViewState).view;
    const frames = async () => ((await page.evaluate(() => (window as any).__tracepipeView)) as ViewState).drawn.frames;
    const v0 = await view();
    const canvas = (await page.$('#tp-canvas'))!;
    const box = (await canvas.boundingBox())!;

    let f = await frames();
    await page.keyboard.press('+');
    await page.waitForFunction((n) => (window as any).__tracepipeView.drawn.frames > n, f);
    const v1 = await view();
    expect(v1.t1 - v1.t0).toBeCloseTo((v0.t1 - v0.t0) / 2, 3);

    f = await frames();
    await page.mouse.move(box.x + box.width * 0.6, box.y + 40);
    await page.mouse.wheel(0, -400);
    await page.waitForFunction((n) => (window as any).__tracepipeView.drawn.frames > n, f);
    const v2 = await view();
    expect(v2.t1 - v2.t0).toBeLessThan(v1.t1 - v1.t0);

    f = await frames();
    await page.mouse.move(box.x + 400, box.y + 60);
    await page.mouse.down();
    await page.mouse.move(box.x + 600, box.y + 60, { steps: 4 });
    await page.mouse.up();
    await page.waitForFunction((n) => (window as any).__tracepipeView.drawn.frames > n, f);
    const v3 = await view();
    expect(v3.t0).toBeLessThan(v2.t0);
    expect(v3.t1 - v3.t0).toBeCloseTo(v2.t1 - v2.t0, 3);

    f = await frames();
    await page.keyboard.press('0');
    await page.waitForFunction((n) => (window as any).__tracepipeView.drawn.frames > n, f);
    expect(await view()).toEqual(v0);

    // hover over the first loss marker of core 0: the tooltip names the cause and count
    const st = (await page.evaluate(() => (window as any).__tracepipeView)) as ViewState;
    const loss = records.find((r) => r.type === 'loss' && r.core === 0)!;
    if (loss.type !== 'loss') throw new Error('unreachable');
    const x = st.view.labelWidth + ((Number(loss.fromNs) - st.view.t0) / (st.view.t1 - st.view.t0)) * (st.view.width - st.view.labelWidth);
    await page.mouse.move(box.x + x, box.y + st.lanes[0].y0 - 4);
    const tip = await page.textContent('#tp-tip');
    expect(tip).toContain(`LOSS: ${loss.cause}`);
    expect(tip).toContain(`${loss.count} events lost on core 0`);
    await page.close();
  });

  it('has the stats --events table, and an event list whose search, filter and row click work', async () => {
    const page = await browser.context.newPage();
    await page.goto('file://' + file);
    await page.waitForFunction(() => (window as any).__tracepipeView?.ready === true);
    const state = async () => (await page.evaluate(() => (window as any).__tracepipeView)) as ViewState;
    // the same figures as stats --events over the same records, named as the page names them
    const es = new EventStats();
    for (const r of records) es.add(r.type === 'event' ? { ...r, name: names.eventName(r.kind, r.id) } : r);
    const want = eventStatsToJson(es.rows());
    expect(want.length).toBeGreaterThan(5);
    expect((await state()).eventStats).toBe(want.length);
    const table = await page.$$eval('#tp-evstats tbody tr', (trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.textContent)));
    expect(table.map((r) => [r[0], r[1], r[2], Number(r[3]), r[6]])).toEqual(
      want.map((w) => [String(w.core), w.kind, w.name, w.count, w.durations ? String((w.durations as { cut: number }).cut) : '']),
    );

    // filter to marks; zoom in at the centre so the last mark is out of view; click its row
    await page.selectOption('#tp-kind', 'mark');
    const marks = records.filter((r) => r.type === 'event' && r.kind === 'mark').length;
    await page.waitForFunction((n) => (window as any).__tracepipeView.list.matching === n, marks);
    for (let i = 0; i < 4; i++) await page.keyboard.press('+');
    const rows = await page.$$('#tp-list tbody tr');
    expect(rows.length).toBe(Math.min(marks, 200));
    const last = rows[rows.length - 1];
    const t = Number(await last.getAttribute('data-t'));
    const before = (await state()).view;
    expect(t < before.t0 || t > before.t1).toBe(true);
    await last.click();
    await page.waitForFunction((tt) => (window as any).__tracepipeView.selected?.t === tt, t);
    const after = await state();
    expect(after.view.t0).toBeLessThanOrEqual(t);
    expect(after.view.t1).toBeGreaterThanOrEqual(t);
    expect(after.selected!.kind).toBe('mark');

    // search by name (the ELF-like name of mark 1); typing is not a zoom or pan key
    const view = after.view;
    await page.selectOption('#tp-kind', '');
    await page.fill('#tp-search', '');
    await page.type('#tp-search', 'img src=x');
    const named = records.filter((r) => r.type === 'event' && r.kind === 'mark' && r.id === 1).length;
    expect(named).toBeGreaterThan(0);
    await page.waitForFunction((n) => (window as any).__tracepipeView.list.matching === n, named);
    expect((await state()).view).toEqual(view);
    const shown = await page.$$eval('#tp-list tbody tr td:nth-child(4)', (tds) => tds.map((td) => td.textContent));
    expect(new Set(shown)).toEqual(new Set([EVIL_NAME]));
    expect(await page.$$('img')).toEqual([]);

    // a table row filters the list to its event: an ISR row lists both its enters and exits
    const isr = want.findIndex((w) => w.kind === 'isr' && w.core === 1);
    expect(isr).toBeGreaterThanOrEqual(0);
    await page.click(`#tp-evstats tbody tr:nth-child(${isr + 1})`);
    const ends = records.filter((r) => r.type === 'event' && r.core === 1 && r.id === want[isr].id && (r.kind === 'isr_enter' || r.kind === 'isr_exit')).length;
    expect(ends).toBeGreaterThan(want[isr].count as number);
    await page.waitForFunction((n) => (window as any).__tracepipeView.list.matching === n, ends);
    await page.close();
  });

  it('shows a <script> carried by the trace as text and never runs it', async () => {
    const page = await browser.context.newPage();
    await page.goto('file://' + file);
    await page.waitForFunction(() => (window as any).__tracepipeView?.ready === true);
    expect(await page.evaluate(() => (window as any).__pwned)).toBeUndefined();
    expect(await page.$$('img')).toEqual([]);
    expect(await page.title()).toContain('evil</title><script>');
    // hover the log event carrying the blob: the tooltip holds the literal text
    const st = (await page.evaluate(() => (window as any).__tracepipeView)) as ViewState;
    const ev = records.find((r) => r.type === 'event' && r.blob)!;
    if (ev.type !== 'event') throw new Error('unreachable');
    // zoom in around the event so it is alone under the cursor
    await page.evaluate(() => window.scrollTo(0, 0));
    const box = (await (await page.$('#tp-canvas'))!.boundingBox())!;
    const px = (t: number, v: ViewState['view']) => v.labelWidth + ((t - v.t0) / (v.t1 - v.t0)) * (v.width - v.labelWidth);
    const t = Number(ev.tNs);
    for (let i = 0; i < 6; i++) {
      const v = ((await page.evaluate(() => (window as any).__tracepipeView)) as ViewState).view;
      await page.mouse.move(box.x + px(t, v), box.y + 40);
      await page.mouse.wheel(0, -300);
      await page.waitForTimeout(30);
    }
    const v = ((await page.evaluate(() => (window as any).__tracepipeView)) as ViewState).view;
    const lane = st.lanes[0];
    const rowsY = lane.y1 - (lane.series ? 40 : 0) - 7;
    await page.mouse.move(box.x + px(t, v), box.y + rowsY);
    const tip = await page.textContent('#tp-tip');
    expect(tip).toContain('blob: ' + EVIL_BLOB);
    expect(await page.evaluate(() => (window as any).__pwned)).toBeUndefined();
    await page.close();
  });
});

describe('tracepipe view at a million events', () => {
  it('loads and draws with level of detail: drawn items stay bounded by the pixel width', async () => {
    const { bigTrace } = await import('./big.js');
    const { records, stats } = decodeBytes(bigTrace(1_000_000));
    const events = records.filter((r) => r.type === 'event').length;
    expect(events).toBe(1_000_000);
    const file = join(tmp, 'big.html');
    exportRecords(new ViewExporter(new FileSink(file)), records, stats);
    const page = await browser.context.newPage();
    await page.goto('file://' + file);
    await page.waitForFunction(() => (window as any).__tracepipeView?.ready === true, undefined, { timeout: 120_000 });
    const st = (await page.evaluate(() => (window as any).__tracepipeView)) as ViewState;
    expect(st.lanes.reduce((s, l) => s + l.events, 0)).toBe(1_000_000);
    expect(st.drawn.lod).toBe(true);
    const px = st.view.width - st.view.labelWidth;
    // 250 000 ISR bars and 250 000 instants per lane, drawn as at most one item per pixel column
    expect(st.drawn.bars).toBeGreaterThan(px);
    expect(st.drawn.bars).toBeLessThanOrEqual(2 * 2 * px);
    expect(st.drawn.instants).toBeLessThanOrEqual(2 * px);
    expect(st.drawn.counterPoints).toBeLessThanOrEqual(2 * px);
    // zoomed far in, single items are drawn again
    for (let i = 0; i < 14; i++) await page.keyboard.press('+');
    await page.waitForFunction(() => (window as any).__tracepipeView.drawn.lod === false);
    const z = (await page.evaluate(() => (window as any).__tracepipeView)) as ViewState;
    expect(z.drawn.instants).toBeGreaterThan(0);
    // a figure for the report, not an assertion (no timing assertions in tests)
    console.log(`view: 1M events, full-view draw ${st.drawn.lastDrawMs.toFixed(1)} ms, zoomed draw ${z.drawn.lastDrawMs.toFixed(1)} ms`);
    await page.close();
  }, 120_000);
});
