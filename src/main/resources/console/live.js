// Live detection: frames of the camera or of a video file go to /ws/detect as JPEG binary messages; each JSON reply
// draws its boxes on the overlay. At most "frames in flight" frames wait for a reply; the server may still drop
// frames (WS_TOO_MANY_IN_FLIGHT and others): those replies are counted as dropped, never drawn.
import { detectSocket } from './api.js';
import { drawBoxes, clear } from './draw.js';

const MAX_WIDTH = 640;
const $ = id => document.getElementById(id);

export class Live {
  constructor(showError) {
    this.showError = showError;
    this.video = $('live-video');
    this.overlay = $('live-overlay');
    this.grab = document.createElement('canvas');
    this.running = false;
  }

  async startCamera() {
    this.begin('camera');
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: false });
    } catch (e) {
      this.showError(`The camera could not be opened: ${e.message}`);
      return;
    }
    this.video.srcObject = stream;
    await this.run('camera');
  }

  async startFile(file) {
    this.begin(`video ${file.name}`);
    this.fileUrl = URL.createObjectURL(file);
    this.video.src = this.fileUrl;
    await this.run(`video ${file.name}`);
  }

  /** A new stream: the previous one stopped, counters and overlay cleared. */
  begin(source) {
    this.stop();
    this.counts = { sent: 0, answered: 0, dropped: 0, facesTotal: 0 };
    this.inFlight = 0;
    this.show();
    $('live-faces').textContent = '0';
    $('live-millis').textContent = '–';
    $('live-last-error').textContent = '';
    clear(this.overlay);
    this.state(`Opening ${source}…`);
  }

  async run(source) {
    this.state(`Connecting (${source})…`);
    const ws = detectSocket();
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    const opened = await new Promise(resolve => {
      ws.onopen = () => resolve(true);
      ws.onerror = () => resolve(false);
      ws.onclose = () => resolve(false);
    });
    if (!opened || this.ws !== ws) {
      if (this.ws === ws) {
        this.showError('The detection WebSocket was refused: the key needs the detect role (or admin), and the key'
          + ' may hold only WS_MAX_CONNECTIONS_PER_KEY sockets.');
        this.stop();
      }
      return;
    }
    ws.onmessage = e => this.onReply(e.data);
    ws.onclose = e => {
      if (this.ws === ws) {
        this.state(`Closed by the server (${e.code}${e.reason ? ': ' + e.reason : ''})`);
        this.ws = null;
        this.finish();
      }
    };
    this.running = true;
    $('live-stop').disabled = false;
    this.video.onended = () => {
      this.running = false;
      this.state(`Video ended: waiting for the last replies`);
      this.closeWhenAnswered();
    };
    try {
      await this.video.play();
    } catch (e) {
      this.showError(`The video could not be played: ${e.message}`);
      this.stop();
      return;
    }
    this.state(`Streaming ${source}`);
    this.tick();
  }

  tick() {
    if (!this.running) {
      return;
    }
    const limit = Math.max(1, Number($('live-in-flight').value) || 1);
    if (this.inFlight < limit && this.video.readyState >= 2 && this.video.videoWidth > 0) {
      this.sendFrame();
    }
    this.timer = setTimeout(() => this.tick(), 40);
  }

  sendFrame() {
    const v = this.video;
    const scale = Math.min(1, MAX_WIDTH / v.videoWidth);
    this.grab.width = Math.round(v.videoWidth * scale);
    this.grab.height = Math.round(v.videoHeight * scale);
    this.grab.getContext('2d').drawImage(v, 0, 0, this.grab.width, this.grab.height);
    this.inFlight++;
    this.grab.toBlob(blob => {
      if (!blob || !this.ws || this.ws.readyState !== WebSocket.OPEN) {
        this.inFlight--;
        if (!this.running) {
          this.closeWhenAnswered();
        }
        return;
      }
      this.ws.send(blob);
      this.counts.sent++;
      this.show();
    }, 'image/jpeg', 0.85);
  }

  onReply(text) {
    let reply;
    try {
      reply = JSON.parse(text);
    } catch {
      return;
    }
    if (reply.seq !== undefined) {
      this.inFlight = Math.max(0, this.inFlight - 1);
    }
    if (reply.dropped) {
      this.counts.dropped++;
      $('live-last-error').textContent = `Frame ${reply.seq} dropped: ${reply.error?.code ?? ''} ${reply.error?.message ?? ''}`;
    } else if (reply.error) {
      this.counts.answered++;
      $('live-last-error').textContent = `Frame ${reply.seq ?? ''}: ${reply.error.code} ${reply.error.message}`;
    } else {
      this.counts.answered++;
      const faces = reply.faces ?? [];
      this.counts.facesTotal += faces.length;
      $('live-faces').textContent = String(faces.length);
      $('live-millis').textContent = `${reply.millis} ms`;
      this.overlay.width = this.video.videoWidth || reply.width;
      this.overlay.height = this.video.videoHeight || reply.height;
      clear(this.overlay);
      drawBoxes(this.overlay, faces.map(f => ({ box: f.box, label: `face ${f.score?.toFixed(2)}`, kind: 'detected' })), reply.width);
    }
    this.show();
    if (!this.running) {
      this.closeWhenAnswered();
    }
  }

  closeWhenAnswered() {
    if (this.ws && this.inFlight === 0) {
      const ws = this.ws;
      this.ws = null;
      ws.close(1000, 'done');
      this.state(`Finished: ${this.counts.sent} frames sent`);
      this.finish();
    }
  }

  show() {
    const c = this.counts ?? { sent: 0, answered: 0, dropped: 0, facesTotal: 0 };
    $('live-sent').textContent = String(c.sent);
    $('live-answered').textContent = String(c.answered);
    $('live-dropped').textContent = String(c.dropped);
    $('live-faces-total').textContent = String(c.facesTotal);
  }

  state(text) {
    $('live-state').textContent = text;
  }

  finish() {
    this.running = false;
    clearTimeout(this.timer);
    $('live-stop').disabled = true;
  }

  stop() {
    this.finish();
    if (this.ws) {
      const ws = this.ws;
      this.ws = null;
      ws.close(1000, 'stopped');
      this.state('Stopped');
    }
    this.video.pause();
    const stream = this.video.srcObject;
    if (stream) {
      stream.getTracks().forEach(t => t.stop());
      this.video.srcObject = null;
    }
    if (this.fileUrl) {
      this.video.removeAttribute('src');
      URL.revokeObjectURL(this.fileUrl);
      this.fileUrl = null;
    }
  }
}
