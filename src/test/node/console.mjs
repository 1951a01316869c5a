// Drives the browser console (/console) of a running facerec-service in Debian's chromium (playwright-core, no browser
// download) and writes what the page showed to the JSON file named by REPORT; ConsoleIT asserts on it. Screenshots go
// to SHOTS. Environment: CONSOLE_URL, KEY (admin), WRONG_KEY, COLLECTION, OBAMA1, OBAMA2, BIDEN1, GROUP (images),
// CAMERA_Y4M (the fake camera's video), CHROMIUM (the browser's path).
import { chromium } from 'playwright-core';
import fs from 'fs';
import path from 'path';

const env = process.env;
const report = { consoleErrors: [], steps: [] };
const shots = env.SHOTS;
fs.mkdirSync(shots, { recursive: true });

const browser = await chromium.launch({
  executablePath: env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
    `--use-file-for-fake-video-capture=${env.CAMERA_Y4M}`, '--autoplay-policy=no-user-gesture-required'],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const page = await context.newPage();
page.setDefaultTimeout(60_000);
// Script errors and CSP violations; the refusals the test provokes (422, 401) are logged by chromium as failed loads.
report.failedLoads = [];
page.on('console', m => {
  if (m.type() === 'error') {
    (m.text().startsWith('Failed to load resource: the server responded with a status of') ? report.failedLoads : report.consoleErrors).push(m.text());
  }
});
page.on('pageerror', e => report.consoleErrors.push(`pageerror: ${e.message}`));
// What the server sent on the WebSocket, to compare with what the page counted.
const wire = { replies: 0, dropped: 0, faces: 0, protocols: [] };
page.on('websocket', ws => {
  ws.on('framereceived', f => {
    try {
      const r = JSON.parse(f.payload);
      wire.replies++;
      if (r.dropped) wire.dropped++;
      wire.faces += (r.faces ?? []).length;
    } catch { /* not JSON */ }
  });
});

const text = sel => page.locator(sel).innerText();
const shot = name => page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
const step = async (name, fn) => {
  report.steps.push(name);
  report[name] = await fn();
};

/** Drops a file on a drop zone the way a browser does: a DataTransfer with a File on dragover and drop events. */
async function dropFile(selector, file, type) {
  const b64 = fs.readFileSync(file).toString('base64');
  await page.evaluate(({ selector, b64, name, type }) => {
    const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
    const dt = new DataTransfer();
    dt.items.add(new File([bytes], name, { type }));
    const zone = document.querySelector(selector);
    zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, { selector, b64, name: path.basename(file), type });
}

/** A 3 s WebM of a face drifting across the frame, recorded by the browser's MediaRecorder from a canvas. */
async function recordVideo(image) {
  const rec = await context.newPage();
  const b64 = await rec.evaluate(async img => {
    const blob = new Blob([Uint8Array.from(atob(img), c => c.charCodeAt(0))], { type: 'image/jpeg' });
    const bmp = await createImageBitmap(blob);
    const c = document.createElement('canvas');
    c.width = 480;
    c.height = Math.round(480 * bmp.height / bmp.width / 2) * 2;
    const g = c.getContext('2d');
    g.drawImage(bmp, 0, 0, c.width, c.height);
    const mr = new MediaRecorder(c.captureStream(15), { mimeType: 'video/webm;codecs=vp8' });
    const chunks = [];
    mr.ondataavailable = e => chunks.push(e.data);
    const stopped = new Promise(r => { mr.onstop = r; });
    mr.start(200);
    const t0 = performance.now();
    while (performance.now() - t0 < 3000) {
      const dx = Math.round(((performance.now() - t0) / 3000) * 40) - 20;
      g.fillStyle = '#000';
      g.fillRect(0, 0, c.width, c.height);
      g.drawImage(bmp, dx, 0, c.width, c.height);
      await new Promise(r => setTimeout(r, 50));
    }
    mr.stop();
    await stopped;
    const bytes = new Uint8Array(await new Blob(chunks).arrayBuffer());
    let s = '';
    for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
    return btoa(s);
  }, fs.readFileSync(image).toString('base64'));
  await rec.close();
  const file = path.join(process.cwd(), 'face.webm');
  fs.writeFileSync(file, Buffer.from(b64, 'base64'));
  return file;
}

/**
 * Other clients keeping the node's one inference worker busy (two detect requests at a time): the console's frames
 * wait, so a second frame in flight is dropped by the server (WS_MAX_IN_FLIGHT=1) however fast the machine is.
 */
function busyServer(image) {
  const body = fs.readFileSync(image);
  const url = new URL('../api/v1/detect', env.CONSOLE_URL.replace(/\/?$/, '/'));
  let running = true;
  const worker = async () => {
    while (running) {
      await fetch(url, { method: 'POST', headers: { 'X-API-Key': env.KEY, 'Content-Type': 'image/jpeg' }, body })
        .then(r => r.arrayBuffer()).catch(() => {});
    }
  };
  const workers = [worker(), worker()];
  return async () => {
    running = false;
    await Promise.all(workers);
  };
}

const counters = () => page.evaluate(() => Object.fromEntries(['sent', 'answered', 'dropped', 'faces', 'faces-total']
  .map(k => [k, Number(document.getElementById(`live-${k}`).textContent)])));

try {
  await step('load', async () => {
    const res = await page.goto(env.CONSOLE_URL);
    await page.locator('#sign-in').waitFor();
    return { status: res.status(), url: page.url(), title: await page.title() };
  });

  await step('signIn', async () => {
    await page.fill('#key', env.KEY);
    await page.fill('#collection', env.COLLECTION);
    await page.click('#sign-in');
    await page.locator('#main').waitFor();
    return page.evaluate(() => ({
      sessionKey: sessionStorage.getItem('facerec.console.key') !== null,
      localStorage: localStorage.length,
      cookies: document.cookie,
      collection: document.getElementById('session-collection').value,
      keyFieldCleared: document.getElementById('key').value === '',
      signInFormShown: document.getElementById('sign-in-form').checkVisibility(),
      sessionShown: document.getElementById('session').checkVisibility(),
    }));
  });

  // Person 1 with the file picker, person 2 by drag and drop.
  await step('enrollPicker', async () => {
    await page.fill('#enroll-name', 'Barack Obama');
    await page.setInputFiles('#enroll-file', env.OBAMA1);
    await page.locator('#enroll-results li.accepted, #enroll-results li.refused').first().waitFor();
    return text('#enroll-results li >> nth=0');
  });
  await step('enrollDrop', async () => {
    await page.locator('#subjects tbody tr').nth(0).waitFor();
    await page.selectOption('#enroll-subject', '');
    await page.fill('#enroll-name', 'Joe Biden');
    await dropFile('#enroll-drop', env.BIDEN1, 'image/jpeg');
    await page.waitForFunction(() => document.querySelectorAll('#enroll-results li.accepted, #enroll-results li.refused').length >= 2);
    return text('#enroll-results li >> nth=0');
  });
  await step('enrollRefused', async () => {
    await page.locator('#subjects tbody tr').nth(1).waitFor();
    await page.selectOption('#enroll-subject', '');
    await page.fill('#enroll-name', 'A group');
    await page.setInputFiles('#enroll-file', env.GROUP);
    await page.waitForFunction(() => document.querySelectorAll('#enroll-results li.accepted, #enroll-results li.refused').length >= 3);
    return {
      text: await text('#enroll-results li >> nth=0'),
      className: await page.locator('#enroll-results li >> nth=0').getAttribute('class'),
      code: await text('#enroll-results li >> nth=0 >> .code'),
    };
  });
  await shot('enroll');

  await step('subjects', async () => {
    await page.click('#subjects-refresh');
    // the two people, once the subject made for the refused group photo is deleted again
    await page.waitForFunction(() => document.getElementById('subjects-count').textContent === '2 of 2 subjects');
    const all = await page.locator('#subjects tbody tr td:first-child').allInnerTexts();
    await page.fill('#subject-search', 'bid');
    const searched = await page.locator('#subjects tbody tr td:first-child').allInnerTexts();
    const count = await text('#subjects-count');
    await page.fill('#subject-search', '');
    return { all, searched, count };
  });

  await step('identifyOne', async () => {
    await page.setInputFiles('#identify-file', env.OBAMA2);
    await page.waitForFunction(name => document.getElementById('identify-summary').textContent.startsWith(`${name}:`),
      path.basename(env.OBAMA2));
    return {
      boxes: Number(await page.getAttribute('#identify-canvas', 'data-boxes')),
      labels: JSON.parse(await page.getAttribute('#identify-canvas', 'data-labels')),
      results: await page.locator('#identify-results li').allInnerTexts(),
      summary: await text('#identify-summary'),
    };
  });
  await shot('identify-one');

  await step('identifyGroup', async () => {
    await dropFile('#identify-drop', env.GROUP, 'image/jpeg');
    await page.waitForFunction(name => document.getElementById('identify-summary').textContent.startsWith(`${name}:`),
      path.basename(env.GROUP));
    return {
      boxes: Number(await page.getAttribute('#identify-canvas', 'data-boxes')),
      labels: JSON.parse(await page.getAttribute('#identify-canvas', 'data-labels')),
      results: await page.locator('#identify-results li').allInnerTexts(),
      summary: await text('#identify-summary'),
    };
  });
  await shot('identify-group');

  await step('liveVideo', async () => {
    const video = await recordVideo(env.OBAMA1);
    await page.fill('#live-in-flight', '3'); // more than the server's WS_MAX_IN_FLIGHT: it drops some frames
    const before = { ...wire };
    const idle = busyServer(env.GROUP);
    await page.setInputFiles('#live-file', video);
    await page.waitForFunction(() => document.getElementById('live-state').textContent.startsWith('Streaming video'));
    await page.waitForFunction(() => Number(document.getElementById('live-faces-total').textContent) > 0);
    await shot('live-video');
    await page.waitForFunction(() => document.getElementById('live-state').textContent.startsWith('Finished')
      || document.getElementById('live-state').textContent.startsWith('Closed'), null, { timeout: 120_000 });
    await idle();
    await page.waitForTimeout(300);
    return {
      videoBytes: fs.statSync(video).size,
      page: await counters(),
      wire: { replies: wire.replies - before.replies, dropped: wire.dropped - before.dropped, faces: wire.faces - before.faces },
      overlayBoxes: Number(await page.getAttribute('#live-overlay', 'data-boxes')),
      state: await text('#live-state'),
      lastError: await text('#live-last-error'),
    };
  });

  await step('liveCamera', async () => {
    await page.fill('#live-in-flight', '1');
    await page.click('#live-camera');
    await page.waitForFunction(() => document.getElementById('live-state').textContent === 'Streaming camera');
    await page.waitForFunction(() => Number(document.getElementById('live-faces-total').textContent) > 0);
    await shot('live-camera');
    await page.click('#live-stop');
    return {
      page: await counters(),
      overlayBoxes: Number(await page.getAttribute('#live-overlay', 'data-boxes')),
      state: await text('#live-state'),
    };
  });

  await step('status', async () => {
    await page.click('#status-refresh');
    await page.waitForFunction(c => document.getElementById('status-index').innerText.includes(c), env.COLLECTION);
    await shot('status');
    return { index: await text('#status-index'), cluster: await text('#status-cluster') };
  });

  await step('reload', async () => {
    await page.reload();
    await page.locator('#main').waitFor();
    return { signedIn: await page.locator('#main').isVisible() };
  });

  await step('wrongKey', async () => {
    await page.click('#sign-out');
    const signedOut = await page.evaluate(() => sessionStorage.length);
    await page.fill('#key', env.WRONG_KEY);
    await page.click('#sign-in');
    await page.locator('#error').waitFor();
    await shot('wrong-key');
    return { error: await text('#error'), mainHidden: await page.locator('#main').isHidden(), sessionAfterSignOut: signedOut,
      signInFormShown: await page.locator('#sign-in-form').isVisible() };
  });
} catch (e) {
  report.failure = String(e?.stack ?? e);
  await shot('failure').catch(() => {});
}
report.wire = wire;
fs.writeFileSync(env.REPORT, JSON.stringify(report, null, 1));
await browser.close();
if (report.failure) {
  console.error(report.failure);
}
process.exit(report.failure ? 1 : 0); // also ends a busyServer left running by a failed step
