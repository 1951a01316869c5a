package dev.facerec.eval;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/** Draws ROC curves (TAR against FAR on a log axis) of several variants into one PNG, headless. */
public final class RocPlot {
  private static final Color[] COLORS = {
    new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e),
    new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x17becf)
  };
  private static final int W = 900;
  private static final int H = 640;
  private static final int LEFT = 80;
  private static final int RIGHT = 30;
  private static final int TOP = 50;
  private static final int BOTTOM = 70;

  private RocPlot() {}

  /**
   * @param curves label -> operating points (from {@link Roc#curve(int)}), FAR ascending
   * @param title the plot title
   */
  public static void write(Path png, String title, Map<String, List<Roc.Point>> curves) throws IOException {
    write(png, title, "FAR (false match rate, log scale)", "TAR (true match rate)", curves);
  }

  /** Same with other axis names (the x axis is always a log-scale rate, the y axis a linear rate). */
  public static void write(Path png, String title, String xLabel, String yLabel, Map<String, List<Roc.Point>> curves)
      throws IOException {
    System.setProperty("java.awt.headless", "true");
    double minFar = 1e-4;
    for (List<Roc.Point> c : curves.values()) {
      for (Roc.Point p : c) {
        if (p.far() > 0) {
          minFar = Math.min(minFar, p.far());
        }
      }
    }
    double logMin = Math.floor(Math.log10(minFar));
    double tarMin = 1;
    for (List<Roc.Point> c : curves.values()) {
      for (Roc.Point p : c) {
        if (p.far() >= Math.pow(10, logMin)) {
          tarMin = Math.min(tarMin, p.tar());
        }
      }
    }
    tarMin = Math.max(0, Math.floor(tarMin * 10 - 1e-9) / 10);
    if (tarMin > 0.9) {
      tarMin = 0.9;
    }

    BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, W, H);
      int pw = W - LEFT - RIGHT;
      int ph = H - TOP - BOTTOM;
      Axis x = v -> LEFT + (Math.log10(Math.max(v, Math.pow(10, logMin))) - logMin) / -logMin * pw;
      final double yMin = tarMin;
      Axis y = v -> TOP + ph - (v - yMin) / (1 - yMin) * ph;

      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      for (int e = (int) logMin; e <= 0; e++) {
        int px = (int) Math.round(x.map(Math.pow(10, e)));
        g.setColor(new Color(0xdddddd));
        g.drawLine(px, TOP, px, TOP + ph);
        g.setColor(Color.DARK_GRAY);
        String label = e == 0 ? "1" : "1e" + e;
        g.drawString(label, px - g.getFontMetrics().stringWidth(label) / 2, TOP + ph + 18);
      }
      int ticks = (int) Math.round((1 - tarMin) / (tarMin >= 0.5 ? 0.02 : 0.1));
      for (int i = 0; i <= ticks; i++) {
        double v = tarMin + (1 - tarMin) * i / ticks;
        int py = (int) Math.round(y.map(v));
        g.setColor(new Color(0xdddddd));
        g.drawLine(LEFT, py, LEFT + pw, py);
        g.setColor(Color.DARK_GRAY);
        String label = String.format("%.2f", v);
        g.drawString(label, LEFT - 8 - g.getFontMetrics().stringWidth(label), py + 4);
      }
      g.setColor(Color.BLACK);
      g.drawRect(LEFT, TOP, pw, ph);
      g.drawString(xLabel, LEFT + pw / 2 - g.getFontMetrics().stringWidth(xLabel) / 2, H - 25);
      Graphics2D gr = (Graphics2D) g.create();
      gr.rotate(-Math.PI / 2);
      gr.drawString(yLabel, -(TOP + ph / 2 + gr.getFontMetrics().stringWidth(yLabel) / 2), 20);
      gr.dispose();
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
      g.drawString(title, LEFT, 30);

      g.setClip(LEFT, TOP, pw + 1, ph + 1);
      int ci = 0;
      Map<String, Color> legend = new LinkedHashMap<>();
      for (Map.Entry<String, List<Roc.Point>> c : curves.entrySet()) {
        Color col = COLORS[ci++ % COLORS.length];
        legend.put(c.getKey(), col);
        g.setColor(col);
        g.setStroke(new BasicStroke(2f));
        double px = Double.NaN;
        double py = Double.NaN;
        for (Roc.Point p : c.getValue()) { // FAR ascending: a step curve
          double nx = x.map(p.far());
          double ny = y.map(p.tar());
          if (!Double.isNaN(px)) {
            g.drawLine((int) Math.round(px), (int) Math.round(py), (int) Math.round(nx), (int) Math.round(ny));
          }
          px = nx;
          py = ny;
        }
      }
      g.setClip(null);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
      int ly = TOP + ph - 16 * legend.size() - 8;
      for (Map.Entry<String, Color> e : legend.entrySet()) {
        g.setColor(e.getValue());
        g.fillRect(LEFT + pw - 260, ly - 9, 18, 4);
        g.setColor(Color.BLACK);
        g.drawString(e.getKey(), LEFT + pw - 236, ly - 3);
        ly += 16;
      }
    } finally {
      g.dispose();
    }
    if (!ImageIO.write(img, "png", png.toFile())) {
      throw new IOException("no PNG writer available");
    }
  }

  private interface Axis {
    double map(double v);
  }
}
