// Boxes and labels on a canvas. Each canvas records how many boxes it shows (data-boxes) and their labels
// (data-labels), so what is drawn can be read back.

const MATCH = '#18a058';
const UNKNOWN = '#e07b00';
const DETECTED = '#2f7de1';

/**
 * Draws {@code boxes} ([{box: {x, y, width, height}, label, kind}], kind: match | unknown | detected) over what the
 * canvas already shows; box coordinates are in the pixels of an image {@code sourceWidth} wide, the canvas may differ.
 */
export function drawBoxes(canvas, boxes, sourceWidth) {
  const g = canvas.getContext('2d');
  const scale = sourceWidth ? canvas.width / sourceWidth : 1;
  const line = Math.max(2, Math.round(canvas.width / 320));
  const fontPx = Math.max(12, Math.round(canvas.width / 45));
  g.font = `600 ${fontPx}px system-ui, sans-serif`;
  g.textBaseline = 'bottom';
  for (const { box, label, kind } of boxes) {
    const x = box.x * scale, y = box.y * scale, w = box.width * scale, h = box.height * scale;
    const colour = kind === 'match' ? MATCH : kind === 'unknown' ? UNKNOWN : DETECTED;
    g.lineWidth = line;
    g.strokeStyle = colour;
    g.strokeRect(x, y, w, h);
    if (label) {
      const tw = g.measureText(label).width + 8;
      const ty = y - fontPx - 6 >= 0 ? y : y + h + fontPx + 6;
      const tx = Math.max(0, Math.min(x - line / 2, canvas.width - tw)); // the whole label inside the canvas
      g.fillStyle = colour;
      g.fillRect(tx, ty - fontPx - 6, tw, fontPx + 6);
      g.fillStyle = '#fff';
      g.fillText(label, tx + 4, ty - 3);
    }
  }
  canvas.dataset.boxes = String(boxes.length);
  canvas.dataset.labels = JSON.stringify(boxes.map(b => b.label ?? ''));
}

/** Shows an image file on the canvas at its own size (CSS scales it down); resolves once drawn. */
export async function showImage(canvas, file) {
  const url = URL.createObjectURL(file);
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    canvas.getContext('2d').drawImage(img, 0, 0);
    delete canvas.dataset.boxes;
    delete canvas.dataset.labels;
  } finally {
    URL.revokeObjectURL(url);
  }
}

export function clear(canvas) {
  canvas.getContext('2d').clearRect(0, 0, canvas.width, canvas.height);
  canvas.dataset.boxes = '0';
  canvas.dataset.labels = '[]';
}
