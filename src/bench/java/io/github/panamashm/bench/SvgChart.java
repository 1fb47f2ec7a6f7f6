// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleFunction;

/**
 * chart.svg, written by hand: two panels, throughput (messages/s) by message size for the throughput
 * scenarios and p50 round trip by message size for the ping-pong scenarios, both axes log scale, one
 * line per scenario, with a legend. panama-shm's own scenarios are drawn thicker.
 */
final class SvgChart {

    /** One line: medians by size (failed or missing sizes left out). */
    record Series(String name, List<Point> points) {
    }

    record Point(int size, double value) {
    }

    private static final int WIDTH = 1000;
    private static final int PANEL_HEIGHT = 470;
    private static final int LEFT = 95;
    private static final int LEGEND_WIDTH = 250;
    private static final int TOP = 55;
    private static final int BOTTOM = 65;
    private static final int CAPTION_HEIGHT = 30;
    private static final String[] COLOURS = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948",
            "#b07aa1", "#ff9da7", "#9c755f", "#17becf"};
    private static final String[] DASHES = {"", "7 4", "2 3"};

    private final StringBuilder svg = new StringBuilder();

    private SvgChart() {
    }

    static void write(Path file, BenchPlan plan, BenchResults results, String caption) throws IOException {
        List<Series> throughput = series(plan, results, Scenario.Kind.THROUGHPUT, BenchResults.MSGS_PER_S);
        List<Series> latency = series(plan, results, Scenario.Kind.LATENCY, BenchResults.P50);
        Files.writeString(file, render(plan, throughput, latency, caption), StandardCharsets.UTF_8);
    }

    static String render(BenchPlan plan, List<Series> throughput, List<Series> latency, String caption) {
        SvgChart chart = new SvgChart();
        int height = 2 * PANEL_HEIGHT + CAPTION_HEIGHT;
        chart.svg.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
                .append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                        + " viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"12\">%n",
                        WIDTH, height, WIDTH, height))
                .append(String.format(Locale.ROOT, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"white\"/>%n",
                        WIDTH, height));
        String rounds = "median of " + plan.rounds() + " rounds";
        chart.panel(0, "Throughput by message size (" + rounds + ")", "messages per second (log scale)",
                plan.throughputSizes(), throughput, SvgChart::rateLabel, ResultTable::rate, " msgs/s");
        chart.panel(PANEL_HEIGHT, "Ping-pong round trip, p50, by message size (" + rounds + ")",
                "p50 round-trip time (log scale)", plan.latencySizes(), latency, SvgChart::nanosLabel,
                ResultTable::nanos, "");
        chart.text(WIDTH / 2.0, height - 12, caption, "middle", "font-size=\"11\" fill=\"#555\"");
        chart.svg.append("</svg>\n");
        return chart.svg.toString();
    }

    private static List<Series> series(BenchPlan plan, BenchResults results, Scenario.Kind kind, String metric) {
        List<Series> all = new ArrayList<>();
        for (Scenario scenario : plan.scenarios(kind)) {
            List<Point> points = new ArrayList<>();
            for (int size : plan.sizes(scenario)) {
                BenchStats stats = results.stats(scenario.name(), size, metric);
                if (stats.usable() && stats.median() > 0) {
                    points.add(new Point(size, stats.median()));
                }
            }
            all.add(new Series(scenario.name(), points));
        }
        return all;
    }

    private void panel(int top, String title, String yTitle, List<Integer> sizes, List<Series> series,
                       DoubleFunction<String> decadeLabel, DoubleFunction<String> valueLabel, String unit) {
        double x0 = LEFT;
        double x1 = WIDTH - LEGEND_WIDTH;
        double y0 = top + TOP;
        double y1 = top + PANEL_HEIGHT - BOTTOM;
        text((x0 + x1) / 2, top + 28, title, "middle", "font-size=\"15\" font-weight=\"bold\"");
        svg.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\""
                + " stroke=\"#333\"/>%n", x0, y0, x1 - x0, y1 - y0));
        svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" transform=\"rotate(-90 %.1f"
                + " %.1f)\">%s</text>%n", x0 - 65, (y0 + y1) / 2, x0 - 65, (y0 + y1) / 2, escape(yTitle)));

        double min = Double.POSITIVE_INFINITY;
        double max = 0;
        for (Series s : series) {
            for (Point p : s.points()) {
                min = Math.min(min, p.value());
                max = Math.max(max, p.value());
            }
        }
        if (sizes.isEmpty() || max == 0) {
            text((x0 + x1) / 2, (y0 + y1) / 2, "no data (not run, or every run failed)", "middle", "fill=\"#888\"");
            return;
        }
        int lo = (int) Math.floor(Math.log10(min));
        int hi = (int) Math.ceil(Math.log10(max));
        if (hi == lo) {
            hi++;
        }
        Scale x = new Scale(sizes, x0, x1);
        int decadeLow = lo;
        int decadeHigh = hi;
        DoubleFunction<Double> y = v -> y1 - (Math.log10(v) - decadeLow) / (decadeHigh - decadeLow) * (y1 - y0);

        for (int decade = lo; decade <= hi; decade++) {
            double value = Math.pow(10, decade);
            double yy = y.apply(value);
            line(x0, yy, x1, yy, "#ccc", 1, "");
            text(x0 - 8, yy + 4, decadeLabel.apply(value), "end", "");
            for (int m = 2; m <= 9 && decade < hi; m++) {
                double ym = y.apply(m * value);
                line(x0, ym, x1, ym, "#eee", 1, "");
                if (hi - lo <= 2 && (m == 2 || m == 5)) { // few decades: label 2x and 5x too
                    text(x0 - 8, ym + 4, decadeLabel.apply(m * value), "end",
                            "font-size=\"10\" fill=\"#777\"");
                }
            }
        }
        boolean single = sizes.size() == 1; // one size (--quick): the scenarios side by side, as lollipops
        if (single) {
            text((x0 + x1) / 2, y1 + 20, sizeLabel(sizes.getFirst()) + " messages: one column per scenario, in legend"
                    + " order", "middle", "");
        } else {
            text((x0 + x1) / 2, y1 + 45, "message size (bytes, log scale)", "middle", "");
            for (int size : sizes) {
                double xx = x.of(size);
                line(xx, y0, xx, y1, "#eee", 1, "");
                line(xx, y1, xx, y1 + 5, "#333", 1, "");
                text(xx, y1 + 20, sizeLabel(size), "middle", "");
            }
        }

        double legendY = y0 + 8;
        for (int i = 0; i < series.size(); i++) {
            Series s = series.get(i);
            String colour = COLOURS[i % COLOURS.length];
            String dash = DASHES[(i / COLOURS.length) % DASHES.length];
            double width = s.name().contains("pshm") ? 2.6 : 1.5;
            if (s.points().size() > 1) {
                StringBuilder points = new StringBuilder();
                for (Point p : s.points()) {
                    points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x.of(p.size()), y.apply(p.value())));
                }
                svg.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\"%s"
                        + " points=\"%s\"/>%n", colour, width, dashAttribute(dash), points.toString().strip()));
            }
            for (Point p : s.points()) {
                double px = single ? x0 + (i + 1) * (x1 - x0) / (series.size() + 1) : x.of(p.size());
                double py = y.apply(p.value());
                if (single) {
                    line(px, y1, px, py, colour, width, dash);
                    text(px, py - 8, valueLabel.apply(p.value()), "middle", "font-size=\"10\"");
                }
                svg.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"><title>%s</title>"
                        + "</circle>%n", px, py, colour,
                        escape(s.name() + ", " + p.size() + " B: " + valueLabel.apply(p.value()) + unit)));
            }
            double lx = x1 + 18;
            line(lx, legendY, lx + 26, legendY, colour, width, dash);
            svg.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>%n", lx + 13,
                    legendY, colour));
            text(lx + 34, legendY + 4, s.name() + (s.points().isEmpty() ? " (no data)" : ""), "start", "");
            legendY += 17;
        }
    }

    /** Positions sizes on a log-2 axis; a single size goes in the middle. */
    private record Scale(List<Integer> sizes, double x0, double x1) {
        double of(int size) {
            double pad = (x1 - x0) * 0.05;
            double low = Math.log(sizes.getFirst());
            double high = Math.log(sizes.getLast());
            if (high == low) {
                return (x0 + x1) / 2;
            }
            return x0 + pad + (Math.log(size) - low) / (high - low) * (x1 - x0 - 2 * pad);
        }
    }

    private void line(double xa, double ya, double xb, double yb, String colour, double width, String dash) {
        svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\""
                + " stroke-width=\"%.1f\"%s/>%n", xa, ya, xb, yb, colour, width, dashAttribute(dash)));
    }

    private void text(double x, double y, String text, String anchor, String attributes) {
        svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"%s>%s</text>%n", x, y, anchor,
                attributes.isEmpty() ? "" : " " + attributes, escape(text)));
    }

    private static String dashAttribute(String dash) {
        return dash.isEmpty() ? "" : " stroke-dasharray=\"" + dash + "\"";
    }

    static String sizeLabel(int size) {
        return size >= 1024 && size % 1024 == 0 ? size / 1024 + " KiB" : size + " B";
    }

    /** 1, 20, 500, 1k, 2M ... for a one-digit multiple of a power of ten (an axis tick). */
    static String rateLabel(double value) {
        return tickLabel(value, new String[] {"", "k", "M", "G", "T"}, "");
    }

    /** 1 ns, 20 ns, 500 ns, 1 µs, 2 ms ... for a one-digit multiple of a power of ten of nanoseconds. */
    static String nanosLabel(double value) {
        return tickLabel(value, new String[] {"ns", "µs", "ms", "s"}, " ");
    }

    private static String tickLabel(double value, String[] units, String space) {
        int exponent = (int) Math.floor(Math.log10(value) + 1e-9);
        if (exponent < 0) {
            return String.format(Locale.ROOT, "%.3g", value) + space + units[0];
        }
        long mantissa = Math.round(value / Math.pow(10, exponent));
        int group = Math.min(exponent / 3, units.length - 1);
        return mantissa * (long) Math.pow(10, exponent - 3 * group) + space + units[group];
    }

    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&apos;");
                default -> out.append(c < 0x20 && c != '\t' ? ' ' : c);
            }
        }
        return out.toString();
    }
}
